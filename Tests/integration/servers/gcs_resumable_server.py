"""A Google Cloud Storage resumable-upload endpoint on 127.0.0.1, with fault injection.

Why this exists: some upload URLs handed to the agent are GCS resumable sessions
(seed 003: an uploadUrl containing `/v1/files/gcs_proxy/` "supports GCS resumable
upload").  An agent that knows the protocol can resume a broken 4 GiB upload at the
last persisted byte instead of starting over.  This server speaks that protocol the
way GCS documents it, and can break a chunk in the middle, so tests can count how
many bytes were sent twice.

The protocol, as served here (JSON API "perform resumable uploads"):

- Initiate: ``POST /upload/storage/v1/b/<bucket>/o?uploadType=resumable&name=<obj>``
  → 200 with ``Location: <session URL>`` (or call `create_session()` from a test).
- Session URLs: ``/upload/storage/v1/b/<bucket>/o?uploadType=resumable&upload_id=<id>``,
  ``/upload?upload_id=<id>&uploadType=resumable`` and ``/v1/files/gcs_proxy/<id>``.
- Upload a chunk: ``PUT`` with ``Content-Range: bytes A-B/TOTAL`` (or ``A-B/*`` while
  the size is unknown).  Every chunk but the last must be a multiple of 256 KiB
  (262144 bytes), else 400.  A chunk must start at or before the persisted size (bytes
  already persisted are accepted again and ignored; a gap is 400).  Not the last
  chunk → ``308 Resume Incomplete`` with ``Range: bytes=0-N`` (N = last persisted
  byte).  Last chunk → 200 with the object's JSON metadata.
- A ``PUT`` without Content-Range uploads the whole object in one request.
- Status query: ``PUT`` with an empty body and ``Content-Range: bytes */TOTAL`` (or
  ``bytes */*``) → 308 with ``Range`` when bytes are persisted, 308 *without* Range when
  none are, 200 when complete (a query naming TOTAL equal to the persisted size
  finalises an upload whose size was unknown).
- Cancel: ``DELETE`` on the session → 499; later requests → 410.
- Unknown session → 404.

Faults: `set_script([...])` takes the same `Fault`s as fault_server.py, consumed one
data-carrying PUT at a time (status queries do not consume).  A chunk that is broken
(connection dropped, client gone) persists nothing, unless the server was started with
`persist_partial=True`: then, like GCS itself, it keeps the received bytes of a broken
request rounded down to a multiple of 256 KiB, so a client that sent the whole file in
one PUT can still resume.  Every request is recorded as a
`ChunkRecord`, so `resent_bytes(session)` tells how much was sent twice.

Standalone: ``python gcs_resumable_server.py --port 8081 --session abc`` (prints the URLs).
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import base64
import json
import re
import secrets
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler
from typing import Iterable, Optional
from urllib.parse import parse_qs, quote, urlsplit

try:  # imported as part of the `servers` package
    from .http_faults import BackgroundServer, OwnedHTTPServer, BodyReader, Fault, FaultScript, drain_body, read_body
except ImportError:  # run as a script from this folder
    from http_faults import BackgroundServer, OwnedHTTPServer, BodyReader, Fault, FaultScript, drain_body, read_body

#: every chunk but the last must be a multiple of this
CHUNK_GRANULARITY = 256 * 1024

_RANGE = re.compile(r"^\s*bytes\s+(?:(\d+)-(\d+)|(\*))/(\d+|\*)\s*$")


@dataclasses.dataclass
class ChunkRecord:
    """One request to a session, as the server saw it."""

    method: str
    session: Optional[str]
    target: str
    content_range: Optional[str]
    kind: str                      # chunk | query | whole | cancel | initiate | other
    start: Optional[int] = None
    end: Optional[int] = None      # inclusive
    total: Optional[int] = None    # None when '*'
    started_at: float = 0.0
    fault: str = "normal"
    bytes_received: int = 0
    completed: bool = False        # the whole body arrived
    persisted_before: int = 0
    persisted_after: int = 0
    status: Optional[int] = None   # None when the connection was dropped
    range_header: Optional[str] = None
    error: str = ""
    finished_at: Optional[float] = None


@dataclasses.dataclass
class Session:
    id: str
    bucket: str
    name: str
    total: Optional[int] = None
    data: bytearray = dataclasses.field(default_factory=bytearray)
    complete: bool = False
    cancelled: bool = False
    content_type: Optional[str] = None

    @property
    def persisted(self) -> int:
        return len(self.data)

    def metadata(self) -> dict:
        body = bytes(self.data)
        return {"kind": "storage#object", "bucket": self.bucket, "name": self.name,
                "size": str(len(body)), "contentType": self.content_type or "application/octet-stream",
                "md5Hash": base64.b64encode(hashlib.md5(body).digest()).decode(),
                "id": f"{self.bucket}/{self.name}/1", "generation": "1"}


class _BadRequest(Exception):
    pass


class _GCSHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: "_Server"

    def log_message(self, format: str, *args) -> None:  # noqa: A002
        if self.server.owner.verbose:
            sys.stderr.write("gcs_server: " + (format % args) + "\n")

    def handle_expect_100(self) -> bool:
        self._fault = self.server.owner._fault_for_headers(self.command, self.headers)
        if self._fault is not None and self._fault.answers_before_body:
            return True
        return super().handle_expect_100()

    def _reply(self, status: int, body: bytes = b"", headers: Iterable = (),
               close: bool = False) -> None:
        reason = {308: "Resume Incomplete", 499: "Client Closed Request"}.get(status)
        self.send_response(status, reason)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        if close:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        if body:
            self.wfile.write(body)

    def _json(self, status: int, value: dict, headers: Iterable = ()) -> None:
        self._reply(status, json.dumps(value).encode(),
                    [("Content-Type", "application/json; charset=UTF-8"), *headers])

    def _error(self, status: int, message: str, close: bool = False) -> None:
        self._reply(status, json.dumps({"error": {"code": status, "message": message}}).encode(),
                    [("Content-Type", "application/json; charset=UTF-8")], close=close)

    # -- routing --------------------------------------------------------------------
    def do_POST(self) -> None:
        owner = self.server.owner
        parts = urlsplit(self.path)
        query = parse_qs(parts.query)
        match = re.fullmatch(r"/upload/storage/v1/b/([^/]+)/o", parts.path)
        record = owner._record(ChunkRecord("POST", None, self.path, None, "initiate",
                                           started_at=time.time()))
        self._drain_small_body()
        if not match or query.get("uploadType") != ["resumable"]:
            record.status = 400
            self._error(400, "only resumable upload initiation is served here")
            return
        name = (query.get("name") or [""])[0]
        if not name:
            record.status = 400
            self._error(400, "Required parameter: name")
            return
        url = owner.create_session(name=name, bucket=match.group(1), form="json",
                                   content_type=self.headers.get("X-Upload-Content-Type"),
                                   total=_int_or_none(self.headers.get("X-Upload-Content-Length")))
        record.session = owner._session_id_from(url)
        record.status = 200
        self._reply(200, b"", [("Location", url)])

    def do_PUT(self) -> None:
        self._session_request()

    def do_DELETE(self) -> None:
        self._session_request()

    def do_GET(self) -> None:
        # GET /storage/v1/b/<bucket>/o/<name>?alt=media returns a completed object
        owner = self.server.owner
        parts = urlsplit(self.path)
        match = re.fullmatch(r"/storage/v1/b/([^/]+)/o/(.+)", parts.path)
        session = owner._completed_object(*match.groups()) if match else None
        if session is None:
            self._error(404, "No such object")
            return
        if parse_qs(parts.query).get("alt") == ["media"]:
            self._reply(200, bytes(session.data), [("Content-Type", "application/octet-stream")])
        else:
            self._json(200, session.metadata())

    def _drain_small_body(self) -> None:
        length = _int_or_none(self.headers.get("Content-Length")) or 0
        if length:
            self.rfile.read(min(length, 1 << 20))

    def _session_request(self) -> None:
        owner = self.server.owner
        fault = getattr(self, "_fault", None)
        self._fault = None
        session_id = owner._session_id_from(self.path)
        content_range = self.headers.get("Content-Range")
        record = ChunkRecord(self.command, session_id, self.path, content_range, "other",
                             started_at=time.time())
        owner._record(record)
        session = owner._session(session_id) if session_id else None
        reader = BodyReader.for_headers(self.rfile, self.headers)
        try:
            if session is None:
                record.status = 404
                self._error(404, "No such upload session", close=reader_has_body(self.headers))
                drain_body(reader, self.connection)
                return
            if session.cancelled:
                record.status = 410
                self._error(410, "The upload session was cancelled",
                            close=reader_has_body(self.headers))
                drain_body(reader, self.connection)
                return
            record.persisted_before = record.persisted_after = session.persisted
            if self.command == "DELETE":
                record.kind = "cancel"
                session.cancelled = True
                record.status = 499
                self._reply(499)
                return
            self._put(session, record, reader, fault)
        finally:
            record.finished_at = time.time()

    # -- the protocol -----------------------------------------------------------------
    def _put(self, session: Session, record: ChunkRecord, reader: BodyReader,
             fault: Optional[Fault]) -> None:
        owner = self.server.owner
        length = _int_or_none(self.headers.get("Content-Length"))
        chunked = "chunked" in (self.headers.get("Transfer-Encoding") or "").lower()
        try:
            start, end, total, is_query = _parse_range(record.content_range, length, chunked)
        except _BadRequest as error:
            record.status, record.error = 400, str(error)
            self._error(400, str(error), close=True)
            drain_body(reader, self.connection)
            return
        record.start, record.end, record.total = start, end, total
        if is_query:
            record.kind = "query"
            self._answer_status(session, record, total)
            return
        record.kind = "chunk" if record.content_range else "whole"
        if fault is None:
            fault = owner._script.next()
        record.fault = fault.describe()

        if fault.action == "status" and fault.early:
            record.status = fault.status
            self._reply(fault.status, fault.body.encode(), fault.headers, close=True)
            drain_body(reader, self.connection)
            return
        persisted = session.persisted
        problem = None
        if session.complete:
            problem = None  # GCS answers a finished session with the object again
        elif start is not None and start > persisted:
            problem = (f"Invalid request. Content-Range starts at {start} but only "
                       f"{persisted} bytes are persisted")
        elif total is not None and session.total is not None and total != session.total:
            problem = f"Invalid request. The total size changed from {session.total} to {total}"
        elif start is not None and end is not None and length is not None \
                and not chunked and length != end - start + 1:
            problem = f"Content-Length {length} does not match Content-Range {start}-{end}"
        elif start is not None and end is not None and total is not None and end >= total:
            problem = f"Content-Range end {end} is beyond the total {total}"
        if problem:
            record.status, record.error = 400, problem
            self._error(400, problem, close=True)
            drain_body(reader, self.connection)
            return

        chunks: list[bytes] = []

        def progress(outcome) -> None:
            record.bytes_received = outcome.received

        outcome = read_body(reader, fault, self.connection, sink=chunks.append,
                            on_progress=progress, before_abort=progress)
        progress(outcome)
        if outcome.dropped or outcome.client_gone or outcome.idle_timeout:
            record.error = "dropped" if outcome.dropped else "client gone"
            self.close_connection = True
            if owner.persist_partial and not session.complete:
                self._persist_partial(session, record, start or 0, b"".join(chunks))
            return  # otherwise a broken chunk persists nothing
        record.completed = True
        body = b"".join(chunks)
        if fault.action == "status":
            record.status = fault.status
            self._reply(fault.status, fault.body.encode(), fault.headers)
            return
        if session.complete:
            record.status = 200
            self._json(200, session.metadata())
            return
        if start is None:  # whole object in one request
            start, end, total = 0, len(body) - 1, len(body)
            record.start, record.end, record.total = start, end, total
        if len(body) != end - start + 1:
            record.status = 400
            record.error = f"received {len(body)} bytes for range {start}-{end}"
            self._error(400, record.error)
            return
        is_last = total is not None and end + 1 == total
        if not is_last and len(body) % CHUNK_GRANULARITY != 0:
            record.status = 400
            record.error = (f"Invalid request. The chunk size {len(body)} is not a multiple "
                            f"of {CHUNK_GRANULARITY} bytes and this is not the last chunk")
            self._error(400, record.error)
            return
        with owner._lock:
            overlap = max(0, min(session.persisted, end + 1) - start)
            if overlap and bytes(session.data[start:start + overlap]) != body[:overlap]:
                record.error = "re-sent bytes differ from the persisted ones"
            session.data += body[overlap:]
            if total is not None:
                session.total = total
            record.persisted_after = session.persisted
            if is_last:
                session.complete = True
        if fault.action == "delay":
            time.sleep(fault.seconds)
        if is_last:
            record.status = 200
            self._json(200, session.metadata())
        else:
            record.status = 308
            record.range_header = f"bytes=0-{session.persisted - 1}"
            self._reply(308, b"", [("Range", record.range_header)])

    def _persist_partial(self, session: Session, record: ChunkRecord, start: int,
                         received: bytes) -> None:
        owner = self.server.owner
        with owner._lock:
            end = start + (len(received) // CHUNK_GRANULARITY) * CHUNK_GRANULARITY
            if end > session.persisted >= start:
                session.data += received[session.persisted - start:end - start]
            record.persisted_after = session.persisted

    def _answer_status(self, session: Session, record: ChunkRecord, total: Optional[int]) -> None:
        owner = self.server.owner
        with owner._lock:
            if not session.complete and total is not None and session.persisted == total \
                    and (session.total in (None, total)):
                session.total = total
                session.complete = True
            complete = session.complete
            persisted = session.persisted
        if complete:
            record.status = 200
            self._json(200, session.metadata())
            return
        record.status = 308
        headers = []
        if persisted > 0:
            record.range_header = f"bytes=0-{persisted - 1}"
            headers.append(("Range", record.range_header))
        self._reply(308, b"", headers)


def reader_has_body(headers) -> bool:
    return bool(_int_or_none(headers.get("Content-Length"))) or \
        "chunked" in (headers.get("Transfer-Encoding") or "").lower()


def _int_or_none(value: Optional[str]) -> Optional[int]:
    try:
        return int(value) if value not in (None, "") else None
    except ValueError:
        return None


def _parse_range(header: Optional[str], length: Optional[int], chunked: bool):
    """→ (start, end, total, is_status_query); start/end None for a whole upload."""
    if header is None:
        if chunked:
            return None, None, None, False
        return None, None, length or 0, False
    match = _RANGE.match(header)
    if not match:
        raise _BadRequest(f"Invalid Content-Range header {header!r}")
    first, last, star, total = match.groups()
    total_value = None if total == "*" else int(total)
    if star:
        if (length or 0) != 0 or chunked:
            raise _BadRequest("a status query (bytes */TOTAL) must have an empty body")
        return None, None, total_value, True
    start, end = int(first), int(last)
    if end < start:
        raise _BadRequest(f"Invalid Content-Range {header!r}")
    return start, end, total_value, False


class _Server(OwnedHTTPServer):
    handler_class = _GCSHandler


class GCSResumableServer(BackgroundServer):
    """A running GCS resumable-upload endpoint (see the module doc)."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0, verbose: bool = False,
                 persist_partial: bool = False) -> None:
        self.verbose = verbose
        self.persist_partial = persist_partial
        self._lock = threading.Lock()
        self._sessions: dict[str, Session] = {}
        self._records: list[ChunkRecord] = []
        self._script = FaultScript()
        self._httpd = _Server((host, port), self)
        self._thread: Optional[threading.Thread] = None


    # -- sessions -----------------------------------------------------------------------
    def create_session(self, name: str = "object.bin", bucket: str = "bucket",
                       form: str = "gcs_proxy", session_id: Optional[str] = None,
                       total: Optional[int] = None, content_type: Optional[str] = None) -> str:
        """Opens a session and returns its URL.

        `form`: ``gcs_proxy`` → ``/v1/files/gcs_proxy/<id>``; ``upload`` →
        ``/upload?upload_id=<id>&uploadType=resumable``; ``json`` → the JSON API form.
        """
        session_id = session_id or secrets.token_urlsafe(16)
        with self._lock:
            self._sessions[session_id] = Session(session_id, bucket, name, total=total,
                                                 content_type=content_type)
        if form == "gcs_proxy":
            return self.url(f"/v1/files/gcs_proxy/{session_id}")
        if form == "upload":
            return self.url(f"/upload?upload_id={session_id}&uploadType=resumable")
        if form == "json":
            return self.url(f"/upload/storage/v1/b/{quote(bucket)}/o?uploadType=resumable"
                            f"&name={quote(name, safe='')}&upload_id={session_id}")
        raise ValueError(f"unknown session URL form {form!r}")

    def set_script(self, faults: Iterable["Fault | dict | str"]) -> None:
        """Faults for the next data-carrying PUTs, one each; status queries do not consume."""
        self._script.set(faults)

    # -- observations -------------------------------------------------------------------
    @property
    def requests(self) -> list[ChunkRecord]:
        with self._lock:
            return [dataclasses.replace(r) for r in self._records]

    def chunks(self, session: Optional[str] = None) -> list[ChunkRecord]:
        """Data-carrying PUTs (chunks and whole uploads), oldest first."""
        return [r for r in self.requests if r.kind in ("chunk", "whole")
                and (session is None or r.session == session)]

    def queries(self, session: Optional[str] = None) -> list[ChunkRecord]:
        return [r for r in self.requests if r.kind == "query"
                and (session is None or r.session == session)]

    def session_id(self, url: str) -> Optional[str]:
        return self._session_id_from(url)

    def persisted(self, session: str) -> int:
        with self._lock:
            return self._sessions[session].persisted

    def is_complete(self, session: str) -> bool:
        with self._lock:
            return self._sessions[session].complete

    def stored(self, session: str) -> Optional[tuple[int, str]]:
        """(size, sha256) of a completed upload, or None."""
        with self._lock:
            found = self._sessions.get(session)
            if found is None or not found.complete:
                return None
            return len(found.data), hashlib.sha256(found.data).hexdigest()

    def body(self, session: str) -> Optional[bytes]:
        with self._lock:
            found = self._sessions.get(session)
            return bytes(found.data) if found and found.complete else None

    def bytes_sent(self, session: str) -> int:
        """All body bytes the client sent for `session`, including broken chunks."""
        return sum(r.bytes_received for r in self.chunks(session))

    def resent_bytes(self, session: str) -> int:
        """Bytes sent more than needed: everything sent minus the object size."""
        with self._lock:
            size = self._sessions[session].persisted
        return self.bytes_sent(session) - size

    def wait_for(self, predicate, timeout: float = 10.0, interval: float = 0.02):
        deadline = time.monotonic() + timeout
        while True:
            value = predicate(self)
            if value:
                return value
            if time.monotonic() >= deadline:
                raise TimeoutError(f"condition not met within {timeout}s")
            time.sleep(interval)

    # -- used by the handler --------------------------------------------------------------
    def _record(self, record: ChunkRecord) -> ChunkRecord:
        with self._lock:
            self._records.append(record)
        return record

    def _session(self, session_id: str) -> Optional[Session]:
        with self._lock:
            return self._sessions.get(session_id)

    def _completed_object(self, bucket: str, name: str) -> Optional[Session]:
        with self._lock:
            for session in reversed(list(self._sessions.values())):
                if session.bucket == bucket and session.name == name and session.complete:
                    return session
        return None

    @staticmethod
    def _session_id_from(target: str) -> Optional[str]:
        parts = urlsplit(target)
        match = re.fullmatch(r"/v1/files/gcs_proxy/([^/?]+)", parts.path)
        if match:
            return match.group(1)
        if parts.path.startswith("/upload"):
            ids = parse_qs(parts.query).get("upload_id")
            if ids:
                return ids[0]
        return None

    def _fault_for_headers(self, method: str, headers) -> Optional[Fault]:
        """Pops the fault of a data-carrying PUT (called before `100 Continue`)."""
        if method != "PUT":
            return None
        content_range = headers.get("Content-Range") or ""
        if "*/" in content_range.replace(" ", "") and "-" not in content_range:
            return None
        if not reader_has_body(headers):
            return None
        return self._script.next()


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--session", action="append", default=[],
                        help="open a session with this id (repeatable)")
    parser.add_argument("--script", default="[]", help="JSON list of faults (see fault_server.py)")
    parser.add_argument("--quiet", action="store_true")
    args = parser.parse_args(argv)
    server = GCSResumableServer.start(host=args.host, port=args.port, verbose=not args.quiet)
    server.set_script(json.loads(args.script))
    print(f"gcs_resumable_server listening on {server.url('/')}", flush=True)
    for session in args.session:
        print("session:", server.create_session(session_id=session), flush=True)
        print("session:", server.url(f"/upload?upload_id={session}&uploadType=resumable"), flush=True)
    server.serve_until_interrupted()
    return 0


if __name__ == "__main__":
    sys.exit(main())
