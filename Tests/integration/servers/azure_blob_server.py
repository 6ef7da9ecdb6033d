"""A small, protocol-faithful Azure Blob Storage server for tests.

No Azure emulator can be installed here (Azurite ships only through npm), so this server
speaks the part of the Blob REST API an uploader touches, the way Azure answers it:

* Put Blob (BlockBlob), Put Block (``comp=block&blockid=``), Put Block List
  (``comp=blocklist``, XML with Latest/Committed/Uncommitted), Get Block List
  (``comp=blocklist&blocklisttype=committed|uncommitted|all``), Get Blob (with
  ``x-ms-range``/``Range``), Get Blob Properties (HEAD), Create Container
  (``restype=container``).
* Every request needs a shared access signature: ``sig=`` must equal the configured
  signature and ``se=`` (expiry) must not have passed, else 403 AuthenticationFailed;
  a request without any SAS is answered like anonymous access to a private container
  (404 ResourceNotFound). ``x-ms-version`` is required (400 MissingRequiredHeader).
* ``Content-MD5`` is verified when present (400 Md5Mismatch); block ids of unequal
  length within one blob are rejected (400 InvalidBlobOrBlock); ``x-ms-blob-content-md5``
  is stored and returned.
* Errors carry the XML body ``<Error><Code/><Message/></Error>`` and the
  ``x-ms-error-code`` header (HEAD responses: header only, as Azure does).

Fault injection: ``corrupt_next_block()`` flips one byte of the next Put Block body once,
as a bad link would; ``fail_next(count, status, code)`` answers the next requests with an
error.

Importable (``AzureBlobServer(...).start()`` returns the port, serving from a thread) and
runnable standalone: ``python azure_blob_server.py --port 10000 --sig SECRET``.
"""

from __future__ import annotations

import argparse
import base64
import binascii
import datetime as dt
import hashlib
import re
import threading
import uuid
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlsplit

DEFAULT_ACCOUNT = "devstoreaccount1"
MAX_BLOCK_ID_BYTES = 64
MAX_BLOCK_SIZE = 4000 * 1024 * 1024
MAX_COMMITTED_BLOCKS = 50_000
MAX_UNCOMMITTED_BLOCKS = 100_000

# Azure's messages for the codes this server sends (Blob service / common REST error codes).
MESSAGES = {
    "AuthenticationFailed": "Server failed to authenticate the request. Make sure the value "
    "of Authorization header is formed correctly including the signature.",
    "ResourceNotFound": "The specified resource does not exist.",
    "MissingRequiredHeader": "An HTTP header that's mandatory for this request is not specified.",
    "MissingRequiredQueryParameter": "A query parameter that's mandatory for this request is not specified.",
    "MissingContentLengthHeader": "The Content-Length header was not specified.",
    "InvalidHeaderValue": "The value for one of the HTTP headers is not in the correct format.",
    "InvalidQueryParameterValue": "Value for one of the query parameters specified in the "
    "request URI is invalid.",
    "InvalidMd5": "The MD5 value specified in the request is invalid. The MD5 value must be "
    "128 bits and Base64-encoded.",
    "Md5Mismatch": "The MD5 value specified in the request did not match with the MD5 value "
    "calculated by the server.",
    "InvalidBlobOrBlock": "The specified blob or block content is invalid.",
    "InvalidBlockId": "The specified block ID is invalid. The block ID must be Base64-encoded.",
    "InvalidBlockList": "The specified block list is invalid.",
    "InvalidXmlDocument": "XML specified is not syntactically valid.",
    "BlockListTooLong": "The block list may not contain more than 50,000 blocks.",
    "BlockCountExceedsLimit": "The uncommitted block count cannot exceed the maximum limit of "
    "100,000 blocks.",
    "RequestBodyTooLarge": "The request body is too large and exceeds the maximum permissible limit.",
    "BlobNotFound": "The specified blob does not exist.",
    "ContainerNotFound": "The specified container does not exist.",
    "ContainerAlreadyExists": "The specified container already exists.",
    "InvalidRange": "The range specified is invalid for the current size of the resource.",
    "InvalidUri": "The requested URI does not represent any resource on the server.",
    "UnsupportedHttpVerb": "The resource doesn't support the specified HTTP verb.",
    "ConditionNotMet": "The condition specified using HTTP conditional header(s) is not met.",
    "InternalError": "The server encountered an internal error. Please retry the request.",
    "ServerBusy": "The server is currently unable to receive requests. Please retry your request.",
    "OperationTimedOut": "The operation could not be completed within the permitted time.",
}


