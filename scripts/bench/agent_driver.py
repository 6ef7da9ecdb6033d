"""Drives the agent like the cloud does: trigger → outbox request → start → lastUpload.

Why this exists: the benchmark measures the agent through its full MQTT path, not a
shortcut, so it plays the backend side of PROTOCOL.md over a local mosquitto with
paho-mqtt: it sends Ditto envelopes on Hono command topics and watches what the
agent publishes on `e`.
"""

from __future__ import annotations

import json
import queue
import time
import uuid
from dataclasses import dataclass

from cloud_client import CloudClient


@dataclass
class AgentUpload:
    parent: str
    child: str
    start_sent_at: float     # time.monotonic() when `start` was published
    success_at: float        # time.monotonic() when lastUpload SUCCESS arrived
    states: list

    @property
    def seconds(self) -> float:
        return self.success_at - self.start_sent_at


class AgentDriver(CloudClient):
    """The cloud side of one agent: `wait_registered()`, then `upload(url)` per run."""

    def __init__(self, port: int, device_id: str, tenant_id: str,
                 feature_id: str = "AutoUploadable") -> None:
        self._messages: "queue.Queue[tuple[float, str, dict]]" = queue.Queue()
        self._counter = 0
        super().__init__(port, device_id, tenant_id, feature_id, "bench-cloud")

    # -- MQTT callbacks -----------------------------------------------------------------
    def _on_message(self, client, userdata, message) -> None:
        received_at = time.monotonic()
        try:
            payload = json.loads(message.payload or b"null")
        except ValueError:
            payload = {"unparsable": message.payload[:200].decode(errors="replace")}
        self._messages.put((received_at, message.topic, payload))

    # -- helpers --------------------------------------------------------------------------
    def _next(self, deadline: float, what: str) -> tuple[float, str, dict]:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError(f"timed out waiting for {what}")
        try:
            return self._messages.get(timeout=remaining)
        except queue.Empty:
            raise TimeoutError(f"timed out waiting for {what}") from None

    def _send(self, operation: str, value: dict) -> str:
        self._counter += 1
        request_id = f"bench-{self._counter}"
        self.publish_operation(operation, value, request_id).wait_for_publish(5)
        return request_id

    def _check_response(self, topic: str, payload: dict, request_id: str, operation: str) -> bool:
        """True for our 2xx response; raises on an error response."""
        parts = topic.split("/")  # command/<tenant>/<device>/res/<req-id>/<status>
        if len(parts) < 6 or parts[3] != "res" or parts[4] != request_id:
            return False
        status = payload.get("status") if isinstance(payload, dict) else None
        if status is not None and int(status) >= 300:
            raise RuntimeError(f"agent refused {operation}: {json.dumps(payload.get('value'))}")
        return True

    # -- the protocol -----------------------------------------------------------------------
    def wait_registered(self, timeout: float = 30.0) -> None:
        """Waits until the agent has published its feature (it is connected and ready)."""
        deadline = time.monotonic() + timeout
        path = f"/features/{self.feature_id}"
        while True:
            _, topic, payload = self._next(deadline, "the agent's feature registration")
            if topic == "e" and isinstance(payload, dict) and payload.get("path") == path:
                return

    def upload(self, url: str, timeout: float = 600.0, method: str = "PUT") -> AgentUpload:
        """trigger → wait for the outbox request → start(generic, url) → wait SUCCESS."""
        deadline = time.monotonic() + timeout
        self._counter += 1
        parent = f"bench-upload-{self._counter}-{uuid.uuid4().hex[:6]}"
        trigger_id = self._send("trigger", {"correlationID": parent, "options": {}})
        child = None
        while child is None:
            _, topic, payload = self._next(deadline, f"the outbox request of {parent}")
            if topic != "e":
                self._check_response(topic, payload, trigger_id, "trigger")
                continue
            if payload.get("path", "").endswith("/outbox/messages/request"):
                value = payload.get("value") or {}
                correlation = value.get("correlationId") or value.get("correlationID") or ""
                if correlation.startswith(parent):
                    child = correlation
        start_sent_at = time.monotonic()
        start_id = self._send("start", {"correlationID": child, "options": {
            "storage.provider": "generic", "https.url": url, "https.method": method}})
        states = []
        while True:
            received_at, topic, payload = self._next(deadline, f"SUCCESS of {parent}")
            if topic != "e":
                self._check_response(topic, payload, start_id, "start")
                continue
            if not payload.get("path", "").endswith("/properties/lastUpload"):
                continue
            value = payload.get("value") or {}
            if value.get("correlationId") != parent:
                continue
            states.append((value.get("state"), value.get("progress")))
            if value.get("state") == "SUCCESS":
                return AgentUpload(parent, child, start_sent_at, received_at, states)
            if value.get("state") in ("FAILED", "CANCELED"):
                raise RuntimeError(f"upload {parent} ended {value.get('state')}: "
                                   f"{value.get('statusCode')} {value.get('message')}")
