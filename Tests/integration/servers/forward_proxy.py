"""A small HTTP forward proxy on 127.0.0.1 that records what passed through it.

Why this exists: gateways often reach the internet only through a corporate proxy, so
the agent must honour its `proxy` config key and libcurl's `http_proxy` / `https_proxy` /
`no_proxy` environment. A test can only prove that a request went through a proxy (and
that `no_proxy` bypasses it) with a proxy that says what it saw.

For http:// targets a client sends the absolute URI (`PUT http://127.0.0.1:PORT/path
HTTP/1.1`); the proxy forwards the request to that origin, streaming the body, relays the
answer and records a `ProxiedRequest`. For https:// targets a client sends `CONNECT
host:port`; the proxy opens a tunnel and records the CONNECT (it cannot see inside).
Only 127.0.0.1 / localhost origins are forwarded: this proxy never reaches the outside.

Use from a test::

    proxy = ForwardProxy.start()
    ... run the agent with proxy.url ...
    assert [r.target for r in proxy.seen] == ["http://127.0.0.1:PORT/path"]
    proxy.stop()

Standalone::

    python forward_proxy.py --port 3128
"""

from __future__ import annotations

import argparse
import dataclasses
import http.client
import select
import socket
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler
from typing import Optional
from urllib.parse import urlsplit

try:  # imported as part of the `servers` package
    from .http_faults import BackgroundServer, OwnedHTTPServer
except ImportError:  # run as a script
    from http_faults import BackgroundServer, OwnedHTTPServer

ALLOWED_HOSTS = ("127.0.0.1", "localhost")
HOP_BY_HOP = {"proxy-connection", "proxy-authorization", "connection", "keep-alive", "te",
              "trailer", "upgrade"}
BLOCK = 65536


@dataclasses.dataclass
class ProxiedRequest:
    """One request the proxy handled: the request line as received and what was relayed."""

    method: str
    target: str               # the absolute URI (or host:port for CONNECT) from the request line
    headers: dict             # lower-cased names -> value
    body_bytes: int = 0       # body bytes forwarded to the origin
    status: Optional[int] = None  # the origin's answer (200 for an established tunnel)
    error: str = ""
    started_at: float = dataclasses.field(default_factory=time.time)


