"""Fixtures and checks of the resume tests (test_resume_*.py): a counting proxy in front of
any storage server, waiting for the journal, kill -9 at a held request, and the check that
secrets live only in `credentials.log` (0600) and only while uploads run.

Why here: every provider's resume test walks the same path (start, hold the upload at one
point, kill -9, restart with the same stateDir, count what was sent again); the provider
tests differ only in where they hold and how they read back what the server stored.
"""
from __future__ import annotations

import stat
import time
from pathlib import Path
from typing import Callable, Iterable, List
from urllib.parse import quote

import pytest

from servers.counting_proxy import CountingProxy

from .agent_process import AgentFactory, AgentProcess
from .cloud_client import CloudClient
from .core_flow import expect_ok, trigger

MiB = 1024 * 1024
CREDENTIALS_LOG = "credentials.log"
JOURNAL_LOG = "journal.log"


@pytest.fixture
def counting_proxy():
    """Factory: `counting_proxy(upstream_port)` -> a started `CountingProxy` (stopped at teardown)."""
    proxies: List[CountingProxy] = []

    def make(upstream_port: int) -> CountingProxy:
        proxy = CountingProxy(upstream_port).start()
        proxies.append(proxy)
        return proxy

    yield make
    for proxy in proxies:
        proxy.stop()


def state_dir(agent: AgentFactory) -> Path:
    return agent.tmp_path / "state"


def wait_until(predicate: Callable[[], bool], timeout: float = 15.0, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} not met within {timeout}s")
        time.sleep(0.02)


def wait_journal(agent: AgentFactory, text: str, timeout: float = 10.0) -> None:
    """Waits until the journal on disk names `text` (an upload id, a state)."""
    journal = state_dir(agent) / JOURNAL_LOG
    wait_until(lambda: journal.exists() and text in journal.read_text(errors="replace"), timeout,
               f"journal naming {text!r}")


def start_one(cloud: CloudClient, parent: str, options: dict) -> str:
    """trigger `parent` for the one file in files_dir, answer its request with `options`; returns the file id."""
    [request] = trigger(cloud, parent, 1)
    child = request.value["correlationId"]
    expect_ok(cloud, "start", {"correlationID": child, "options": options})
    return child


#: Where the upload is held for the kill: the first pieces (parts, blocks) on the wire; the
#: first two pieces stored and the third on the wire; every piece stored but the commit
#: (CompleteMultipartUpload, Put Block List) held; the commit done but its answer held.
POINTS = ("first_in_flight", "half_way", "before_commit", "after_commit")


def hold_at(proxy: CountingProxy, point: str, *, is_piece: Callable[..., bool], stored: int,
            is_commit: Callable[..., bool]) -> Callable[[], None]:
    """Holds the upload at `point` of POINTS; returns a function that waits until it is there.
    `is_piece(record, number=None)` tells a part/block request (of that 1-based number);
    `stored` is the status that answers a stored piece."""
    if point == "first_in_flight":
        hold = proxy.hold(is_piece, after_bytes=MiB)
    elif point == "half_way":
        hold = proxy.hold(lambda r: is_piece(r, 3), after_bytes=MiB)
    elif point == "before_commit":
        hold = proxy.hold(is_commit)
    elif point == "after_commit":
        hold = proxy.hold(is_commit, stage="response")
    else:
        raise ValueError(point)

    def arrived() -> None:
        hold.wait_held(1)
        if point == "half_way":
            proxy.wait_for(lambda records: sum(1 for r in records if is_piece(r) and r.status == stored) == 2,
                           what="pieces 1 and 2 stored")
    return arrived


def kill_at_hold(process: AgentProcess, proxy: CountingProxy) -> None:
    """kill -9 while requests are held, then let the proxy abandon them (the server keeps
    nothing of a body that broke off) and wait until it is done with every request."""
    process.kill()
    proxy.release_all()
    proxy.wait_idle()


def restart(agent: AgentFactory, **config) -> AgentProcess:
    """The agent again, with the same config and so the same stateDir."""
    return agent(**config)


def secret_bearing_files(agent: AgentFactory) -> List[Path]:
    """Everything a secret must not leak into, plus the credential store: every file under
    stateDir, the status file and every agent log."""
    files = [p for p in state_dir(agent).rglob("*") if p.is_file()]
    files.append(agent.tmp_path / "status.json")
    files += [p.log_path for p in agent.instances]
    return [p for p in files if p.exists()]


def secret_forms(secret: str) -> List[str]:
    """A secret as it may be written: as is, JSON-escaped (`\\/`), percent-encoded."""
    return sorted({secret, secret.replace("/", "\\/"), quote(secret, safe=""), quote(secret, safe="/")})


def assert_secrets_confined(agent: AgentFactory, secrets: Iterable[str], *, uploads_ended: bool) -> None:
    """While uploads run, secrets appear only in credentials.log, mode 0600; once they all
    ended, nowhere (and credentials.log is gone)."""
    secrets = [s for s in secrets if s]
    assert secrets
    forms = {s: secret_forms(s) for s in secrets}
    store = state_dir(agent) / CREDENTIALS_LOG
    # The store is written off the agent's main path: give it a moment either way.
    if uploads_ended:
        wait_until(lambda: not store.exists(), 5, f"{store} removed once every upload ended")
    else:
        wait_until(lambda: store.exists() and any(form in store.read_text(errors="replace")
                                                  for s in secrets for form in forms[s]),
                   5, f"{store} holding the start options while an upload runs")
    for path in secret_bearing_files(agent):
        text = path.read_bytes().decode("utf-8", errors="replace")
        found = [s[:6] + "…" for s in secrets if any(form in text for form in forms[s])]
        if path == store and not uploads_ended:
            mode = stat.S_IMODE(path.stat().st_mode)
            assert mode == 0o600, f"{path} has mode {oct(mode)}"
            continue
        assert not found, f"secret(s) {found} found in {path}"
