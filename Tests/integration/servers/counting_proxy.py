"""A reverse proxy on 127.0.0.1 that counts request body bytes, and can hold or refuse requests.

Why: the resume tests must know how many bytes the agent sent after a restart (at most what
the server was missing plus one part), and must kill the agent at an exact point of an
upload: while part 3 is on the wire, just before CompleteMultipartUpload or Put Block List
reaches the server, or after the server completed but before the agent heard of it. Put in
front of any HTTP storage server (moto S3, the Azure test server, the GCS resumable
server), it forwards each request byte for byte with its Host header unchanged, so SigV4
signatures made for the proxy's address still verify upstream.

- `records`: one `ProxyRecord` per request, in arrival order (`mark()` gives an index).
- `hold(predicate, after_bytes=0, stage="request")`: requests matching `predicate(record)`
  stop after `after_bytes` of their body (0: before anything goes upstream), or with
  `stage="response"` after the server answered but before the client gets the answer,
  until `Hold.release()`. A held request whose client died (kill -9) is then abandoned:
  the upstream connection closes with the body incomplete, so the server stores nothing.
- `refuse(predicate, status, body, headers)`: answer matching requests without forwarding.

Only Content-Length bodies are forwarded (the agent sends no chunked bodies).
"""
from __future__ import annotations

import dataclasses
import http.client
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Callable, Dict, List, Optional, Tuple
from urllib.parse import parse_qs, urlsplit

CHUNK = 64 * 1024
HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade",
              "proxy-connection", "expect"}


@dataclasses.dataclass
class ProxyRecord:
    """One request as the proxy saw it."""
    index: int
    method: str
    target: str
    headers: Dict[str, str]
    length: int = 0                 # Content-Length announced
    body_bytes: int = 0             # body bytes received from the client
    complete: bool = False          # the whole body arrived and went upstream
    status: Optional[int] = None    # what the client was answered (None: nothing)
    held: bool = False
    done: bool = False              # the proxy is finished with it (answered or abandoned)
    started_at: float = dataclasses.field(default_factory=time.monotonic)

    @property
    def path(self) -> str:
        return urlsplit(self.target).path

    @property
    def query(self) -> Dict[str, List[str]]:
        return parse_qs(urlsplit(self.target).query, keep_blank_values=True)

    def has_param(self, name: str) -> bool:
        return name in self.query

    def header(self, name: str) -> Optional[str]:
        return self.headers.get(name.lower())


class Hold:
    """Requests matching `predicate` wait at `after_bytes` (or before their answer)."""

    def __init__(self, predicate: Callable[[ProxyRecord], bool], after_bytes: int, stage: str):
        assert stage in ("request", "response"), stage
        self.predicate = predicate
        self.after_bytes = after_bytes
        self.stage = stage
        self.released = threading.Event()
        self._lock = threading.Condition()
        self.held: List[ProxyRecord] = []

    def arrived(self, record: ProxyRecord) -> None:
        with self._lock:
            record.held = True
            self.held.append(record)
            self._lock.notify_all()

    def wait_held(self, count: int = 1, timeout: float = 15.0) -> List[ProxyRecord]:
        deadline = time.monotonic() + timeout
        with self._lock:
            while len(self.held) < count:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(f"{len(self.held)} request(s) held, expected {count}")
                self._lock.wait(min(remaining, 0.1))
            return list(self.held)

    def release(self) -> None:
        self.released.set()


class _Abandoned(Exception):
    """The client went away (or the proxy stops) while its request was held."""


