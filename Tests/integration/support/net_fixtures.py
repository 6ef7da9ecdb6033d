"""Pytest fixtures for the network test peers (fault-injecting sink, GCS resumable endpoint).

Why this exists: tests of "uploads that survive real networks" need a fresh,
misbehaving server per test, started on a free 127.0.0.1 port and stopped afterwards.
Registered through `pytest_plugins` in Tests/integration/conftest.py.
"""

from __future__ import annotations

import pytest

from servers.fault_server import FaultServer
from servers.gcs_resumable_server import GCSResumableServer
from servers.http_faults import Fault


@pytest.fixture
def fault_server():
    """A FaultServer on 127.0.0.1:<free port>; `set_script([...])` to break requests."""
    server = FaultServer.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def gcs_server():
    """A GCSResumableServer; `create_session()` gives a session URL to upload to."""
    server = GCSResumableServer.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def fault():
    """The `Fault` constructors, so tests need no import: `fault.drop(after_bytes=1000)`."""
    return Fault
