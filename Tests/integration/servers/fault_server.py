"""An HTTP/1.1 upload sink on 127.0.0.1 that misbehaves on purpose.

Why this exists: real upload endpoints (pre-signed URLs, edge appliances, storage
gateways) drop connections, answer 503 with Retry-After, throttle with 429, time out
idle uploads after 10 s and refuse expired URLs.  The agent's generic HTTP(S) upload
must survive all of that, so the tests need a peer that does each of these things on
demand, one request at a time, and records exactly which bytes arrived.

Use from a test::

    server = FaultServer.start()
    server.set_script([Fault.drop(after_bytes=100_000), Fault.respond(503, headers={"Retry-After": "1"})])
    ... upload to server.url("/bucket/file.bin") ...
    assert server.stored("/bucket/file.bin") == (size, sha256)
    server.stop()

Standalone::

    python fault_server.py --port 8080 --script '[{"action": "drop", "after_bytes": 1000}]'

Accepts PUT and POST (the body is streamed through SHA-256 and kept in memory unless
`keep_bodies` is false), GET/HEAD of stored objects, DELETE.  Every request is
recorded as an `UploadRecord`.  Server-wide rules, checked before the script:

- ``idle_timeout``: no body byte for that many seconds → answer ``idle_status``
  (404, as the edge appliance in seed 000 does) and close;
- a query parameter ``expires=<unix seconds>`` in the past → 403 "Request has expired";
- ``require_header(name, regex)``: a PUT/POST without a matching header → 400.
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import json
import re
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler
from typing import Iterable, Optional
from urllib.parse import parse_qs, urlsplit

try:  # imported as part of the `servers` package
    from .http_faults import (BackgroundServer, OwnedHTTPServer, BodyReader, Fault, FaultScript, drain_body,
                              read_body)
except ImportError:  # run as a script from this folder
    from http_faults import (BackgroundServer, OwnedHTTPServer, BodyReader, Fault, FaultScript, drain_body,
                             read_body)


@dataclasses.dataclass
class UploadRecord:
    """What the server saw of one request."""

    method: str
    path: str                      # URL path, without the query
    query: str
    headers: dict                  # lower-cased names -> value (last one wins)
    header_list: list              # (name, value) pairs as received
    started_at: float
    fault: str = "normal"
    bytes_received: int = 0
    completed: bool = False        # the whole body arrived
    status: Optional[int] = None   # status answered; None when the connection was dropped
    sha256: Optional[str] = None   # of the body, when completed
    first_byte_at: Optional[float] = None
    last_byte_at: Optional[float] = None
    finished_at: Optional[float] = None
    outcome: str = "in-progress"   # stored | answered | dropped | client-gone | idle-timeout

    @property
    def target(self) -> str:
        return self.path + ("?" + self.query if self.query else "")


@dataclasses.dataclass(frozen=True)
class StoredObject:
    size: int
    sha256: str
    body: Optional[bytes]
    content_type: Optional[str]
    headers: dict


class _UploadHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: "_Server"

    # -- plumbing -------------------------------------------------------------------
    def log_message(self, format: str, *args) -> None:  # noqa: A002 (stdlib signature)
        if self.server.owner.verbose:
            sys.stderr.write("fault_server: " + (format % args) + "\n")

    def handle_expect_100(self) -> bool:
        # Decide the fault now, so an early answer replaces `100 Continue`.
        self._fault = self.server.owner._next_fault_for(self.command)
        if self._fault is not None and self._fault.answers_before_body:
            return True
        return super().handle_expect_100()

    def _reply(self, status: int, body: bytes = b"", headers: Iterable = (),
               close: bool = False, head_only: bool = False) -> None:
        reason = {308: "Resume Incomplete"}.get(status)
        self.send_response(status, reason)
        names = set()
        for name, value in headers:
            names.add(name.lower())
            self.send_header(name, value)
        if "content-length" not in names:
            self.send_header("Content-Length", str(len(body)))
        if close:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        if body and not head_only:
            self.wfile.write(body)

    def _new_record(self) -> UploadRecord:
        parts = urlsplit(self.path)
        header_list = list(self.headers.items())
        record = UploadRecord(
            method=self.command, path=parts.path, query=parts.query,
            headers={k.lower(): v for k, v in header_list}, header_list=header_list,
            started_at=time.time())
        self.server.owner._add_record(record)
        return record

    def _finish(self, record: UploadRecord, outcome: str, status: Optional[int]) -> None:
        record.outcome = outcome
        record.status = status
        record.finished_at = time.time()

    # -- uploads --------------------------------------------------------------------
    def do_PUT(self) -> None:
        self._upload()

    def do_POST(self) -> None:
        self._upload()

    def _upload(self) -> None:
        owner = self.server.owner
        fault = getattr(self, "_fault", None) or owner._next_fault_for(self.command)
        self._fault = None
        record = self._new_record()
        record.fault = fault.describe()
        reader = BodyReader.for_headers(self.rfile, self.headers)

        refusal = owner._refusal_for(record)
        if refusal is not None:
            status, text = refusal
            record.fault = f"refused {status}"
            self._finish(record, "answered", status)
            self._reply(status, text.encode(), [("Content-Type", "text/plain")], close=True)
            drain_body(reader, self.connection)
            return

        if fault.action == "status" and fault.early:
            self._finish(record, "answered", fault.status)
            self._reply(fault.status, fault.body.encode(), fault.headers, close=True)
            drain_body(reader, self.connection)
            return

        chunks: list[bytes] = []
        keep = owner.keep_bodies and fault.action != "status"

        def progress(outcome) -> None:
            record.bytes_received = outcome.received
            record.first_byte_at = outcome.first_byte_at
            record.last_byte_at = outcome.last_byte_at

        def dropping(outcome) -> None:
            progress(outcome)
            self._finish(record, "dropped", None)

        if owner.idle_timeout:
            self.connection.settimeout(owner.idle_timeout)
        outcome = read_body(reader, fault, self.connection,
                            sink=chunks.append if keep else None, on_progress=progress,
                            before_abort=dropping)
        progress(outcome)
        if outcome.dropped:
            self.close_connection = True
            return
        if outcome.client_gone:
            self.close_connection = True
            self._finish(record, "client-gone", None)
            return
        if outcome.idle_timeout:
            record.fault = f"idle-timeout {owner.idle_timeout}s"
            self._finish(record, "idle-timeout", owner.idle_status)
            try:
                self._reply(owner.idle_status, b"upload timed out: no bytes received\n",
                            [("Content-Type", "text/plain")], close=True)
            except OSError:
                pass
            return
        self.connection.settimeout(None)
        record.completed = True
        record.sha256 = outcome.sha256

        if fault.action == "status":
            self._finish(record, "answered", fault.status)
            self._reply(fault.status, fault.body.encode(), fault.headers)
            return
        if fault.action == "delay":
            time.sleep(fault.seconds)
        created = owner._store(record, b"".join(chunks) if keep else None,
                               self.headers.get("Content-Type"))
        status = owner.success_status or (201 if created else 200)
        self._finish(record, "stored", status)
        self._reply(status, b"", [("ETag", '"%s"' % outcome.sha256[:32])])

    # -- reads of what was stored ---------------------------------------------------
    def do_GET(self) -> None:
        self._read(head_only=False)

    def do_HEAD(self) -> None:
        self._read(head_only=True)

    def _read(self, head_only: bool) -> None:
        stored = self.server.owner._objects_get(urlsplit(self.path).path)
        if stored is None:
            self._reply(404, b"not found\n", head_only=head_only)
            return
        if stored.body is None:
            self._reply(200, b"", [("Content-Length", str(stored.size)),
                                   ("X-Sha256", stored.sha256)], head_only=True)
            return
        self._reply(200, stored.body, [("X-Sha256", stored.sha256)], head_only=head_only)

    def do_DELETE(self) -> None:
        removed = self.server.owner._objects_delete(urlsplit(self.path).path)
        self._reply(204 if removed else 404)


class _Server(OwnedHTTPServer):
    handler_class = _UploadHandler


class FaultServer(BackgroundServer):
    """A running fault-injecting upload sink (see the module doc)."""

    #: the socket server class; a subclass may put TLS in front (tls_upload_server.py)
    server_class = _Server

    def __init__(self, host: str = "127.0.0.1", port: int = 0, keep_bodies: bool = True,
                 idle_timeout: Optional[float] = None, idle_status: int = 404,
                 success_status: Optional[int] = None, verbose: bool = False) -> None:
        self.keep_bodies = keep_bodies
        self.idle_timeout = idle_timeout
        self.idle_status = idle_status
        self.success_status = success_status
        self.verbose = verbose
        self._lock = threading.Lock()
        self._records: list[UploadRecord] = []
        self._objects: dict[str, StoredObject] = {}
        self._required_headers: list[tuple[str, re.Pattern]] = []
        self._script = FaultScript()
        self._httpd = self.server_class((host, port), self)
        self._thread: Optional[threading.Thread] = None


    # -- configuration --------------------------------------------------------------
    def set_script(self, faults: Iterable["Fault | dict | str"]) -> None:
        """Replaces the fault script; each PUT/POST consumes one entry, then 'normal'."""
        self._script.set(faults)

    def script_remaining(self) -> int:
        return self._script.remaining()

    def require_header(self, name: str, pattern: str = r".+") -> None:
        """Uploads without a header `name` matching `pattern` (fully) get 400."""
        with self._lock:
            self._required_headers.append((name.lower(), re.compile(pattern)))

    def reset(self) -> None:
        """Forgets requests, stored objects, rules and the script."""
        with self._lock:
            self._records.clear()
            self._objects.clear()
            self._required_headers.clear()
        self._script.set([])

    # -- observations ---------------------------------------------------------------
    @property
    def requests(self) -> list[UploadRecord]:
        """A snapshot of every request so far, oldest first."""
        with self._lock:
            return [dataclasses.replace(r) for r in self._records]

    def uploads(self, path: Optional[str] = None) -> list[UploadRecord]:
        """PUT/POST requests (for `path`, when given)."""
        return [r for r in self.requests if r.method in ("PUT", "POST")
                and (path is None or r.path == path)]

    def stored(self, path: str) -> Optional[tuple[int, str]]:
        """(size, sha256) of the last complete upload to `path`, or None."""
        stored = self._objects_get(path)
        return None if stored is None else (stored.size, stored.sha256)

    def body(self, path: str) -> Optional[bytes]:
        stored = self._objects_get(path)
        return None if stored is None else stored.body

    def stored_headers(self, path: str) -> Optional[dict]:
        """The request headers (lower-cased names) of the upload that stored `path`."""
        stored = self._objects_get(path)
        return None if stored is None else dict(stored.headers)

    def wait_for(self, predicate, timeout: float = 10.0, interval: float = 0.02):
        """Polls `predicate(self)` until it returns a truthy value; returns it or raises."""
        deadline = time.monotonic() + timeout
        while True:
            value = predicate(self)
            if value:
                return value
            if time.monotonic() >= deadline:
                raise TimeoutError(f"condition not met within {timeout}s; requests: "
                                   f"{[(r.method, r.target, r.outcome) for r in self.requests]}")
            time.sleep(interval)

    def wait_stored(self, path: str, timeout: float = 10.0) -> tuple[int, str]:
        return self.wait_for(lambda s: s.stored(path), timeout)

    # -- used by the handler ----------------------------------------------------------
    def _next_fault_for(self, method: str) -> Optional[Fault]:
        return self._script.next() if method in ("PUT", "POST") else None

    def _add_record(self, record: UploadRecord) -> None:
        with self._lock:
            self._records.append(record)

    def _refusal_for(self, record: UploadRecord) -> Optional[tuple[int, str]]:
        expires = parse_qs(record.query).get("expires") or parse_qs(record.query).get("Expires")
        if expires:
            try:
                if float(expires[0]) < time.time():
                    return 403, "Request has expired\n"
            except ValueError:
                return 400, "invalid expires parameter\n"
        with self._lock:
            rules = list(self._required_headers)
        for name, pattern in rules:
            value = record.headers.get(name)
            if value is None or not pattern.fullmatch(value):
                return 400, f"missing or invalid header {name}\n"
        return None

    def _store(self, record: UploadRecord, body: Optional[bytes], content_type) -> bool:
        stored = StoredObject(size=record.bytes_received, sha256=record.sha256, body=body,
                              content_type=content_type, headers=dict(record.headers))
        with self._lock:
            created = record.path not in self._objects
            self._objects[record.path] = stored
        return created

    def _objects_get(self, path: str) -> Optional[StoredObject]:
        with self._lock:
            return self._objects.get(path)

    def _objects_delete(self, path: str) -> bool:
        with self._lock:
            return self._objects.pop(path, None) is not None


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--script", default="[]",
                        help='JSON list of faults, e.g. \'[{"action":"status","status":503,'
                             '"headers":{"Retry-After":"1"}}]\'')
    parser.add_argument("--idle-timeout", type=float)
    parser.add_argument("--idle-status", type=int, default=404)
    parser.add_argument("--no-keep-bodies", action="store_true")
    parser.add_argument("--quiet", action="store_true")
    args = parser.parse_args(argv)
    server = FaultServer.start(host=args.host, port=args.port,
                               keep_bodies=not args.no_keep_bodies,
                               idle_timeout=args.idle_timeout, idle_status=args.idle_status,
                               verbose=not args.quiet)
    server.set_script(json.loads(args.script))
    print(f"fault_server listening on {server.url('/')}", flush=True)

    def report() -> None:
        for r in server.requests:
            print(json.dumps({"method": r.method, "target": r.target, "outcome": r.outcome,
                              "status": r.status, "bytes": r.bytes_received, "sha256": r.sha256}))

    server.serve_until_interrupted(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