class CountingProxy:
    def __init__(self, upstream_port: int, upstream_host: str = "127.0.0.1"):
        self.upstream = (upstream_host, upstream_port)
        self._lock = threading.Lock()
        self._records: List[ProxyRecord] = []
        self._holds: List[Hold] = []
        self._refusals: List[Tuple[Callable[[ProxyRecord], bool], int, bytes, Dict[str, str]]] = []
        self._stopping = threading.Event()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:
                pass

            def handle(self) -> None:
                try:
                    super().handle()
                except (BrokenPipeError, ConnectionResetError, _Abandoned):
                    self.close_connection = True

            def do_PUT(self) -> None:
                proxy._forward(self)

            do_GET = do_POST = do_DELETE = do_HEAD = do_PUT

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread: Optional[threading.Thread] = None

    # -- lifecycle ------------------------------------------------------------------------
    def start(self) -> "CountingProxy":
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="counting-proxy", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        self.release_all()
        self._server.shutdown()
        self._server.server_close()

    @property
    def port(self) -> int:
        return self._server.server_address[1]

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    # -- knobs ----------------------------------------------------------------------------
    def hold(self, predicate: Callable[[ProxyRecord], bool], after_bytes: int = 0,
             stage: str = "request") -> Hold:
        hold = Hold(predicate, after_bytes, stage)
        with self._lock:
            self._holds.append(hold)
        return hold

    def release_all(self) -> None:
        with self._lock:
            holds, self._holds = list(self._holds), []
        for hold in holds:
            hold.release()

    def refuse(self, predicate: Callable[[ProxyRecord], bool], status: int, body: bytes = b"",
               headers: Optional[Dict[str, str]] = None) -> None:
        with self._lock:
            self._refusals.append((predicate, status, body, dict(headers or {})))

    # -- observations ---------------------------------------------------------------------
    @property
    def records(self) -> List[ProxyRecord]:
        with self._lock:
            return [dataclasses.replace(r) for r in self._records]

    def mark(self) -> int:
        with self._lock:
            return len(self._records)

    def wait_idle(self, timeout: float = 10.0) -> None:
        """Waits until every request so far was answered or abandoned."""
        self.wait_for(lambda records: all(r.done for r in records), timeout, "all requests done")

    def body_bytes(self, since: int = 0, predicate: Callable[[ProxyRecord], bool] = lambda r: True) -> int:
        """Body bytes the client sent in the requests from index `since` on."""
        return sum(r.body_bytes for r in self.records[since:] if predicate(r))

    def wait_for(self, predicate: Callable[[List[ProxyRecord]], bool], timeout: float = 15.0,
                 what: str = "condition") -> None:
        deadline = time.monotonic() + timeout
        while not predicate(self.records):
            if time.monotonic() > deadline:
                raise AssertionError(f"proxy: {what} not met within {timeout}s; requests: "
                                     + "; ".join(f"{r.method} {r.target[:80]} {r.body_bytes}B {r.status}"
                                                 for r in self.records[-10:]))
            time.sleep(0.02)

    # -- forwarding -----------------------------------------------------------------------
    def _forward(self, handler: BaseHTTPRequestHandler) -> None:
        headers = {name.lower(): value for name, value in handler.headers.items()}
        with self._lock:
            record = ProxyRecord(len(self._records), handler.command, handler.path, headers,
                                 length=int(headers.get("content-length") or 0))
            self._records.append(record)
            refusal = next((r for r in self._refusals if r[0](record)), None)
            hold = next((h for h in self._holds if h.predicate(record)), None)
        if "chunked" in headers.get("transfer-encoding", "").lower():
            raise AssertionError("counting_proxy forwards Content-Length bodies only")
        if refusal is not None:
            try:
                self._drain(handler, record)
                _, status, body, extra = refusal
                self._answer(handler, record, status, list(extra.items()), body)
            finally:
                with self._lock:
                    record.done = True
            return
        upstream: Optional[http.client.HTTPConnection] = None
        try:
            if hold is not None and hold.stage == "request" and hold.after_bytes == 0:
                self._wait(hold, record, handler)
            upstream = http.client.HTTPConnection(*self.upstream, timeout=120)
            upstream.putrequest(handler.command, handler.path, skip_host=True, skip_accept_encoding=True)
            for name, value in handler.headers.items():
                if name.lower() not in HOP_BY_HOP:
                    upstream.putheader(name, value)
            upstream.endheaders()
            remaining = record.length
            while remaining > 0:
                if hold is not None and hold.stage == "request" and 0 < hold.after_bytes <= record.body_bytes \
                        and not hold.released.is_set():
                    self._wait(hold, record, handler)
                limit = remaining
                if hold is not None and hold.stage == "request" and record.body_bytes < hold.after_bytes:
                    limit = min(limit, hold.after_bytes - record.body_bytes)
                data = handler.rfile.read1(min(CHUNK, limit)) if hasattr(handler.rfile, "read1") \
                    else handler.rfile.read(min(CHUNK, limit))
                if not data:
                    raise _Abandoned()
                with self._lock:
                    record.body_bytes += len(data)
                upstream.send(data)
                remaining -= len(data)
            with self._lock:
                record.complete = True
            response = upstream.getresponse()
            body = response.read() if handler.command != "HEAD" else b""
            response_headers = [(n, v) for n, v in response.getheaders() if n.lower() not in HOP_BY_HOP]
            if hold is not None and hold.stage == "response":
                self._wait(hold, record, handler)
            self._answer(handler, record, response.status, response_headers, body,
                         keep_length=handler.command == "HEAD")
        except (OSError, http.client.HTTPException):
            handler.close_connection = True
            raise _Abandoned()
        finally:
            if upstream is not None:
                upstream.close()
            with self._lock:
                record.done = True

    def _wait(self, hold: Hold, record: ProxyRecord, handler: BaseHTTPRequestHandler) -> None:
        hold.arrived(record)
        while not hold.released.wait(0.05):
            if self._stopping.is_set():
                raise _Abandoned()
        if self._stopping.is_set():
            raise _Abandoned()

    def _drain(self, handler: BaseHTTPRequestHandler, record: ProxyRecord) -> None:
        remaining = record.length
        while remaining > 0:
            data = handler.rfile.read(min(CHUNK, remaining))
            if not data:
                raise _Abandoned()
            with self._lock:
                record.body_bytes += len(data)
            remaining -= len(data)
        record.complete = True

    def _answer(self, handler: BaseHTTPRequestHandler, record: ProxyRecord, status: int,
                headers: List[Tuple[str, str]], body: bytes, keep_length: bool = False) -> None:
        handler.send_response(status)
        for name, value in headers:
            if name.lower() == "content-length" and not keep_length:
                continue
            if name.lower() in ("server", "date"):
                continue
            handler.send_header(name, value)
        if not keep_length:
            handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        if body:
            handler.wfile.write(body)
        with self._lock:
            record.status = status
