"""Fault behaviours and request-body plumbing shared by the network test peers.

Why this exists: the generic upload sink (fault_server.py) and the Google Cloud
Storage resumable endpoint (gcs_resumable_server.py) must break uploads in exactly
the same ways (drop the TCP connection after N body bytes, answer an error status,
stop reading for a while, answer late), so the behaviours and the code that reads a
request body while applying them live here once.

A `Fault` is one behaviour; a `FaultScript` hands them out one request at a time,
and "normal" when it is empty.  Faults can be given as objects or as plain dicts
(`{"action": "drop", "after_bytes": 1000}`), so a script can come from JSON on a
command line as well as from a test.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import socket
import struct
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
import time
from collections import deque
from typing import Callable, Iterable, Optional

#: the actions a `Fault` can take
ACTIONS = ("normal", "drop", "status", "stall", "delay")


@dataclasses.dataclass(frozen=True)
class Fault:
    """One scripted server behaviour for one request.

    - ``normal``: read the body, store it, answer success.
    - ``drop``: read ``after_bytes`` body bytes, then close the connection abruptly
      (RST via SO_LINGER 0 when ``rst`` is true, else a plain FIN).  Nothing is stored.
    - ``status``: answer ``status`` with ``headers`` and ``body`` once.  With
      ``early`` false (default) the body is read and thrown away first; with
      ``early`` true the answer goes out right after the request headers (instead of
      ``100 Continue`` when the client asked for it) and the connection is closed.
    - ``stall``: after ``after_bytes`` body bytes, stop reading for ``seconds``, then
      carry on normally (the upload completes if the client waited).
    - ``delay``: read and store the body normally, then wait ``seconds`` before answering.
    """

    action: str = "normal"
    after_bytes: int = 0
    seconds: float = 0.0
    status: int = 0
    headers: tuple = ()
    body: str = ""
    rst: bool = True
    early: bool = False

    def __post_init__(self) -> None:
        if self.action not in ACTIONS:
            raise ValueError(f"unknown fault action {self.action!r}; expected one of {ACTIONS}")
        if self.action == "status" and not (100 <= self.status <= 599):
            raise ValueError("a status fault needs a status between 100 and 599")
        if isinstance(self.headers, dict):
            object.__setattr__(self, "headers", tuple(self.headers.items()))

    # Readable constructors for tests -------------------------------------------------
    @classmethod
    def normal(cls) -> "Fault":
        return cls("normal")

    @classmethod
    def drop(cls, after_bytes: int = 0, rst: bool = True) -> "Fault":
        return cls("drop", after_bytes=after_bytes, rst=rst)

    @classmethod
    def respond(cls, status: int, body: str = "", headers: Optional[dict] = None,
                early: bool = False) -> "Fault":
        return cls("status", status=status, body=body, headers=tuple((headers or {}).items()),
                   early=early)

    @classmethod
    def stall(cls, seconds: float, after_bytes: int = 0) -> "Fault":
        return cls("stall", seconds=seconds, after_bytes=after_bytes)

    @classmethod
    def delay(cls, seconds: float) -> "Fault":
        return cls("delay", seconds=seconds)

    @classmethod
    def coerce(cls, value: "Fault | dict | str") -> "Fault":
        """Accepts a Fault, a dict of its fields, or an action name."""
        if isinstance(value, Fault):
            return value
        if isinstance(value, str):
            return cls(value)
        if isinstance(value, dict):
            fields = dict(value)
            if "headers" in fields and isinstance(fields["headers"], dict):
                fields["headers"] = tuple(fields["headers"].items())
            return cls(**fields)
        raise TypeError(f"cannot make a Fault from {value!r}")

    def describe(self) -> str:
        if self.action == "drop":
            return f"drop@{self.after_bytes}{'/rst' if self.rst else '/fin'}"
        if self.action == "status":
            return f"status {self.status}{' early' if self.early else ''}"
        if self.action == "stall":
            return f"stall {self.seconds}s@{self.after_bytes}"
        if self.action == "delay":
            return f"delay {self.seconds}s"
        return "normal"

    @property
    def answers_before_body(self) -> bool:
        """True when the client must not get `100 Continue` for this request."""
        return (self.action == "status" and self.early) or (
            self.action == "drop" and self.after_bytes == 0)


class FaultScript:
    """A thread-safe queue of faults, consumed one request at a time."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._queue: deque[Fault] = deque()

    def set(self, faults: Iterable["Fault | dict | str"]) -> None:
        items = [Fault.coerce(f) for f in faults]
        with self._lock:
            self._queue = deque(items)

    def next(self) -> Fault:
        with self._lock:
            return self._queue.popleft() if self._queue else Fault.normal()

    def remaining(self) -> int:
        with self._lock:
            return len(self._queue)