class _ProxyHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: "_ProxyServer"

    def log_message(self, format: str, *args) -> None:  # noqa: A002 (stdlib signature)
        if self.server.owner.verbose:
            sys.stderr.write("forward_proxy: " + (format % args) + "\n")

    def _refuse(self, status: int, text: str) -> None:
        body = text.encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)
        self.close_connection = True

    def _record(self) -> ProxiedRequest:
        record = ProxiedRequest(method=self.command, target=self.path,
                                headers={k.lower(): v for k, v in self.headers.items()})
        self.server.owner._add(record)
        return record

    # -- plain HTTP: absolute-URI requests ------------------------------------------
    def do_PUT(self) -> None:
        self._forward()

    def do_POST(self) -> None:
        self._forward()

    def do_GET(self) -> None:
        self._forward()

    def do_HEAD(self) -> None:
        self._forward()

    def do_DELETE(self) -> None:
        self._forward()

    def _forward(self) -> None:
        record = self._record()
        parts = urlsplit(self.path)
        if parts.scheme != "http" or parts.hostname not in ALLOWED_HOSTS:
            record.status = 400
            record.error = "not an absolute http:// URI to 127.0.0.1"
            self._refuse(400, "this proxy forwards absolute http://127.0.0.1 URIs only\n")
            return
        path = parts.path or "/"
        if parts.query:
            path += "?" + parts.query
        upstream = http.client.HTTPConnection(parts.hostname, parts.port or 80, timeout=60)
        try:
            upstream.putrequest(self.command, path, skip_host=True, skip_accept_encoding=True)
            for name, value in self.headers.items():
                if name.lower() not in HOP_BY_HOP and name.lower() != "expect":
                    upstream.putheader(name, value)
            upstream.putheader("Connection", "close")
            upstream.endheaders()
            record.body_bytes = self._relay_body(upstream)
            response = upstream.getresponse()
            body = response.read()
        except (OSError, http.client.HTTPException) as error:
            record.error = f"{type(error).__name__}: {error}"
            record.status = 502
            try:
                self._refuse(502, f"bad gateway: {error}\n")
            except OSError:
                pass
            return
        finally:
            upstream.close()
        record.status = response.status
        self.send_response(response.status, response.reason)
        for name, value in response.getheaders():
            if name.lower() not in HOP_BY_HOP and name.lower() != "content-length":
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if body and self.command != "HEAD":
            self.wfile.write(body)

    def _relay_body(self, upstream: http.client.HTTPConnection) -> int:
        """Streams the client's body to the origin as it arrives; returns its length."""
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            sent = 0
            while True:
                line = self.rfile.readline(1024)
                upstream.send(line)
                size = int(line.split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while True:  # trailers, then the empty line
                        trailer = self.rfile.readline(1024)
                        upstream.send(trailer)
                        if trailer in (b"\r\n", b"\n", b""):
                            return sent
                remaining = size
                while remaining > 0:
                    data = self.rfile.read1(min(BLOCK, remaining))
                    if not data:
                        raise ConnectionError("client closed inside a chunk")
                    upstream.send(data)
                    remaining -= len(data)
                    sent += len(data)
                upstream.send(self.rfile.readline(1024))
        remaining = int(self.headers.get("Content-Length") or 0)
        sent = 0
        while remaining > 0:
            data = self.rfile.read1(min(BLOCK, remaining))
            if not data:
                raise ConnectionError("client closed before the body ended")
            upstream.send(data)
            remaining -= len(data)
            sent += len(data)
        return sent

    # -- HTTPS: CONNECT tunnels -----------------------------------------------------
    def do_CONNECT(self) -> None:
        record = self._record()
        host, _, port = self.path.rpartition(":")
        if host.strip("[]") not in ALLOWED_HOSTS or not port.isdigit():
            record.status = 403
            self._refuse(403, "this proxy tunnels to 127.0.0.1 only\n")
            return
        try:
            upstream = socket.create_connection((host.strip("[]"), int(port)), timeout=10)
        except OSError as error:
            record.status = 502
            record.error = str(error)
            self._refuse(502, f"cannot connect: {error}\n")
            return
        record.status = 200
        self.send_response(200, "Connection established")
        self.end_headers()
        self.wfile.flush()
        self._tunnel(self.connection, upstream, record)
        self.close_connection = True

    def _tunnel(self, client: socket.socket, upstream: socket.socket, record: ProxiedRequest) -> None:
        upstream.settimeout(None)
        sockets = [client, upstream]
        try:
            while True:
                readable, _, _ = select.select(sockets, [], [], 60)
                if not readable:
                    return
                for source in readable:
                    data = source.recv(BLOCK)
                    if not data:
                        return
                    target = upstream if source is client else client
                    target.sendall(data)
                    if source is client:
                        record.body_bytes += len(data)
        except OSError as error:
            record.error = str(error)
        finally:
            upstream.close()


class _ProxyServer(OwnedHTTPServer):
    handler_class = _ProxyHandler


class ForwardProxy(BackgroundServer):
    """A running forward proxy (see the module doc)."""

    thread_name = "forward-proxy"

    def __init__(self, host: str = "127.0.0.1", port: int = 0, verbose: bool = False) -> None:
        self.verbose = verbose
        self._lock = threading.Lock()
        self._seen: list[ProxiedRequest] = []
        self._httpd = _ProxyServer((host, port), self)
        self._thread: Optional[threading.Thread] = None

    @property
    def url(self) -> str:  # the proxy's own address, as `proxy` / `http_proxy` want it
        return f"http://127.0.0.1:{self.port}"

    @property
    def seen(self) -> list[ProxiedRequest]:
        """Every request the proxy received so far, oldest first."""
        with self._lock:
            return [dataclasses.replace(r) for r in self._seen]

    def _add(self, record: ProxiedRequest) -> None:
        with self._lock:
            self._seen.append(record)


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--quiet", action="store_true")
    args = parser.parse_args(argv)
    proxy = ForwardProxy.start(host=args.host, port=args.port, verbose=not args.quiet)
    print(f"forward_proxy listening on {proxy.url}", flush=True)
    proxy.serve_until_interrupted()
    return 0


if __name__ == "__main__":
    sys.exit(main())
