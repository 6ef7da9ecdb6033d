"""A backend that answers the agent's upload requests by itself, as a real one does.

Why: tests of large triggers and bursts need thousands of `start` commands, sent the way a
Hono/Ditto backend sends them: as requests arrive (or all at once, for ids it computed),
without waiting for each response. Commands go out on a client and a thread of their own
(as Hono's command sender is not its event consumer): paho's network thread of the cloud
client delivers the requests and must never block on a publish, and thousands of
outgoing commands must not slow down reading what the agent sends.
"""
from __future__ import annotations

import json
import queue
import threading
import uuid
from typing import Callable, Dict, Iterable, List, Optional

import paho.mqtt.client as mqtt

from .cloud_client import CloudClient, Message, broker_host
from .http_sink import HttpSink


class StartingBackend:
    """Answers every outbox request of the agent with a generic `start` to `sink`.

    `skip(child_id)` returning True leaves that request unanswered. `starts()` sends starts
    for ids the test computed itself. `.answered` lists the child ids started, in order.
    """

    def __init__(self, cloud: CloudClient, sink: HttpSink,
                 skip: Callable[[str], bool] = lambda child: False, answer_requests: bool = True):
        self.cloud = cloud
        self.sink = sink
        self.skip = skip
        self.answer_requests = answer_requests
        self.answered: List[str] = []
        self.skipped: List[str] = []
        self._queue: "queue.Queue[Optional[str]]" = queue.Queue()
        self._sender = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2,
                                   client_id=f"itest-backend-{uuid.uuid4().hex[:8]}", protocol=mqtt.MQTTv311)
        self._sender.max_inflight_messages_set(100)
        self._sender.connect(broker_host(cloud.broker), cloud.broker.port, keepalive=30)
        self._sender.loop_start()
        self._thread = threading.Thread(target=self._publish_loop, name="backend-starts", daemon=True)
        self._thread.start()
        cloud.handlers.append(self._on_message)

    def close(self) -> None:
        if self._on_message in self.cloud.handlers:
            self.cloud.handlers.remove(self._on_message)
        self._queue.put(None)
        self._thread.join(10)
        self._sender.disconnect()
        self._sender.loop_stop()

    def starts(self, child_ids: Iterable[str]) -> None:
        """Sends a start for each id at once, whether or not its request went out yet."""
        for child in child_ids:
            self._queue.put(child)

    def _on_message(self, message: Message) -> None:
        if not self.answer_requests or not self.cloud.is_outbox_request(message):
            return
        child = message.value["correlationId"]
        if self.skip(child):
            self.skipped.append(child)
            return
        self._queue.put(child)

    def _publish_loop(self) -> None:
        while True:
            child = self._queue.get()
            try:
                if child is None:
                    return
                self._publish_start(child)
            finally:
                self._queue.task_done()

    def _publish_start(self, child: str) -> None:
        options: Dict[str, str] = {"storage.provider": "generic",
                                   "https.url": self.sink.url("/" + child.replace("#", "/"))}
        body = self.cloud.envelope("start", {"correlationID": child, "options": options},
                                   f"start-{child}-{uuid.uuid4().hex[:6]}")
        # Not waiting for each PUBACK: a backend answering a burst does not either.
        self._sender.publish(self.cloud.command_topic("start"), json.dumps(body).encode(), qos=1)
        self.answered.append(child)