def abort_connection(sock: socket.socket, rst: bool = True) -> None:
    """Closes a client connection abruptly; with `rst` the peer sees ECONNRESET."""
    # socket.close() keeps the descriptor open while the handler's rfile still refers
    # to it, so detach and close the descriptor itself: the peer sees it at once.
    try:
        if rst:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        else:
            sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    try:
        os.close(sock.detach())
    except OSError:
        pass


class ClientGone(Exception):
    """The client closed the connection before the whole body arrived."""


class IdleTimeout(Exception):
    """No body byte arrived within the server's idle timeout."""


class BodyReader:
    """Reads one request body (Content-Length or chunked) without buffering it whole.

    `read()` returns the next decoded bytes (at most `limit`), b"" at the end of the
    body, and raises `ClientGone` when the connection ends early.
    """

    def __init__(self, rfile, content_length: Optional[int], chunked: bool) -> None:
        self._rfile = rfile
        self._chunked = chunked
        self._remaining = content_length if not chunked else 0
        self._done = (not chunked) and not content_length
        self.received = 0

    @classmethod
    def for_headers(cls, rfile, headers) -> "BodyReader":
        chunked = "chunked" in (headers.get("Transfer-Encoding") or "").lower()
        length = headers.get("Content-Length")
        return cls(rfile, int(length) if (length and not chunked) else 0, chunked)

    @property
    def done(self) -> bool:
        return self._done

    def _raw(self, limit: int) -> bytes:
        try:
            data = self._rfile.read1(limit)
        except socket.timeout as error:
            raise IdleTimeout() from error
        except (ConnectionError, OSError) as error:
            raise ClientGone(str(error)) from error
        if not data:
            raise ClientGone("connection closed by client")
        return data

    def _line(self) -> bytes:
        try:
            line = self._rfile.readline(1024)
        except socket.timeout as error:
            raise IdleTimeout() from error
        except (ConnectionError, OSError) as error:
            raise ClientGone(str(error)) from error
        if not line:
            raise ClientGone("connection closed by client")
        return line

    def read(self, limit: int = 65536) -> bytes:
        if self._done or limit <= 0:
            return b""
        if self._chunked and self._remaining == 0:
            size_line = self._line().split(b";", 1)[0].strip()
            size = int(size_line or b"0", 16)
            if size == 0:
                while self._line() not in (b"\r\n", b"\n"):
                    pass  # trailers
                self._done = True
                return b""
            self._remaining = size
        data = self._raw(min(limit, self._remaining))
        self._remaining -= len(data)
        self.received += len(data)
        if self._remaining == 0:
            if self._chunked:
                self._line()  # CRLF after chunk data
            else:
                self._done = True
        return data


@dataclasses.dataclass
class BodyOutcome:
    """What happened while a body was read under a fault."""

    received: int = 0
    complete: bool = False
    dropped: bool = False
    idle_timeout: bool = False
    client_gone: bool = False
    sha256: Optional[str] = None
    first_byte_at: Optional[float] = None
    last_byte_at: Optional[float] = None


