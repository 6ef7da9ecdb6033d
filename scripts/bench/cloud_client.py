"""The cloud side's MQTT client: Ditto envelopes on Hono command topics, QoS 1.

Why this exists: both benchmark drivers (one large file, many small files) play the
backend of PROTOCOL.md over the local mosquitto: they subscribe to what the agent
publishes (`e` and the command responses) and send operations to it.  Subclasses
implement `_on_message`.
"""

from __future__ import annotations

import json
import socket
import threading
import uuid

import paho.mqtt.client as mqtt


class CloudClient:
    def __init__(self, port: int, device_id: str, tenant_id: str, feature_id: str,
                 name: str) -> None:
        self.device_id = device_id
        self.tenant_id = tenant_id
        self.feature_id = feature_id
        namespace, _, thing = device_id.partition(":")
        self._topic_prefix = f"{namespace}/{thing}"
        self._subscribed = threading.Event()
        self.network_thread_id = 0    # paho's network thread, where the callbacks run
        self._client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2,
                                   client_id=f"{name}-{uuid.uuid4().hex[:8]}")
        self._client.on_connect = self._on_connect
        self._client.on_subscribe = lambda *args: self._subscribed.set()
        self._client.on_message = self._on_message
        self._client.connect("127.0.0.1", port)
        self._client.loop_start()
        if not self._subscribed.wait(10):
            raise RuntimeError("could not subscribe at the local broker")

    def close(self) -> None:
        self._client.loop_stop()
        self._client.disconnect()

    def _on_connect(self, client, userdata, flags, reason_code, properties) -> None:
        self.network_thread_id = threading.get_native_id()
        # paho leaves Nagle on: a message written while a PUBACK is unacknowledged would
        # wait for the broker's delayed ACK (40 ms) and be charged to the agent.
        sock = client.socket()
        if sock is not None:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        client.subscribe([("e", 1), ("command/+/+/res/#", 1)])

    def _on_message(self, client, userdata, message) -> None:
        raise NotImplementedError

    def publish_operation(self, operation: str, value: dict,
                          request_id: str) -> mqtt.MQTTMessageInfo:
        """One inbox operation as a Hono command (QoS 1); the response names request_id."""
        envelope = {
            "topic": f"{self._topic_prefix}/things/live/messages/{operation}",
            "headers": {"response-required": True, "content-type": "application/json",
                        "correlation-id": str(uuid.uuid4())},
            "path": f"/features/{self.feature_id}/inbox/messages/{operation}",
            "value": value,
        }
        topic = f"command/{self.tenant_id}/{self.device_id}/req/{request_id}/{operation}"
        return self._client.publish(topic, json.dumps(envelope), qos=1)