class AzureError(Exception):
    """An error answer: status, Azure error code, optional AuthenticationErrorDetail."""

    def __init__(self, status: int, code: str, detail: str | None = None, message: str | None = None):
        super().__init__(code)
        self.status = status
        self.code = code
        self.detail = detail
        self.message = message or MESSAGES.get(code, code)


@dataclass
class Blob:
    """A committed block blob plus its uncommitted blocks."""

    content: bytes = b""
    committed: list[tuple[str, bytes]] = field(default_factory=list)  # (block id, data)
    uncommitted: dict[str, bytes] = field(default_factory=dict)  # insertion-ordered
    exists: bool = False  # False while only uncommitted blocks exist
    content_md5: str | None = None
    content_type: str = "application/octet-stream"
    metadata: dict[str, str] = field(default_factory=dict)  # x-ms-meta-<name>, names as sent
    access_tier: str | None = None  # None: the account's default (reported as inferred Hot)
    etag: str = ""
    last_modified: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.timezone.utc))
    created: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.timezone.utc))

    def block_id_length(self) -> int | None:
        for block_id in self.uncommitted:
            return len(block_id)
        for block_id, _ in self.committed:
            return len(block_id)
        return None

    def touch(self) -> None:
        self.last_modified = dt.datetime.now(dt.timezone.utc)
        self.etag = f'"0x{uuid.uuid4().hex[:15].upper()}"'


@dataclass
class RequestRecord:
    """One request as the server saw it, for tests to assert on (no SAS signature)."""

    method: str
    operation: str
    container: str
    blob: str
    query: dict[str, str]
    headers: dict[str, str]
    body_length: int
    status: int = 0
    error_code: str | None = None


def _http_date(moment: dt.datetime) -> str:
    return format_datetime(moment.astimezone(dt.timezone.utc), usegmt=True)


def _parse_sas_time(text: str) -> dt.datetime | None:
    """SAS times are ISO 8601 UTC: 2024-01-02T03:04:05Z, seconds and fraction optional."""
    value = text.strip()
    if value.endswith("Z"):
        value = value[:-1] + "+00:00"
    for candidate in (value, value.replace("+00:00", ":00+00:00")):
        try:
            parsed = dt.datetime.fromisoformat(candidate)
        except ValueError:
            continue
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=dt.timezone.utc)
        return parsed
    try:
        return dt.datetime.strptime(text, "%Y-%m-%d").replace(tzinfo=dt.timezone.utc)
    except ValueError:
        return None


def _is_base64(text: str) -> bytes | None:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return None


