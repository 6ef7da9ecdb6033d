"""The cloud side of the conversation, as a paho-mqtt client on the test broker.

Why: end-to-end tests must see exactly what a Hono/Ditto backend sees: the commands it
publishes (`command/<tenant>/<device>/req/<req-id>/<operation>` with a Ditto envelope,
shaped like the seed's examples), the responses on `command/.../res/...`, and everything
the agent publishes on `e` (feature registration, property updates, outbox requests).
It reconnects by itself after a broker restart.
"""
from __future__ import annotations

import json
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Optional

import paho.mqtt.client as mqtt

from .mosquitto_broker import MosquittoBroker

RESPONSE_FILTER = "command/+/+/res/#"
EVENT_TOPIC = "e"
FEATURE = "AutoUploadable"


@dataclass
class Message:
    topic: str
    payload: bytes
    json: Any
    qos: int
    retain: bool
    received_at: float = field(default_factory=time.monotonic)
    index: int = 0
    #: The broker's DUP flag: a QoS 1 message it delivers again (after its own restart).
    dup: bool = False

    @property
    def text(self) -> str:
        return self.payload.decode("utf-8", errors="replace")

    @property
    def path(self) -> str:
        return self.json.get("path", "") if isinstance(self.json, dict) else ""

    @property
    def value(self) -> Any:
        return self.json.get("value") if isinstance(self.json, dict) else None

    @property
    def headers(self) -> Dict[str, Any]:
        if isinstance(self.json, dict) and isinstance(self.json.get("headers"), dict):
            return self.json["headers"]
        return {}


def thing_topic_prefix(thing: str) -> str:
    """`namespace:name` -> `namespace/name` (split at the first colon)."""
    namespace, _, name = thing.partition(":")
    return f"{namespace}/{name}"


