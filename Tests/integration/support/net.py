"""Small network and polling helpers shared by the test peers.

Tests never sleep for a fixed time: they poll a condition with a short interval until a
deadline, so a fast agent makes a fast test and a slow one a clear failure message.
"""
from __future__ import annotations

import socket
import time
from typing import Callable, Optional, TypeVar

T = TypeVar("T")


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nobody listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def port_accepts(port: int, host: str = "127.0.0.1") -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.2):
            return True
    except OSError:
        return False


def wait_until(condition: Callable[[], Optional[T]], timeout: float = 10.0,
               interval: float = 0.05, message: str = "condition") -> T:
    """Polls `condition` until it returns something truthy; returns that value.

    Raises AssertionError naming `message` when the deadline passes.
    """
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise AssertionError(f"timed out after {timeout:.1f}s waiting for {message}")
        time.sleep(interval)


def holds_for(condition: Callable[[], bool], duration: float, interval: float = 0.05) -> bool:
    """True when `condition` stays true for the whole `duration` (used for 'nothing happens')."""
    deadline = time.monotonic() + duration
    while time.monotonic() < deadline:
        if not condition():
            return False
        time.sleep(interval)
    return condition()