class AzureBlobServer:
    """In-memory Azure Blob service for one storage account, served over HTTP."""

    def __init__(self, sas_signature: str, account: str = DEFAULT_ACCOUNT,
                 containers: tuple[str, ...] = ("uploads",), host: str = "127.0.0.1", port: int = 0):
        self.sas_signature = sas_signature
        self.account = account
        self.host = host
        self._requested_port = port
        self.lock = threading.Lock()
        self.containers: dict[str, dict[str, Blob]] = {name: {} for name in containers}
        self.requests: list[RequestRecord] = []
        self.md5_mismatches = 0
        self.corrupted_blocks = 0
        self._corrupt_next_block = False
        self._failures: list[tuple[int, str]] = []
        self._put_blocks_in_flight = 0
        self.max_put_blocks_in_flight = 0
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle -------------------------------------------------------------------
    def start(self) -> int:
        server = self

        class Handler(_AzureBlobHandler):
            azure = server

        self._httpd = ThreadingHTTPServer((self.host, self._requested_port), Handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="azure-blob-server", daemon=True)
        self._thread.start()
        return self.port

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None

    def __enter__(self) -> "AzureBlobServer":
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def port(self) -> int:
        assert self._httpd is not None, "server not started"
        return self._httpd.server_address[1]

    @property
    def endpoint(self) -> str:
        """The account's blob endpoint in path style (like Azurite), no trailing slash."""
        return f"http://{self.host}:{self.port}/{self.account}"

    # -- test knobs -------------------------------------------------------------------
    def corrupt_next_block(self) -> None:
        """Flip one byte of the body of the next Put Block, once (a bad link)."""
        with self.lock:
            self._corrupt_next_block = True

    def fail_next(self, count: int = 1, status: int = 503, code: str = "ServerBusy") -> None:
        """Answer the next `count` requests with this error, before doing anything."""
        with self.lock:
            self._failures.extend([(status, code)] * count)

    def blob(self, container: str, name: str) -> Blob | None:
        with self.lock:
            return self.containers.get(container, {}).get(name)

    def blob_content(self, container: str, name: str) -> bytes | None:
        found = self.blob(container, name)
        return found.content if found and found.exists else None

    def records(self, operation: str | None = None) -> list[RequestRecord]:
        with self.lock:
            return [r for r in self.requests if operation is None or r.operation == operation]

    # -- request handling (called by the handler) ------------------------------------------
    def _take_failure(self) -> tuple[int, str] | None:
        with self.lock:
            return self._failures.pop(0) if self._failures else None

    def _take_corruption(self) -> bool:
        with self.lock:
            take = self._corrupt_next_block
            self._corrupt_next_block = False
            if take:
                self.corrupted_blocks += 1
            return take

    def check_sas(self, query: dict[str, str]) -> None:
        if "sig" not in query:
            # Anonymous access to a private container: Azure hides the resource.
            raise AzureError(404, "ResourceNotFound")
        now = dt.datetime.now(dt.timezone.utc)
        expiry_text = query.get("se")
        expiry = _parse_sas_time(expiry_text) if expiry_text else None
        if expiry is None:
            raise AzureError(403, "AuthenticationFailed",
                             "se is mandatory. Cannot be empty" if not expiry_text else
                             f"Signed expiry time [{expiry_text}] is not a valid time")
        start_text = query.get("st")
        start = _parse_sas_time(start_text) if start_text else None
        if query["sig"] != self.sas_signature:
            raise AzureError(403, "AuthenticationFailed",
                             "Signature did not match. String to sign used was "
                             f"{query.get('sp', '')}\n{query.get('st', '')}\n{expiry_text}\n"
                             f"/blob/{self.account}\n\n\n{query.get('spr', '')}\n{query.get('sv', '')}")
        if expiry <= now or (start is not None and start > now):
            start_shown = _http_date(start) if start else _http_date(now)
            raise AzureError(403, "AuthenticationFailed",
                             f"Signature not valid in the specified time frame: Start [{start_shown}]"
                             f" - Expiry [{_http_date(expiry)}] - Current [{_http_date(now)}]")

    def put_block_started(self) -> None:
        with self.lock:
            self._put_blocks_in_flight += 1
            self.max_put_blocks_in_flight = max(self.max_put_blocks_in_flight, self._put_blocks_in_flight)

    def put_block_finished(self) -> None:
        with self.lock:
            self._put_blocks_in_flight -= 1


def _verify_content_md5(headers, body: bytes) -> str:
    """Checks Content-MD5 when sent; returns the body's MD5 (base64) either way."""
    actual = base64.b64encode(hashlib.md5(body).digest()).decode()
    claimed = headers.get("Content-MD5")
    if claimed is not None:
        decoded = _is_base64(claimed.strip())
        if decoded is None or len(decoded) != 16:
            raise AzureError(400, "InvalidMd5")
        if claimed.strip() != actual:
            raise AzureError(400, "Md5Mismatch")
    return actual


