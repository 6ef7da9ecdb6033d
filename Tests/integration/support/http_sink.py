"""A threaded HTTP upload sink that hashes what arrives instead of keeping it.

Why: tests must check that the bytes that reached the server are the bytes of the file
(SHA-256, MD5), for files far larger than memory would like, and must be able to slow a
transfer down (to cancel it mid-way) or answer with any status.
"""
from __future__ import annotations

import base64
import hashlib
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Callable, Dict, List, Optional, Tuple
from urllib.parse import parse_qs, urlsplit

CHUNK = 64 * 1024


@dataclass
class SinkRequest:
    """What the sink saw of one request. `done` is set once the body ended or broke off."""
    method: str
    path: str
    query: str
    headers: List[Tuple[str, str]]
    bytes: int = 0
    sha256: str = ""
    md5_base64: str = ""
    complete: bool = False
    status: int = 0
    error: str = ""
    started_at: float = field(default_factory=time.monotonic)
    ended_at: float = 0.0
    done: threading.Event = field(default_factory=threading.Event, repr=False)

    def header(self, name: str) -> Optional[str]:
        lowered = name.lower()
        for key, value in self.headers:
            if key.lower() == lowered:
                return value
        return None

    @property
    def query_params(self) -> Dict[str, List[str]]:
        return parse_qs(self.query, keep_blank_values=True)


Responder = Callable[[SinkRequest], Tuple[int, Dict[str, str], bytes]]


