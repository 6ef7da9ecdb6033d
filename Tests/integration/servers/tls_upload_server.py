"""The fault-injecting upload sink (fault_server.py) behind TLS, recording every handshake.

Why this exists: uploads go to https:// endpoints signed by private CAs, endpoints that
demand a client certificate, and old appliances that still speak TLS 1.0/1.1. Tests must
show that the agent verifies the server (and sends no byte of the file to one it cannot
verify), presents `uploadCert`/`uploadKey`, and refuses old protocol versions. A failed
handshake never becomes an HTTP request, so the server records each handshake itself:
a test can tell "the agent connected and was refused" from "the agent never came".

The handshake runs in the connection's own thread, so one slow client does not hold up
the others. Everything else (scripts, `stored()`, `uploads()`) is FaultServer's.

Use from a test::

    context = TlsUploadServer.context(cert, key, client_ca=ca)   # client_ca: require a client cert
    server = TlsUploadServer.start(context=context)
    ... upload to server.url("/up/file.bin") ...
    assert server.handshakes[0].ok and server.stored("/up/file.bin") == (size, sha256)

Standalone::

    python tls_upload_server.py --cert server.crt --key server.key [--client-ca ca.crt] [--max-tls 1.1]
"""

from __future__ import annotations

import argparse
import dataclasses
import ssl
import sys
import threading
import time
from typing import Optional

try:  # imported as part of the `servers` package
    from .fault_server import FaultServer, _Server
except ImportError:  # run as a script from this folder
    from fault_server import FaultServer, _Server

TLS_VERSIONS = {"1.0": ssl.TLSVersion.TLSv1, "1.1": ssl.TLSVersion.TLSv1_1,
                "1.2": ssl.TLSVersion.TLSv1_2, "1.3": ssl.TLSVersion.TLSv1_3}


@dataclasses.dataclass
class Handshake:
    """One TLS handshake attempt by a client."""

    ok: bool
    version: Optional[str] = None       # "TLSv1.3", … when ok
    client_subject: Optional[str] = None  # CN of the client certificate, when one was verified
    error: str = ""
    at: float = dataclasses.field(default_factory=time.time)


class _TlsServer(_Server):
    """Accepts TCP, then does the TLS handshake in the connection's thread."""

    def finish_request(self, request, client_address) -> None:
        owner: TlsUploadServer = self.owner  # type: ignore[assignment]
        request.settimeout(10)
        try:
            tls = owner.ssl_context.wrap_socket(request, server_side=True)
        except (ssl.SSLError, OSError) as error:
            owner._add_handshake(Handshake(ok=False, error=f"{type(error).__name__}: {error}"))
            return
        try:
            tls.settimeout(None)
            owner._add_handshake(Handshake(ok=True, version=tls.version(),
                                           client_subject=_common_name(tls.getpeercert())))
            super().finish_request(tls, client_address)
        finally:
            try:
                tls.close()
            except OSError:
                pass


def _common_name(certificate: Optional[dict]) -> Optional[str]:
    if not certificate:
        return None
    for rdn in certificate.get("subject", ()):
        for key, value in rdn:
            if key == "commonName":
                return value
    return None


class TlsUploadServer(FaultServer):
    """A FaultServer that speaks HTTPS with the given `ssl.SSLContext`."""

    server_class = _TlsServer

    def __init__(self, context: ssl.SSLContext, **kwargs) -> None:
        self.ssl_context = context
        self._handshakes: list[Handshake] = []
        self._handshake_lock = threading.Lock()
        super().__init__(**kwargs)

    @staticmethod
    def context(cert: str, key: str, client_ca: Optional[str] = None,
                max_version: Optional[ssl.TLSVersion] = None) -> ssl.SSLContext:
        """A server context; `client_ca` makes a client certificate signed by it mandatory;
        `max_version` at TLS 1.1 or lower offers only those old versions."""
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert, key)
        if client_ca:
            context.verify_mode = ssl.CERT_REQUIRED
            context.load_verify_locations(client_ca)
        if max_version is not None:
            if max_version <= ssl.TLSVersion.TLSv1_1:
                # OpenSSL 3 only speaks TLS < 1.2 at security level 0.
                context.set_ciphers("DEFAULT:@SECLEVEL=0")
                context.minimum_version = ssl.TLSVersion.TLSv1
            context.maximum_version = max_version
        return context

    def url(self, path: str = "/", host: Optional[str] = None) -> str:
        if not path.startswith("/"):
            path = "/" + path
        return f"https://{host or self.host}:{self.port}{path}"

    @property
    def handshakes(self) -> list[Handshake]:
        with self._handshake_lock:
            return list(self._handshakes)

    def _add_handshake(self, handshake: Handshake) -> None:
        with self._handshake_lock:
            self._handshakes.append(handshake)


def old_tls_available(context: ssl.SSLContext) -> Optional[str]:
    """None when this machine's OpenSSL can complete a TLS ≤ 1.1 handshake with `context`
    (a server context limited to old versions); otherwise the reason it cannot."""
    import socket

    client = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    client.check_hostname = False
    client.verify_mode = ssl.CERT_NONE
    try:
        client.set_ciphers("DEFAULT:@SECLEVEL=0")
        client.minimum_version = ssl.TLSVersion.TLSv1
        client.maximum_version = ssl.TLSVersion.TLSv1_1
    except (ValueError, ssl.SSLError) as error:
        return f"the ssl module cannot be limited to TLS 1.1: {error}"
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    outcome: dict = {}

    def serve() -> None:
        connection, _ = listener.accept()
        connection.settimeout(5)
        try:
            with context.wrap_socket(connection, server_side=True) as tls:
                outcome["version"] = tls.version()
        except (ssl.SSLError, OSError) as error:
            outcome["error"] = str(error)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        with socket.create_connection(listener.getsockname(), timeout=5) as raw:
            with client.wrap_socket(raw) as tls:
                version = tls.version()
    except (ssl.SSLError, OSError) as error:
        return f"OpenSSL here will not complete a TLS 1.1 handshake: {error}"
    finally:
        thread.join(5)
        listener.close()
    if version not in ("TLSv1", "TLSv1.1"):
        return f"asked for TLS <= 1.1 but negotiated {version}"
    return None


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--cert", required=True)
    parser.add_argument("--key", required=True)
    parser.add_argument("--client-ca", help="require a client certificate signed by this CA")
    parser.add_argument("--max-tls", choices=sorted(TLS_VERSIONS), help="highest TLS version offered")
    parser.add_argument("--quiet", action="store_true")
    args = parser.parse_args(argv)
    context = TlsUploadServer.context(args.cert, args.key, args.client_ca,
                                      TLS_VERSIONS[args.max_tls] if args.max_tls else None)
    server = TlsUploadServer.start(context=context, host=args.host, port=args.port,
                                   verbose=not args.quiet)
    print(f"tls_upload_server listening on {server.url('/')}", flush=True)
    server.serve_until_interrupted(lambda: [print(dataclasses.asdict(h)) for h in server.handshakes])
    return 0


if __name__ == "__main__":
    sys.exit(main())