class _AzureBlobHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "Windows-Azure-Blob/1.0"
    sys_version = ""
    azure: AzureBlobServer  # set by AzureBlobServer.start

    def handle(self):
        try:
            super().handle()
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client closed the connection; nothing left to answer

    def log_message(self, format, *args):  # noqa: A002 - quiet; tests read `requests`
        pass

    # -- plumbing ----------------------------------------------------------------------
    def do_PUT(self):
        self._dispatch()

    def do_GET(self):
        self._dispatch()

    def do_HEAD(self):
        self._dispatch()

    def do_DELETE(self):
        self._dispatch()

    def do_POST(self):
        self._dispatch()

    def _dispatch(self):
        self._request_id = str(uuid.uuid4())
        self._body_read = False
        self._body = b""
        split = urlsplit(self.path)
        raw_query = parse_qs(split.query, keep_blank_values=True)
        query = {key: values[-1] for key, values in raw_query.items()}
        segments = split.path.lstrip("/").split("/", 2)
        account = unquote(segments[0]) if segments else ""
        container = unquote(segments[1]) if len(segments) > 1 else ""
        blob_name = unquote(segments[2]) if len(segments) > 2 else ""
        operation = self._operation_name(query, container, blob_name)
        record = RequestRecord(
            method=self.command, operation=operation, container=container, blob=blob_name,
            query={k: v for k, v in query.items() if k != "sig"},
            headers={k.lower(): v for k, v in self.headers.items()},
            body_length=int(self.headers.get("Content-Length") or 0))
        with self.azure.lock:
            self.azure.requests.append(record)
        try:
            failure = self.azure._take_failure()
            if failure is not None:
                raise AzureError(failure[0], failure[1])
            self.azure.check_sas(query)
            if not self.headers.get("x-ms-version"):
                raise AzureError(400, "MissingRequiredHeader",
                                 message=MESSAGES["MissingRequiredHeader"])
            if account != self.azure.account:
                raise AzureError(400, "InvalidUri")
            status, headers, body = self._handle(operation, query, container, blob_name)
            record.status = status
            self._send(status, headers, body)
        except AzureError as error:
            record.status = error.status
            record.error_code = error.code
            try:
                self._send_error(error)
            except (BrokenPipeError, ConnectionResetError):
                self.close_connection = True  # the client gave up (an upload cancelled its other blocks)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    @staticmethod
    def _operation_name(query: dict[str, str], container: str, blob_name: str) -> str:
        comp = query.get("comp", "")
        if query.get("restype") == "container":
            return "container"
        if comp == "block":
            return "PutBlock"
        if comp == "blocklist":
            return "BlockList"
        return "Blob" if blob_name else "Container"

    def _read_body(self) -> bytes:
        if self._body_read:
            return self._body
        self._body_read = True
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            self.close_connection = True
            raise AzureError(411, "MissingContentLengthHeader")
        length_text = self.headers.get("Content-Length")
        if length_text is None:
            if self.command == "PUT":
                raise AzureError(411, "MissingContentLengthHeader")
            return b""
        try:
            length = int(length_text)
        except ValueError:
            self.close_connection = True
            raise AzureError(400, "InvalidHeaderValue")
        if length > MAX_BLOCK_SIZE:
            self.close_connection = True
            raise AzureError(413, "RequestBodyTooLarge")
        chunks = []
        remaining = length
        while remaining > 0:
            chunk = self.rfile.read(min(remaining, 1 << 20))
            if not chunk:
                self.close_connection = True
                break
            chunks.append(chunk)
            remaining -= len(chunk)
        self._body = b"".join(chunks)
        return self._body

    def _drain_body(self, limit: int) -> bool:
        """Reads and drops the request body if it is at most `limit` bytes; True if done."""
        self._body_read = True
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            return False
        try:
            remaining = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            return False
        if remaining > limit:
            return False
        while remaining > 0:
            chunk = self.rfile.read(min(remaining, 1 << 20))
            if not chunk:
                return False
            remaining -= len(chunk)
        return True

    def _base_headers(self) -> dict[str, str]:
        return {
            "x-ms-request-id": self._request_id,
            "x-ms-version": self.headers.get("x-ms-version") or "2021-08-06",
            "Date": _http_date(dt.datetime.now(dt.timezone.utc)),
        }

    def _send(self, status: int, headers: dict[str, str], body: bytes = b"") -> None:
        if not self._body_read:
            try:
                self._read_body()  # drain, so a kept-alive connection stays in sync
            except AzureError:
                self.close_connection = True
        self.send_response(status)
        merged = self._base_headers()
        merged.update(headers)
        if "Content-Length" not in merged:
            merged["Content-Length"] = str(len(body))
        for name, value in merged.items():
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD" and body:
            self.wfile.write(body)

    def _send_error(self, error: AzureError) -> None:
        now = dt.datetime.now(dt.timezone.utc)
        message = (f"{error.message}\nRequestId:{self._request_id}\n"
                   f"Time:{now.strftime('%Y-%m-%dT%H:%M:%S.%f')}0Z")
        root = ET.Element("Error")
        ET.SubElement(root, "Code").text = error.code
        ET.SubElement(root, "Message").text = message
        if error.detail:
            ET.SubElement(root, "AuthenticationErrorDetail" if error.status == 403 else "Detail").text = error.detail
        body = b'<?xml version="1.0" encoding="utf-8"?>' + ET.tostring(root, encoding="utf-8", xml_declaration=False)
        headers = {"x-ms-error-code": error.code, "Content-Type": "application/xml"}
        if self.command == "HEAD":
            headers["Content-Length"] = "0"
            body = b""
        self.send_response(error.status, error.message)
        merged = self._base_headers()
        merged.update(headers)
        if "Content-Length" not in merged:
            merged["Content-Length"] = str(len(body))
        if not self._body_read and self.command in ("PUT", "POST"):
            # Receive (and drop) a body of a sane size, so the client reads this answer
            # instead of a reset while still sending; close after a huge one.
            if not self._drain_body(limit=256 * 1024 * 1024):
                self.close_connection = True
                merged["Connection"] = "close"
        for name, value in merged.items():
            self.send_header(name, value)
        self.end_headers()
        if body:
            self.wfile.write(body)

    # -- operations ----------------------------------------------------------------------
    def _handle(self, operation: str, query: dict[str, str], container: str, blob_name: str):
        azure = self.azure
        if operation == "container":
            if self.command == "PUT":
                with azure.lock:
                    if container in azure.containers:
                        raise AzureError(409, "ContainerAlreadyExists")
                    azure.containers[container] = {}
                return 201, {"ETag": f'"0x{uuid.uuid4().hex[:15].upper()}"',
                             "Last-Modified": _http_date(dt.datetime.now(dt.timezone.utc))}, b""
            if self.command in ("GET", "HEAD"):
                with azure.lock:
                    if container not in azure.containers:
                        raise AzureError(404, "ContainerNotFound")
                return 200, {}, b""
            raise AzureError(405, "UnsupportedHttpVerb")
        if not container or not blob_name:
            raise AzureError(400, "InvalidUri")
        with azure.lock:
            if container not in azure.containers:
                raise AzureError(404, "ContainerNotFound")
        if operation == "PutBlock" and self.command == "PUT":
            return self._put_block(query, container, blob_name)
        if operation == "BlockList" and self.command == "PUT":
            return self._put_block_list(container, blob_name)
        if operation == "BlockList" and self.command == "GET":
            return self._get_block_list(query, container, blob_name)
        if operation == "Blob" and self.command == "PUT":
            return self._put_blob(container, blob_name)
        if operation == "Blob" and self.command in ("GET", "HEAD"):
            return self._get_blob(container, blob_name)
        raise AzureError(405, "UnsupportedHttpVerb")

    def _blobs(self, container: str) -> dict[str, Blob]:
        return self.azure.containers[container]

    def _put_blob(self, container: str, blob_name: str):
        blob_type = self.headers.get("x-ms-blob-type")
        if not blob_type:
            raise AzureError(400, "MissingRequiredHeader")
        if blob_type != "BlockBlob":
            raise AzureError(400, "InvalidHeaderValue")
        properties = self._blob_properties()
        body = self._read_body()
        content_md5 = _verify_content_md5(self.headers, body)
        with self.azure.lock:
            blob = self._blobs(container).setdefault(blob_name, Blob())
            blob.content = body
            blob.committed = []
            blob.uncommitted = {}
            blob.exists = True
            blob.content_md5 = self.headers.get("x-ms-blob-content-md5") or content_md5
            blob.content_type = (self.headers.get("x-ms-blob-content-type") or self.headers.get("Content-Type")
                                 or "application/octet-stream")
            blob.metadata, blob.access_tier = properties
            blob.created = dt.datetime.now(dt.timezone.utc)
            blob.touch()
            etag, modified = blob.etag, blob.last_modified
        return 201, {"ETag": etag, "Last-Modified": _http_date(modified), "Content-MD5": content_md5,
                     "x-ms-request-server-encrypted": "true"}, b""

    def _put_block(self, query: dict[str, str], container: str, blob_name: str):
        block_id = query.get("blockid")
        if block_id is None:
            raise AzureError(400, "MissingRequiredQueryParameter")
        decoded = _is_base64(block_id)
        if decoded is None or not block_id or len(decoded) > MAX_BLOCK_ID_BYTES:
            raise AzureError(400, "InvalidBlockId")
        self.azure.put_block_started()
        try:
            body = bytearray(self._read_body())
            if body and self.azure._take_corruption():
                body[len(body) // 2] ^= 0xFF
            try:
                content_md5 = _verify_content_md5(self.headers, bytes(body))
            except AzureError as error:
                if error.code == "Md5Mismatch":
                    with self.azure.lock:
                        self.azure.md5_mismatches += 1
                raise
            with self.azure.lock:
                blob = self._blobs(container).setdefault(blob_name, Blob())
                expected_length = blob.block_id_length()
                if expected_length is not None and expected_length != len(block_id):
                    raise AzureError(400, "InvalidBlobOrBlock")
                if block_id not in blob.uncommitted and len(blob.uncommitted) >= MAX_UNCOMMITTED_BLOCKS:
                    raise AzureError(409, "BlockCountExceedsLimit")
                blob.uncommitted.pop(block_id, None)
                blob.uncommitted[block_id] = bytes(body)
        finally:
            self.azure.put_block_finished()
        return 201, {"Content-MD5": content_md5, "x-ms-request-server-encrypted": "true"}, b""

    def _blob_properties(self) -> tuple[dict[str, str], str | None]:
        """The metadata and access tier a Put Blob or Put Block List sets, checked as Azure
        checks them: a metadata name is a C# identifier, a tier one of Azure's names."""
        metadata = {}
        for name, value in self.headers.items():
            if name.lower().startswith("x-ms-meta-"):
                key = name[len("x-ms-meta-"):]
                if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", key):
                    raise AzureError(400, "InvalidMetadata")
                metadata[key] = value
        tier = self.headers.get("x-ms-access-tier")
        if tier is not None and tier not in ("Hot", "Cool", "Cold", "Archive"):
            raise AzureError(400, "InvalidHeaderValue")
        return metadata, tier

    def _put_block_list(self, container: str, blob_name: str):
        properties = self._blob_properties()
        body = self._read_body()
        _verify_content_md5(self.headers, body)
        try:
            root = ET.fromstring(body)
        except ET.ParseError:
            raise AzureError(400, "InvalidXmlDocument")
        if root.tag != "BlockList":
            raise AzureError(400, "InvalidXmlDocument")
        entries = [(child.tag, (child.text or "").strip()) for child in root]
        if len(entries) > MAX_COMMITTED_BLOCKS:
            raise AzureError(400, "BlockListTooLong")
        with self.azure.lock:
            blob = self._blobs(container).setdefault(blob_name, Blob())
            committed_by_id = dict(blob.committed)
            chosen: list[tuple[str, bytes]] = []
            for kind, block_id in entries:
                if kind == "Uncommitted":
                    data = blob.uncommitted.get(block_id)
                elif kind == "Committed":
                    data = committed_by_id.get(block_id)
                elif kind == "Latest":
                    data = blob.uncommitted.get(block_id, committed_by_id.get(block_id))
                else:
                    raise AzureError(400, "InvalidXmlDocument")
                if data is None:
                    raise AzureError(400, "InvalidBlockList")
                chosen.append((block_id, data))
            blob.committed = chosen
            blob.uncommitted = {}
            blob.content = b"".join(data for _, data in chosen)
            blob.exists = True
            blob.content_md5 = self.headers.get("x-ms-blob-content-md5")
            blob.content_type = self.headers.get("x-ms-blob-content-type") or "application/octet-stream"
            blob.metadata, blob.access_tier = properties
            blob.touch()
            etag, modified = blob.etag, blob.last_modified
        return 201, {"ETag": etag, "Last-Modified": _http_date(modified),
                     "x-ms-request-server-encrypted": "true"}, b""

    def _get_block_list(self, query: dict[str, str], container: str, blob_name: str):
        list_type = query.get("blocklisttype", "committed").lower()
        if list_type not in ("committed", "uncommitted", "all"):
            raise AzureError(400, "InvalidQueryParameterValue")
        with self.azure.lock:
            blob = self._blobs(container).get(blob_name)
            if blob is None or (not blob.exists and not blob.uncommitted):
                raise AzureError(404, "BlobNotFound")
            root = ET.Element("BlockList")
            if list_type in ("committed", "all"):
                section = ET.SubElement(root, "CommittedBlocks")
                for block_id, data in blob.committed:
                    block = ET.SubElement(section, "Block")
                    ET.SubElement(block, "Name").text = block_id
                    ET.SubElement(block, "Size").text = str(len(data))
            if list_type in ("uncommitted", "all"):
                section = ET.SubElement(root, "UncommittedBlocks")
                for block_id, data in blob.uncommitted.items():
                    block = ET.SubElement(section, "Block")
                    ET.SubElement(block, "Name").text = block_id
                    ET.SubElement(block, "Size").text = str(len(data))
            headers = {"Content-Type": "application/xml",
                       "x-ms-blob-content-length": str(len(blob.content) if blob.exists else 0)}
            if blob.exists:
                headers["ETag"] = blob.etag
                headers["Last-Modified"] = _http_date(blob.last_modified)
        body = b'<?xml version="1.0" encoding="utf-8"?>' + ET.tostring(root, encoding="utf-8", xml_declaration=False)
        return 200, headers, body

    def _get_blob(self, container: str, blob_name: str):
        with self.azure.lock:
            blob = self._blobs(container).get(blob_name)
            if blob is None or not blob.exists:
                raise AzureError(404, "BlobNotFound")
            content, etag = blob.content, blob.etag
            headers = {
                "Content-Type": blob.content_type,
                "ETag": blob.etag,
                "Last-Modified": _http_date(blob.last_modified),
                "x-ms-creation-time": _http_date(blob.created),
                "x-ms-blob-type": "BlockBlob",
                "x-ms-lease-state": "available",
                "x-ms-lease-status": "unlocked",
                "x-ms-server-encrypted": "true",
                "Accept-Ranges": "bytes",
                "x-ms-access-tier": blob.access_tier or "Hot",
                "x-ms-access-tier-inferred": "false" if blob.access_tier else "true",
            }
            headers.update({f"x-ms-meta-{name}": value for name, value in blob.metadata.items()})
            stored_md5 = blob.content_md5
        if_match = self.headers.get("If-Match")
        if if_match and if_match != "*" and if_match != etag:
            raise AzureError(412, "ConditionNotMet")
        range_header = self.headers.get("x-ms-range") or self.headers.get("Range")
        status = 200
        body = content
        if range_header:
            start, end = self._parse_range(range_header, len(content))
            body = content[start:end + 1]
            status = 206
            headers["Content-Range"] = f"bytes {start}-{end}/{len(content)}"
            if stored_md5:
                headers["x-ms-blob-content-md5"] = stored_md5
            if (self.headers.get("x-ms-range-get-content-md5") or "").lower() == "true":
                if len(body) > 4 * 1024 * 1024:
                    raise AzureError(400, "OutOfRangeInput",
                                     message="One of the request inputs is out of range.")
                headers["Content-MD5"] = base64.b64encode(hashlib.md5(body).digest()).decode()
        elif stored_md5:
            headers["Content-MD5"] = stored_md5
        headers["Content-Length"] = str(len(body))
        return status, headers, body

    @staticmethod
    def _parse_range(header: str, size: int) -> tuple[int, int]:
        text = header.strip()
        if not text.startswith("bytes="):
            raise AzureError(400, "InvalidHeaderValue")
        first, _, last = text[len("bytes="):].partition("-")
        try:
            start = int(first)
            end = int(last) if last else size - 1
        except ValueError:
            raise AzureError(400, "InvalidHeaderValue")
        if start >= size or end < start:
            raise AzureError(416, "InvalidRange")
        return start, min(end, size - 1)


def main() -> None:
    parser = argparse.ArgumentParser(description="Azure Blob test server (SAS-authenticated)")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--sig", required=True, help="the SAS signature every request must carry")
    parser.add_argument("--account", default=DEFAULT_ACCOUNT)
    parser.add_argument("--container", action="append", default=None)
    args = parser.parse_args()
    server = AzureBlobServer(args.sig, account=args.account,
                             containers=tuple(args.container or ["uploads"]), host=args.host, port=args.port)
    server.start()
    print(f"Azure Blob test server at {server.endpoint}", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()


if __name__ == "__main__":
    main()
