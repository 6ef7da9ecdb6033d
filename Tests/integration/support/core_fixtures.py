"""Shared pytest fixtures: broker, http_sink, agent, cloud (plus auth/TLS broker variants).

Why: every area's tests drive the same agent binary against the same peers; keeping the
fixtures in one module means one way to start things and one way to clean them up.
"""
from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from .agent_process import AgentFactory, agent_binary, run_cli
from .cloud_client import CloudClient
from .http_sink import HttpSink
from .mosquitto_broker import MosquittoBroker


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """On failure, attach the agent log tail(s) and the broker log tail to the report."""
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)
    if report.failed:
        factory = item.funcargs.get("agent") if hasattr(item, "funcargs") else None
        if isinstance(factory, AgentFactory):
            tails = factory.log_tails()
            if tails:
                report.sections.append(("agent log tail", tails))


@pytest.fixture
def broker(tmp_path):
    """Anonymous mosquitto on a free port; `.restart()`, `.stop()`, `.start()`, `.url`."""
    instance = MosquittoBroker(tmp_path / "broker").start()
    yield instance
    instance.stop()


@pytest.fixture
def persistent_broker(tmp_path):
    """mosquitto whose sessions and queued messages survive `.restart()` / `.stop()`+`.start()`."""
    instance = MosquittoBroker(tmp_path / "broker-persistent", persistent=True).start()
    yield instance
    instance.stop()


@pytest.fixture
def persistent_cloud(persistent_broker):
    """A cloud client with a persistent session on `persistent_broker`: it sees every QoS 1
    message the agent publishes, even while the broker restarts."""
    client = CloudClient(persistent_broker, client_id="itest-cloud-persistent", clean_session=False).connect()
    yield client
    client.close()


@pytest.fixture
def broker_auth(tmp_path):
    """mosquitto that requires username 'edge' / password 'broker-s3cret-pw'."""
    instance = MosquittoBroker(tmp_path / "broker-auth", username="edge", password="broker-s3cret-pw").start()
    yield instance
    instance.stop()


@pytest.fixture
def broker_tls(tmp_path):
    """mosquitto with TLS only; `.tls.ca_cert` is the CA to trust; `.url` is ssl://127.0.0.1:PORT."""
    instance = MosquittoBroker(tmp_path / "broker-tls", tls=True).start()
    yield instance
    instance.stop()


@pytest.fixture
def http_sink():
    """Threaded HTTP sink hashing PUT/POST bodies; see support/http_sink.py."""
    sink = HttpSink()
    yield sink
    sink.close()


@pytest.fixture
def cloud(broker):
    """paho-mqtt client on `broker` playing the backend; see support/cloud_client.py."""
    client = CloudClient(broker, extra_subscriptions=["edge/thing/request"]).connect()
    yield client
    client.close()


@pytest.fixture
def agent(request, tmp_path):
    """Factory: `agent(**config_overrides)` -> running AgentProcess (killed at teardown).

    Uses the `broker` fixture unless `broker=` is given.
    """
    factory = AgentFactory(tmp_path, lambda: request.getfixturevalue("broker"))
    yield factory
    factory.teardown()


@pytest.fixture
def files_dir(agent):
    """The folder the default `files` glob points at (tmp_path/files)."""
    return agent.files_dir


@pytest.fixture(scope="session")
def agent_bin():
    """Path to the binary; skips nothing: a missing binary is a failure, not a skip."""
    return agent_binary()


def make_file(path: Path, size: int, seed: int = 0) -> str:
    """Writes `size` pseudo-random bytes to `path`; returns their SHA-256 hex."""
    path.parent.mkdir(parents=True, exist_ok=True)
    sha = hashlib.sha256()
    block = hashlib.sha256(f"seed{seed}".encode()).digest() * 2048  # 64 KiB pattern
    counter = 0
    with open(path, "wb") as out:
        remaining = size
        while remaining > 0:
            chunk = bytes([counter & 0xFF]) + block[1:]
            chunk = chunk[:remaining]
            out.write(chunk)
            sha.update(chunk)
            remaining -= len(chunk)
            counter += 1
    return sha.hexdigest()


__all__ = ["make_file", "run_cli"]
