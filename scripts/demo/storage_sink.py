#!/usr/bin/env python3
"""The demo's cloud storage: an HTTP endpoint that stores every PUT (or POST) body as a file.

    storage_sink.py --port 8000 --dir demo/storage

`PUT /<name>` writes demo/storage/<name> (through <name>.part, renamed when the body is
complete) and answers 201. A `Content-MD5` header, as the agent sends with `checksum` on,
is checked: a body that does not match is answered 400 and not kept, as real storage does.
Standard library only.
"""
from __future__ import annotations

import argparse
import base64
import hashlib
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

CHUNK = 256 * 1024


class StorageHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    storage: Path = Path("storage")

    def do_PUT(self) -> None:
        self.store()

    def do_POST(self) -> None:
        self.store()

    def store(self) -> None:
        name = unquote(urlsplit(self.path).path).strip("/")
        if not name or any(part in ("", ".", "..") for part in name.split("/")):
            return self.answer(400, f"bad object name {name!r}")
        target = self.storage / name
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(target.name + ".part")
        md5 = hashlib.md5()
        try:
            with open(partial, "wb") as out:
                for data in self.body():
                    md5.update(data)
                    out.write(data)
        except (ConnectionError, OSError, ValueError) as error:
            partial.unlink(missing_ok=True)
            self.close_connection = True
            self.log_message("upload of %s broke off: %s", name, error)
            return
        expected = self.headers.get("Content-MD5")
        if expected and expected != base64.b64encode(md5.digest()).decode():
            partial.unlink(missing_ok=True)
            return self.answer(400, "Content-MD5 does not match the body")
        partial.replace(target)
        self.log_message("stored %s (%d bytes)", target, target.stat().st_size)
        self.answer(201, "")

    def body(self):
        """The request body in chunks, for Content-Length and chunked requests."""
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            while (size := int(self.rfile.readline(1024).split(b";")[0].strip() or b"0", 16)) > 0:
                yield from self.exactly(size)
                self.rfile.readline(1024)
            while self.rfile.readline(1024) not in (b"\r\n", b"\n", b""):
                pass
        else:
            yield from self.exactly(int(self.headers.get("Content-Length") or 0))

    def exactly(self, remaining: int):
        while remaining > 0:
            data = self.rfile.read1(min(CHUNK, remaining))
            if not data:
                raise ConnectionError("client closed the connection before the body ended")
            remaining -= len(data)
            yield data

    def answer(self, status: int, message: str) -> None:
        body = message.encode()
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, fmt: str, *args) -> None:
        sys.stderr.write("storage: " + (fmt % args) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--dir", type=Path, required=True)
    args = parser.parse_args()
    args.dir.mkdir(parents=True, exist_ok=True)
    StorageHandler.storage = args.dir
    server = ThreadingHTTPServer(("127.0.0.1", args.port), StorageHandler)
    server.daemon_threads = True
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