class CloudClient:
    def __init__(self, broker: MosquittoBroker, client_id: Optional[str] = None,
                 extra_subscriptions: Optional[List[str]] = None,
                 username: Optional[str] = None, password: Optional[str] = None,
                 clean_session: bool = True, subscribe_qos: int = 1):
        self.broker = broker
        #: 0 for a backend far away: the broker then sends without its 20-message in-flight
        #: limit per client, which at a 200 ms round trip caps delivery at 100 messages/s.
        self.subscribe_qos = subscribe_qos
        self.feature = FEATURE
        self.subscriptions = [EVENT_TOPIC, RESPONSE_FILTER] + list(extra_subscriptions or [])
        self._messages: List[Message] = []
        self._cond = threading.Condition()
        self._connected = threading.Event()
        self._subscribed = threading.Event()
        self._pending_subs: set = set()
        self.connects = 0
        self.handlers: List[Callable[[Message], None]] = []
        self.client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2,
                                  client_id=client_id or f"itest-cloud-{uuid.uuid4().hex[:8]}",
                                  protocol=mqtt.MQTTv311, clean_session=clean_session)
        if username is not None:
            self.client.username_pw_set(username, password)
        elif broker.username is not None:
            self.client.username_pw_set(broker.username, broker.password)
        if broker.tls is not None:
            self.client.tls_set(ca_certs=str(broker.tls.ca_cert))
        self.client.reconnect_delay_set(min_delay=0.2, max_delay=0.5)  # type: ignore[arg-type]
        self.client.on_connect = self._on_connect
        self.client.on_disconnect = self._on_disconnect
        self.client.on_message = self._on_message
        self.client.on_subscribe = self._on_subscribe

    # ---- lifecycle ----------------------------------------------------------------------
    def connect(self, timeout: float = 10.0) -> "CloudClient":
        self.client.connect_async(broker_host(self.broker), self.broker.port, keepalive=5)
        self.client.loop_start()
        self.wait_connected(timeout)
        return self

    def wait_connected(self, timeout: float = 15.0) -> None:
        deadline = time.monotonic() + timeout
        while not (self._connected.is_set() and self._subscribed.is_set()):
            if time.monotonic() > deadline:
                raise AssertionError(f"cloud client not connected/subscribed to {self.broker.url}")
            time.sleep(0.02)

    def close(self) -> None:
        try:
            self.client.disconnect()
        finally:
            self.client.loop_stop()

    def _on_connect(self, client, userdata, flags, reason_code, properties) -> None:
        if reason_code.is_failure:
            return
        self.connects += 1
        self._subscribed.clear()
        result, mid = client.subscribe([(topic, self.subscribe_qos) for topic in self.subscriptions])
        self._pending_subs = {mid}
        self._connected.set()

    def _on_subscribe(self, client, userdata, mid, reason_codes, properties) -> None:
        if mid in self._pending_subs:
            self._subscribed.set()

    def _on_disconnect(self, client, userdata, flags, reason_code, properties) -> None:
        self._connected.clear()
        self._subscribed.clear()

    def _on_message(self, client, userdata, msg) -> None:
        try:
            parsed = json.loads(msg.payload.decode("utf-8")) if msg.payload else None
        except (UnicodeDecodeError, json.JSONDecodeError):
            parsed = None
        with self._cond:
            record = Message(msg.topic, bytes(msg.payload), parsed, msg.qos, msg.retain,
                             index=len(self._messages), dup=bool(msg.dup))
            self._messages.append(record)
            self._cond.notify_all()
        for handler in list(self.handlers):
            handler(record)

    # ---- recording ----------------------------------------------------------------------
    @property
    def messages(self) -> List[Message]:
        with self._cond:
            return list(self._messages)

    def mark(self) -> int:
        """An index to pass as `since=` so later waits only look at newer messages."""
        with self._cond:
            return len(self._messages)

    def wait_message(self, predicate: Callable[[Message], bool], timeout: float = 10.0,
                     since: int = 0, what: str = "message") -> Message:
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for record in self._messages[since:]:
                    try:
                        if predicate(record):
                            return record
                    except (KeyError, TypeError, AttributeError):
                        continue
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(f"timed out after {timeout}s waiting for {what}; "
                                         f"got {len(self._messages) - since} messages since mark: "
                                         + "; ".join(f"{m.topic} {m.text[:300]}" for m in self._messages[since:][-8:]))
                self._cond.wait(min(remaining, 0.1))

    def select(self, predicate: Callable[[Message], bool], since: int = 0) -> List[Message]:
        result = []
        for record in self.messages[since:]:
            try:
                if predicate(record):
                    result.append(record)
            except (KeyError, TypeError, AttributeError):
                continue
        return result

    # ---- commands -----------------------------------------------------------------------
    def command_topic(self, operation: str, tenant: str = "", device: str = "edge:device",
                      req_id: str = "") -> str:
        return f"command/{tenant}/{device}/req/{req_id}/{operation}"

    def envelope(self, operation: str, value: Any, correlation_id: str,
                 response_required: Any = True, thing: str = "edge:device",
                 feature: Optional[str] = None, path: Optional[str] = None) -> Dict[str, Any]:
        feature = feature or self.feature
        headers: Dict[str, Any] = {"content-type": "application/json", "correlation-id": correlation_id}
        if response_required is not None:
            headers = {"response-required": response_required, **headers}
        return {
            "topic": f"{thing_topic_prefix(thing)}/things/live/messages/{operation}",
            "headers": headers,
            "path": path or f"/features/{feature}/inbox/messages/{operation}",
            "value": value,
        }

    def send(self, operation: str, value: Any = None, correlation_id: Optional[str] = None,
             response_required: Any = True, thing: str = "edge:device", tenant: str = "",
             device: Optional[str] = None, req_id: str = "", feature: Optional[str] = None,
             path: Optional[str] = None, raw_payload: Optional[bytes] = None) -> str:
        """Publishes one command like the seed examples; returns the envelope correlation-id."""
        correlation_id = correlation_id or str(uuid.uuid4())
        topic = self.command_topic(operation, tenant, thing if device is None else device, req_id)
        if raw_payload is None:
            body = self.envelope(operation, {} if value is None else value, correlation_id,
                                 response_required, thing, feature, path)
            raw_payload = json.dumps(body).encode()
        self.publish(topic, raw_payload)
        return correlation_id

    def publish(self, topic: str, payload: bytes | str, qos: int = 1, retain: bool = False) -> None:
        info = self.client.publish(topic, payload, qos=qos, retain=retain)
        info.wait_for_publish(timeout=10)

    # ---- responses ----------------------------------------------------------------------
    @staticmethod
    def is_response(record: Message) -> bool:
        return record.topic.startswith("command/") and "/res/" in record.topic

    def responses(self, correlation_id: Optional[str] = None, since: int = 0) -> List[Message]:
        return self.select(lambda m: self.is_response(m) and (
            correlation_id is None or m.headers.get("correlation-id") == correlation_id), since)

    def wait_response(self, correlation_id: str, timeout: float = 10.0) -> Message:
        return self.wait_message(
            lambda m: self.is_response(m) and m.headers.get("correlation-id") == correlation_id,
            timeout, what=f"response with correlation-id {correlation_id}")

    def request(self, operation: str, value: Any = None, timeout: float = 10.0, **kwargs) -> Message:
        """send() then wait_response()."""
        return self.wait_response(self.send(operation, value, **kwargs), timeout)

    # ---- events on `e` ------------------------------------------------------------------
    def events(self, predicate: Callable[[Message], bool] = lambda m: True, since: int = 0) -> List[Message]:
        return self.select(lambda m: m.topic == EVENT_TOPIC and predicate(m), since)

    def wait_event(self, predicate: Callable[[Message], bool], timeout: float = 10.0,
                   since: int = 0, what: str = "event") -> Message:
        return self.wait_message(lambda m: m.topic == EVENT_TOPIC and predicate(m), timeout, since, what)

    def property_path(self, name: str) -> str:
        return f"/features/{self.feature}/properties/{name}"

    def property_updates(self, name: str, since: int = 0) -> List[Message]:
        return self.events(lambda m: m.path == self.property_path(name), since)

    def last_uploads(self, correlation_id: str, since: int = 0) -> List[Dict[str, Any]]:
        """Every lastUpload value published for that (parent) upload, in order."""
        return [m.value for m in self.property_updates("lastUpload", since)
                if isinstance(m.value, dict) and m.value.get("correlationId") == correlation_id]

    def wait_last_upload(self, correlation_id: str, states=("SUCCESS", "FAILED", "CANCELED"),
                         timeout: float = 20.0, since: int = 0) -> Dict[str, Any]:
        """Waits for a lastUpload of that upload in one of `states`; returns its value."""
        if isinstance(states, str):
            states = (states,)
        record = self.wait_event(
            lambda m: m.path == self.property_path("lastUpload")
            and m.value.get("correlationId") == correlation_id and m.value.get("state") in states,
            timeout, since, what=f"lastUpload {correlation_id} in {states} "
                                 f"(seen {[(v.get('state'), v.get('progress')) for v in self.last_uploads(correlation_id)]})")
        return record.value

    def is_outbox_request(self, record: Message) -> bool:
        return record.topic == EVENT_TOPIC and record.path == f"/features/{self.feature}/outbox/messages/request"

    def upload_requests(self, since: int = 0) -> List[Message]:
        return self.select(self.is_outbox_request, since)

    def wait_request(self, predicate: Callable[[Message], bool] = lambda m: True,
                     timeout: float = 10.0, since: int = 0) -> Message:
        """Waits for an outbox `request` message (one per child upload)."""
        return self.wait_message(lambda m: self.is_outbox_request(m) and predicate(m), timeout, since,
                                 what="outbox request")

    def wait_requests(self, n: int, parent: Optional[str] = None, timeout: float = 10.0,
                      since: int = 0) -> List[Message]:
        def matching() -> List[Message]:
            return [m for m in self.upload_requests(since)
                    if parent is None or str(m.value.get("correlationId", "")).startswith(parent + "#")]
        deadline = time.monotonic() + timeout
        while len(matching()) < n:
            if time.monotonic() > deadline:
                raise AssertionError(f"expected {n} outbox requests for {parent}, got {len(matching())}")
            time.sleep(0.02)
        return matching()

    def all_text(self) -> str:
        """Every payload and topic received so far (for 'no secret anywhere' checks)."""
        return "\n".join(f"{m.topic} {m.text}" for m in self.messages)


def broker_host(broker: MosquittoBroker) -> str:
    return broker.host
