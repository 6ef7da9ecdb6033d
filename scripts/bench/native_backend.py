"""The many-files backend as a native process: `bench-backend` (Sources/bench-backend).

Why this exists: the backend shares the machine's two cores with the agent, the broker
and nginx.  The paho-mqtt backend (small_files_backend.py) used about as much CPU per
file as the agent itself, so the agent's wall time measured the Python backend as much
as the agent; in production the backend runs in the cloud.  bench-backend does the same
job (answer every outbox `request` with a `start` at once, QoS 1, follow the parent's
`lastUpload`) on libmosquitto and reports its counts as JSON lines on stdout, which this
class reads into the same `BackendCounts`.  BENCH_BACKEND=paho selects the Python one.
"""

from __future__ import annotations

import json
import os
import subprocess
import threading
import time
import uuid
from pathlib import Path

from process_cpu import process_cpu_seconds
from small_files_backend import BackendCounts

REPO = Path(__file__).resolve().parents[2]
DEFAULT_BINARY = REPO / ".build/release/bench-backend"

# bench-backend's JSON keys -> BackendCounts fields
FIELDS = {"requests": "requests", "duplicateRequests": "duplicate_requests", "starts": "starts",
          "lastUploads": "last_uploads", "state": "state", "progress": "progress", "message": "message",
          "triggerSentAt": "trigger_sent_at", "triggerAnsweredAt": "trigger_answered_at",
          "triggerStatus": "trigger_status", "endedAt": "ended_at"}


def binary() -> Path | None:
    """The bench-backend to use, or None when it is not built (then paho is used)."""
    path = Path(os.environ.get("BENCH_BACKEND_BIN") or DEFAULT_BINARY)
    return path if path.is_file() and os.access(path, os.X_OK) else None


class NativeBackend:
    """Same interface as SmallFilesBackend: `registered`, `trigger()`, `ended`, `counts`."""

    name = "bench-backend (libmosquitto, QoS 1)"

    def __init__(self, executable: Path, port: int, device_id: str, tenant_id: str, url_base: str,
                 feature_id: str = "AutoUploadable") -> None:
        self.counts = BackendCounts()
        self.parent = ""
        self.registered = threading.Event()
        self.ended = threading.Event()
        self.errors: list[str] = []
        self._connected = threading.Event()
        self.process = subprocess.Popen(
            [str(executable), "--port", str(port), "--device", device_id, "--tenant", tenant_id,
             "--feature", feature_id, "--url-base", url_base],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1)
        threading.Thread(target=self._read, daemon=True).start()
        if not self._connected.wait(10):
            self.close()
            raise RuntimeError("bench-backend did not connect to the local broker")

    def _read(self) -> None:
        for line in self.process.stdout:
            try:
                report = json.loads(line)
            except ValueError:
                self.errors.append(f"bench-backend wrote: {line.strip()[:200]}")
                continue
            counts = self.counts
            for key, field_name in FIELDS.items():
                if key == "triggerSentAt" and not report.get(key):
                    continue   # keep the driver's own reading until the backend has one
                setattr(counts, field_name, report.get(key, getattr(counts, field_name)))
            counts.start_answers = {int(status): n for status, n in report.get("startAnswers", {}).items()}
            if report.get("connected"):
                self._connected.set()
            if report.get("registered"):
                self.registered.set()
            if report.get("endedAt") or (report.get("triggerStatus") or 0) >= 300:
                self.ended.set()

    def cpu_seconds(self) -> float:
        return process_cpu_seconds(self.process.pid)

    def trigger(self, options: dict | None = None) -> str:
        self.parent = f"bench-files-{os.getpid()}-{uuid.uuid4().hex[:6]}"
        self.counts.trigger_sent_at = time.monotonic()
        words = "".join(f" {key}={value}" for key, value in (options or {}).items())
        self.process.stdin.write(f"trigger {self.parent}{words}\n")
        self.process.stdin.flush()
        return self.parent

    def close(self) -> None:
        try:
            self.process.stdin.write("quit\n")
            self.process.stdin.flush()
            self.process.wait(5)
        except (OSError, subprocess.TimeoutExpired, ValueError):
            self.process.kill()
            self.process.wait()
