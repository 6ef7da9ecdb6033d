"""The cloud side of a many-files upload: one trigger, a `start` for every request.

Why this exists: the many-small-files benchmark must drive the agent the way a real
backend does (PROTOCOL.md): send one `trigger`, answer every outbox `request` with a
`start` (generic provider, PUT to nginx, one object path per file) and follow the
parent's `lastUpload` until it ends.  The backend must never be the bottleneck, so it
is a plain paho-mqtt client reading at its normal pace whose message callback
publishes the `start` at once (QoS 1, no waiting), and it counts what it received
and used so the report can show that nothing was lost and what it cost.
"""

from __future__ import annotations

import json
import os
import threading
import time
import uuid
from dataclasses import dataclass, field

from cloud_client import CloudClient
from process_cpu import own_thread_cpu_seconds

FINAL_STATES = ("SUCCESS", "FAILED", "CANCELED")


@dataclass
class BackendCounts:
    """What the backend saw; times are time.monotonic() values (0 = not yet)."""
    trigger_sent_at: float = 0.0
    trigger_answered_at: float = 0.0
    trigger_status: int = 0
    requests: int = 0                 # outbox requests of our upload received
    duplicate_requests: int = 0       # a request for a file id already requested
    starts: int = 0                   # `start` commands published
    start_answers: dict = field(default_factory=dict)   # response status -> count
    last_uploads: int = 0             # lastUpload messages of our upload
    state: str = ""                   # the newest lastUpload state
    progress: int = 0                 # the newest lastUpload progress
    message: str = ""                 # statusCode and message of a FAILED/CANCELED end
    ended_at: float = 0.0             # when the final lastUpload arrived

    @property
    def answered_starts(self) -> int:
        return sum(self.start_answers.values())

    @property
    def trigger_response_seconds(self) -> float | None:
        if not self.trigger_answered_at:
            return None
        return self.trigger_answered_at - self.trigger_sent_at


class SmallFilesBackend(CloudClient):
    """Connect, wait for `registered` once the agent runs, then `trigger()` and wait for
    `ended`.  `object_url(file_path)` names the upload target of each file."""

    def __init__(self, port: int, device_id: str, tenant_id: str, object_url,
                 feature_id: str = "AutoUploadable") -> None:
        self.object_url = object_url
        self._paths = {
            "feature": f"/features/{feature_id}",
            "request": f"/features/{feature_id}/outbox/messages/request",
            "lastUpload": f"/features/{feature_id}/properties/lastUpload",
        }
        self.counts = BackendCounts()
        self.parent = ""
        self._trigger_request_id = ""
        self._requested: set[str] = set()
        self._start_request_ids: set[str] = set()
        self._sequence = 0
        self.registered = threading.Event()
        self.ended = threading.Event()
        self.errors: list[str] = []   # messages the backend could not handle
        super().__init__(port, device_id, tenant_id, feature_id, "bench-backend")

    def cpu_seconds(self) -> float:
        """CPU of the paho network thread: reading, the callbacks, publishing."""
        return own_thread_cpu_seconds(self.network_thread_id) if self.network_thread_id else 0.0

    # -- MQTT callbacks (paho's network thread) -------------------------------------------
    def _on_message(self, client, userdata, message) -> None:
        try:
            self._handle(message)
        except Exception as error:   # an exception here would end paho's network thread
            self.errors.append(f"{message.topic}: {error!r}")

    def _handle(self, message) -> None:
        received_at = time.monotonic()
        try:
            payload = json.loads(message.payload)
        except ValueError:
            return
        if not isinstance(payload, dict):
            return
        if message.topic == "e":
            path = payload.get("path")
            value = payload.get("value") if isinstance(payload.get("value"), dict) else {}
            if path == self._paths["request"]:
                self._on_request(value)
            elif path == self._paths["lastUpload"]:
                self._on_last_upload(value, received_at)
            elif path == self._paths["feature"]:
                self.registered.set()
        else:
            self._on_response(message.topic, payload, received_at)

    def _on_request(self, value: dict) -> None:
        child = value.get("correlationId") or value.get("correlationID") or ""
        if not self.parent or not child.startswith(self.parent + "#"):
            return
        counts = self.counts
        counts.requests += 1
        if child in self._requested:
            counts.duplicate_requests += 1
        self._requested.add(child)
        options = value.get("options") if isinstance(value.get("options"), dict) else {}
        file_path = options.get("file.path") or child.replace("#", "-")
        request_id = self._publish("start", {"correlationID": child, "options": {
            "storage.provider": "generic", "https.method": "PUT",
            "https.url": self.object_url(file_path)}})
        self._start_request_ids.add(request_id)
        counts.starts += 1

    def _on_last_upload(self, value: dict, received_at: float) -> None:
        if value.get("correlationId") != self.parent or not self.parent:
            return
        counts = self.counts
        counts.last_uploads += 1
        counts.state = str(value.get("state") or "")
        counts.progress = int(value.get("progress") or 0)
        if counts.state in FINAL_STATES and not counts.ended_at:
            counts.ended_at = received_at
            counts.message = f"{value.get('statusCode', '')} {value.get('message', '')}".strip()
            self.ended.set()

    def _on_response(self, topic: str, payload: dict, received_at: float) -> None:
        parts = topic.split("/")   # command/<tenant>/<device>/res/<req-id>/<status>
        if len(parts) < 6 or parts[3] != "res":
            return
        request_id = parts[4]
        try:
            status = int(payload.get("status", parts[5]))
        except (TypeError, ValueError):
            status = 0
        counts = self.counts
        if request_id == self._trigger_request_id and not counts.trigger_answered_at:
            counts.trigger_answered_at = received_at
            counts.trigger_status = status
            if status >= 300:
                counts.message = json.dumps(payload.get("value"))
                self.ended.set()
        elif request_id in self._start_request_ids:
            counts.start_answers[status] = counts.start_answers.get(status, 0) + 1

    # -- sending ------------------------------------------------------------------------------
    def _publish(self, operation: str, value: dict, request_id: str = "") -> str:
        if not request_id:
            self._sequence += 1
            request_id = f"{operation}-{self._sequence}"
        self.publish_operation(operation, value, request_id)   # no waiting: QoS 1 in flight
        return request_id

    def trigger(self, options: dict | None = None) -> str:
        """Sends one trigger over all of the agent's files; returns the parent id."""
        self.parent = f"bench-files-{os.getpid()}-{uuid.uuid4().hex[:6]}"
        self._trigger_request_id = f"trigger-{uuid.uuid4().hex[:8]}"
        self.counts.trigger_sent_at = time.monotonic()
        self._publish("trigger", {"correlationID": self.parent, "options": options or {}},
                      self._trigger_request_id)
        return self.parent