class HttpSink:
    """The sink. Configure with attributes before or during a test:

    - `status`: answer status (None: 201 for PUT, 200 for POST)
    - `responder`: optional function(SinkRequest) -> (status, headers, body)
    - `rate`: bytes per second the sink reads at (None: as fast as possible)
    - `stall_after`: stop reading after that many bytes until `release()` (None: never)
    """

    def __init__(self) -> None:
        self.status: Optional[int] = None
        self.responder: Optional[Responder] = None
        self.rate: Optional[float] = None
        self.stall_after: Optional[int] = None
        self._released = threading.Event()
        self._lock = threading.Condition()
        self._requests: List[SinkRequest] = []
        sink = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:  # keep pytest output clean
                pass

            def do_PUT(self) -> None:
                sink._handle(self)

            def do_POST(self) -> None:
                sink._handle(self)

            def do_GET(self) -> None:
                self.send_response(405)
                self.send_header("Content-Length", "0")
                self.end_headers()

        # A storage server's backlog (nginx: 511), not socketserver's 5: the agent opens up
        # to 64 connections at once for small files, and a full accept queue drops SYNs
        # (retried after a second), which no real endpoint does at that count.
        server_class = type("SinkServer", (ThreadingHTTPServer,), {"request_queue_size": 128})
        self._server = server_class(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, name="http-sink", daemon=True)
        self._thread.start()

    # ---- public API -------------------------------------------------------------------
    def url(self, path: str = "/upload") -> str:
        if not path.startswith("/"):
            path = "/" + path
        return f"http://127.0.0.1:{self.port}{path}"

    @property
    def requests(self) -> List[SinkRequest]:
        """Every request seen so far, including those still receiving."""
        with self._lock:
            return list(self._requests)

    @property
    def finished(self) -> List[SinkRequest]:
        return [r for r in self.requests if r.done.is_set()]

    def wait_for(self, n: int = 1, timeout: float = 10.0) -> List[SinkRequest]:
        """Waits until at least `n` requests have ended (body read or connection broke)."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while True:
                done = [r for r in self._requests if r.done.is_set()]
                if len(done) >= n:
                    return done
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(
                        f"http sink: {len(done)} of {n} requests finished after {timeout}s "
                        f"(seen {len(self._requests)})")
                self._lock.wait(min(remaining, 0.1))

    def wait_started(self, n: int = 1, timeout: float = 10.0) -> List[SinkRequest]:
        deadline = time.monotonic() + timeout
        while len(self.requests) < n:
            if time.monotonic() > deadline:
                raise AssertionError(f"http sink: fewer than {n} requests started after {timeout}s")
            time.sleep(0.02)
        return self.requests

    def wait_bytes(self, at_least: int, timeout: float = 10.0) -> int:
        deadline = time.monotonic() + timeout
        while True:
            total = self.total_bytes()
            if total >= at_least:
                return total
            if time.monotonic() > deadline:
                raise AssertionError(f"http sink: only {total} of {at_least} bytes arrived in {timeout}s")
            time.sleep(0.02)

    def total_bytes(self) -> int:
        return sum(r.bytes for r in self.requests)

    def release(self) -> None:
        self._released.set()

    def close(self) -> None:
        self._released.set()
        self.rate = None
        self._server.shutdown()
        self._server.server_close()

    # ---- request handling ---------------------------------------------------------------
    def _handle(self, handler: BaseHTTPRequestHandler) -> None:
        parts = urlsplit(handler.path)
        record = SinkRequest(method=handler.command, path=parts.path, query=parts.query,
                             headers=list(handler.headers.items()))
        with self._lock:
            self._requests.append(record)
            self._lock.notify_all()
        sha = hashlib.sha256()
        md5 = hashlib.md5()
        try:
            if "chunked" in (handler.headers.get("Transfer-Encoding") or "").lower():
                self._read_chunked(handler, record, sha, md5)
            else:
                length = int(handler.headers.get("Content-Length") or 0)
                self._read_exact(handler, record, sha, md5, length)
            record.complete = True
        except (ConnectionError, OSError, ValueError) as error:
            record.error = f"{type(error).__name__}: {error}"
        finally:
            record.sha256 = sha.hexdigest()
            record.md5_base64 = base64.b64encode(md5.digest()).decode()
        if not record.complete:
            handler.close_connection = True
            self._finish(record)
            return
        status, headers, body = self._response_for(record)
        record.status = status
        try:
            handler.send_response(status)
            for name, value in headers.items():
                handler.send_header(name, value)
            handler.send_header("Content-Length", str(len(body)))
            handler.end_headers()
            if body:
                handler.wfile.write(body)
            handler.wfile.flush()
        except OSError as error:
            record.error = f"{type(error).__name__}: {error}"
        self._finish(record)

    def _finish(self, record: SinkRequest) -> None:
        record.ended_at = time.monotonic()
        with self._lock:
            record.done.set()
            self._lock.notify_all()

    def _response_for(self, record: SinkRequest) -> Tuple[int, Dict[str, str], bytes]:
        if self.responder is not None:
            return self.responder(record)
        status = self.status
        if status is None:
            status = 200 if record.method == "POST" else 201
        return status, {"ETag": f'"{record.sha256[:32]}"'}, b""

    def _consume(self, record: SinkRequest, sha, md5, data: bytes) -> None:
        if not data:
            raise ConnectionError("client closed the connection before the body ended")
        sha.update(data)
        md5.update(data)
        record.bytes += len(data)
        self._throttle(record)

    def _throttle(self, record: SinkRequest) -> None:
        if self.stall_after is not None and record.bytes >= self.stall_after:
            while not self._released.wait(0.05):
                pass
        rate = self.rate
        if rate:
            expected = record.started_at + record.bytes / rate
            delay = expected - time.monotonic()
            if delay > 0:
                time.sleep(delay)

    def _chunk_size(self) -> int:
        if self.rate:
            return max(1024, min(CHUNK, int(self.rate / 20)))
        return CHUNK

    def _read_exact(self, handler, record, sha, md5, length: int) -> None:
        remaining = length
        while remaining > 0:
            data = handler.rfile.read1(min(self._chunk_size(), remaining))
            self._consume(record, sha, md5, data)
            remaining -= len(data)

    def _read_chunked(self, handler, record, sha, md5) -> None:
        while True:
            line = handler.rfile.readline(1024)
            if not line:
                raise ConnectionError("connection closed inside chunked body")
            size = int(line.split(b";")[0].strip(), 16)
            if size == 0:
                while handler.rfile.readline(1024) not in (b"\r\n", b"\n", b""):
                    pass
                return
            self._read_exact(handler, record, sha, md5, size)
            handler.rfile.readline(1024)
