"""Hostile input on the storage side (issue: hostile input, round two): a file name or a
header option that tries to add headers, a server that answers 200 after half the body,
and one that answers 200 with an endless body.

What a user checks: the header lines the server saw, the final lastUpload and its
message, the bytes the server had to send."""
from __future__ import annotations

import socket
import threading
from urllib.parse import unquote

import pytest

from support.core_flow import MiB, expect_error, start_generic, trigger
from support.core_fixtures import make_file


class RawServer:
    """A one-purpose HTTP/1.1 server on a raw socket: `handle(conn, head, body_length)`
    decides what happens after the request head was read. Records each request's head."""

    def __init__(self, handle, receive_buffer: int | None = None):
        self.handle = handle
        self.heads: list[bytes] = []
        self.sent = 0
        self.listener = socket.socket()
        if receive_buffer:
            # A small window, as a far server's would be: unread bytes stay unacknowledged.
            self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, receive_buffer)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(16)
        self.port = self.listener.getsockname()[1]
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self._one, args=(conn,), daemon=True).start()

    def _one(self, conn: socket.socket) -> None:
        with conn:
            data = b""
            while b"\r\n\r\n" not in data:
                chunk = conn.recv(65536)
                if not chunk:
                    return
                data += chunk
            head, _, rest = data.partition(b"\r\n\r\n")
            self.heads.append(head)
            length = 0
            for line in head.split(b"\r\n")[1:]:
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value.strip())
            try:
                self.handle(self, conn, length, len(rest))
            except OSError:
                pass

    def header_lines(self, index: int = -1) -> list[tuple[str, str]]:
        lines = self.heads[index].decode("utf-8", "replace").split("\r\n")[1:]
        return [(n.strip(), v.strip()) for n, _, v in (line.partition(":") for line in lines)]

    def close(self) -> None:
        self.listener.close()


def read_body(conn: socket.socket, length: int, already: int) -> int:
    got = already
    while got < length:
        chunk = conn.recv(min(1 << 20, length - got))
        if not chunk:
            break
        got += len(chunk)
    return got


@pytest.fixture
def raw_server():
    servers = []

    def make(handle, **options):
        server = RawServer(handle, **options)
        servers.append(server)
        return server
    yield make
    for server in servers:
        server.close()


def answer_created(server, conn, length, already):
    read_body(conn, length, already)
    conn.sendall(b"HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n")


def test_a_file_name_cannot_add_headers(cloud, agent, files_dir, raw_server):
    name = 'q"uo\r\nX-Evil: 1;x=\\ü.log'
    make_file(files_dir / name, 1000)
    server = raw_server(answer_created)
    agent()
    (request,) = trigger(cloud, "named", 1)
    start_generic(cloud, request.value["correlationId"], server.url("/up/f"), **{"https.content.disposition": "true"})
    final = cloud.wait_last_upload("named", timeout=30)
    assert final["state"] == "SUCCESS", final
    (head,) = server.heads
    assert head.count(b"\r\n") == head.count(b"\n"), "a bare LF went out inside a header"
    lines = server.header_lines()
    dispositions = [value for name_, value in lines if name_.lower() == "content-disposition"]
    assert len(dispositions) == 1, lines
    assert not any(n.lower() == "x-evil" for n, _ in lines), lines
    assert sorted(n.lower() for n, _ in lines) == sorted(["host", "accept", "content-type", "content-length",
                                                          "content-disposition"]), lines
    encoded = dispositions[0].split("filename*=UTF-8''", 1)[1]
    assert unquote(encoded, encoding="utf-8") == name


@pytest.mark.parametrize("key,value", [("https.header.X-Test", "ok\r\nX-Injected: hv"),
                                       ("https.header.X-Test", "ok\nX-Injected: hv"),
                                       ("https.header.X:Test", "v"), ("https.header.X Test", "v")])
def test_header_options_that_are_not_one_header_are_refused(cloud, agent, files_dir, raw_server, key, value):
    make_file(files_dir / "a.log", 100)
    server = raw_server(answer_created)
    agent()
    (request,) = trigger(cloud, "opts", 1)
    child = request.value["correlationId"]
    answer = expect_error(cloud, "start", {"correlationID": child, "options": {
        "storage.provider": "generic", "https.url": server.url("/up/a"), key: value}}, 400)
    assert "hv" not in answer["message"] and "https.header." in answer["message"], answer
    assert server.heads == []


def test_a_server_that_answers_200_after_half_the_body_is_not_a_success(cloud, agent, files_dir, raw_server):
    def half_then_ok(server, conn, length, already):
        read_body(conn, length // 2, already)
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
        conn.shutdown(socket.SHUT_RDWR)

    make_file(files_dir / "half.bin", 2 * MiB)
    server = raw_server(half_then_ok, receive_buffer=64 * 1024)
    agent(retryAttempts=2)
    (request,) = trigger(cloud, "half", 1)
    start_generic(cloud, request.value["correlationId"], server.url("/up/half"))
    final = cloud.wait_last_upload("half", timeout=60)
    assert final["state"] == "FAILED", final
    assert f"of {2 * MiB} bytes" in final["message"] and "answered HTTP 200 after" in final["message"], final
    assert len(server.heads) == 2, "the early answer was not retried"
    assert all(v["state"] != "SUCCESS" for v in cloud.last_uploads("half"))


def test_a_success_with_an_endless_body_is_not_read_to_its_end(cloud, agent, files_dir, raw_server):
    def endless(server, conn, length, already):
        read_body(conn, length, already)
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % (1 << 30))
        block = b"x" * 65536
        while server.sent < (1 << 30):
            conn.sendall(block)
            server.sent += len(block)

    make_file(files_dir / "e.bin", 100_000)
    server = raw_server(endless)
    agent()
    (request,) = trigger(cloud, "endless", 1)
    start_generic(cloud, request.value["correlationId"], server.url("/up/e"))
    final = cloud.wait_last_upload("endless", timeout=30)
    assert final["state"] == "SUCCESS", final
    # What the agent read is at most the bound; the rest is what the sockets buffer.
    assert server.sent < 32 * MiB, f"the server sent {server.sent} bytes of its answer"
