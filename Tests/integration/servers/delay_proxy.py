"""A TCP proxy on 127.0.0.1 that delays every byte by a fixed time in each direction.

Why: loopback hides latency. A backend 50-300 ms away makes every request -> start round
trip cost that much, which decides how many requests must be outstanding to keep the
upload slots busy. Put between a client and the broker (or a storage server), it forwards
bytes in order, each chunk `delay` seconds after it arrived; bandwidth is not limited.
"""
from __future__ import annotations

import collections
import socket
import threading
import time
from typing import List


class DelayProxy:
    def __init__(self, upstream_port: int, delay: float, upstream_host: str = "127.0.0.1") -> None:
        self.upstream = (upstream_host, upstream_port)
        self.delay = delay
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(64)
        self.port = self._listener.getsockname()[1]
        self._closed = threading.Event()
        self._sockets: List[socket.socket] = []
        self.connections = 0  # accepted so far
        self._lock = threading.Lock()

    def start(self) -> "DelayProxy":
        threading.Thread(target=self._accept, name="delay-proxy", daemon=True).start()
        return self

    def close(self) -> None:
        self._closed.set()
        self._listener.close()
        with self._lock:
            for sock in self._sockets:
                try:
                    sock.close()
                except OSError:
                    pass

    def _accept(self) -> None:
        while not self._closed.is_set():
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            try:
                server = socket.create_connection(self.upstream)
            except OSError:
                client.close()
                continue
            for sock in (client, server):
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            with self._lock:
                self._sockets += [client, server]
                self.connections += 1
            self._pipe(client, server)
            self._pipe(server, client)

    def _pipe(self, source: socket.socket, target: socket.socket) -> None:
        """Reads from `source` as fast as it comes; writes each chunk `delay` later, in order."""
        queue: collections.deque = collections.deque()
        ready = threading.Condition()

        def read() -> None:
            while True:
                try:
                    data = source.recv(65536)
                except OSError:
                    data = b""
                with ready:
                    queue.append((time.monotonic() + self.delay, data))
                    ready.notify()
                if not data:
                    return

        def write() -> None:
            while True:
                with ready:
                    while not queue:
                        ready.wait()
                    due, data = queue.popleft()
                wait = due - time.monotonic()
                if wait > 0:
                    time.sleep(wait)
                if not data:
                    try:
                        target.shutdown(socket.SHUT_WR)
                    except OSError:
                        pass
                    return
                try:
                    target.sendall(data)
                except OSError:
                    return

        threading.Thread(target=read, daemon=True).start()
        threading.Thread(target=write, daemon=True).start()