def read_body(reader: BodyReader, fault: Fault, connection: socket.socket,
              sink: Optional[Callable[[bytes], None]] = None,
              on_progress: Optional[Callable[[BodyOutcome], None]] = None,
              before_abort: Optional[Callable[[BodyOutcome], None]] = None,
              block: int = 65536) -> BodyOutcome:
    """Reads a body through SHA-256 into `sink`, applying `drop` and `stall` faults.

    On a drop the connection is aborted here and `dropped` is set; the caller must
    not write to the connection afterwards.  `before_abort` runs just before the
    connection goes, so records are final by the time the client sees the reset.
    """
    outcome = BodyOutcome()
    digest = hashlib.sha256()
    stalled = False
    threshold = fault.after_bytes if fault.action in ("drop", "stall") else None
    while True:
        if threshold is not None and outcome.received >= threshold:
            if fault.action == "drop":
                outcome.dropped = True
                if before_abort is not None:
                    before_abort(outcome)
                abort_connection(connection, rst=fault.rst)
                return outcome
            if fault.action == "stall" and not stalled:
                stalled = True
                time.sleep(fault.seconds)
                threshold = None
        limit = block if threshold is None else min(block, threshold - outcome.received)
        try:
            data = reader.read(limit)
        except IdleTimeout:
            outcome.idle_timeout = True
            return outcome
        except ClientGone:
            outcome.client_gone = True
            return outcome
        if not data:
            if reader.done:
                if threshold is not None and fault.action == "drop":
                    # body shorter than the drop point: drop at its end
                    outcome.dropped = True
                    if before_abort is not None:
                        before_abort(outcome)
                    abort_connection(connection, rst=fault.rst)
                    return outcome
                outcome.complete = True
                outcome.sha256 = digest.hexdigest()
                return outcome
            continue
        now = time.time()
        if outcome.first_byte_at is None:
            outcome.first_byte_at = now
        outcome.last_byte_at = now
        outcome.received += len(data)
        digest.update(data)
        if sink is not None:
            sink(data)
        if on_progress is not None:
            on_progress(outcome)


def drain_body(reader: BodyReader, connection: socket.socket, quiet_seconds: float = 1.0,
               max_bytes: int = 1 << 30) -> int:
    """Reads and discards the rest of a body, giving up after `quiet_seconds` of silence."""
    previous = connection.gettimeout()
    connection.settimeout(quiet_seconds)
    drained = 0
    try:
        while not reader.done and drained < max_bytes:
            data = reader.read(65536)
            if not data:
                break
            drained += len(data)
    except (IdleTimeout, ClientGone, ValueError):
        pass
    finally:
        try:
            connection.settimeout(previous)
        except OSError:
            pass
    return drained


class OwnedHTTPServer(ThreadingHTTPServer):
    """A threaded HTTP server that knows the test-server object it serves (`owner`), so
    handlers reach its records and script as `self.server.owner`."""

    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True
    handler_class: type = BaseHTTPRequestHandler

    def __init__(self, address, owner) -> None:
        self.owner = owner
        super().__init__(address, self.handler_class)


class BackgroundServer:
    """Start/stop, context manager and address of a test server whose `_httpd` serves in
    a daemon thread; shared by the fault and GCS servers."""

    thread_name = "test-server"

    @classmethod
    def start(cls, **kwargs):
        server = cls(**kwargs)
        server._thread = threading.Thread(target=server._httpd.serve_forever,
                                          kwargs={"poll_interval": 0.05},
                                          name=f"{cls.thread_name}-{server.port}", daemon=True)
        server._thread.start()
        return server

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def port(self) -> int:
        return self._httpd.server_address[1]

    @property
    def host(self) -> str:
        return self._httpd.server_address[0]

    def url(self, path: str = "/") -> str:
        if not path.startswith("/"):
            path = "/" + path
        return f"http://{self.host}:{self.port}{path}"

    def serve_until_interrupted(self, on_stop=None) -> None:
        """For the standalone modes: serve until Ctrl-C, then stop (and report)."""
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass
        finally:
            self.stop()
            if on_stop:
                on_stop()

