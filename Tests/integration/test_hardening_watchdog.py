"""Issue 11 item 4: the watchdog pings only while the agent's parts answer.

Why: WATCHDOG=1 used to come from an independent timer, so a wedged feature actor or
transfer thread kept being reported healthy and systemd never restarted it. The
test-only debug build's fault hook (FILE_UPLOAD_AGENT_FAULT=wedge-feature@S / wedge-engine@S) blocks one
part S seconds after start; the pings must stop within half of WatchdogSec.
"""
import socket
import time

import pytest

from support.agent_process import hooks_binary
from support.core_flow import expect_ok


@pytest.fixture(autouse=True)
def binary_with_hooks(monkeypatch):
    monkeypatch.setenv("AGENT_BIN", str(hooks_binary()))



def datagrams_with_times(sock: socket.socket, seconds: float) -> list:
    """(arrival time, text) of every datagram within `seconds`."""
    received = []
    until = time.monotonic() + seconds
    while time.monotonic() < until:
        sock.settimeout(max(0.01, until - time.monotonic()))
        try:
            received.append((time.monotonic(), sock.recv(4096).decode()))
        except socket.timeout:
            break
    return received


@pytest.mark.parametrize("part", ["feature", "engine"])
def test_pings_stop_when_a_part_is_wedged(agent, broker, cloud, tmp_path, monkeypatch, part):
    notify_path = tmp_path / "notify.sock"
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(str(notify_path))
    monkeypatch.setenv("NOTIFY_SOCKET", str(notify_path))
    monkeypatch.setenv("WATCHDOG_USEC", "400000")  # answers needed within 0.2 s
    monkeypatch.setenv("FILE_UPLOAD_AGENT_FAULT", f"wedge-{part}@2")
    started = time.monotonic()
    process = agent()
    expect_ok(cloud, "deactivate", {})  # the agent works before the wedge
    received = datagrams_with_times(sock, 4.5 - (time.monotonic() - started))
    pings = [at - started for at, text in received if text == "WATCHDOG=1"]
    assert len([t for t in pings if t < 1.8]) >= 4, pings
    # Wedged at ~2 s (counted from the first check, a little after the start): the last
    # ping comes at most half of WatchdogSec later, and none after.
    assert pings and max(pings) < 3.0, pings
    assert f"the {'feature' if part == 'feature' else 'transfer engine'} has not answered" in process.log_text()
    process.kill()
    sock.close()


def test_pings_go_on_while_an_upload_runs(agent, broker, cloud, tmp_path, monkeypatch, files_dir, http_sink):
    """A busy agent (an upload in flight through a slow sink) still answers."""
    from support.core_fixtures import make_file
    from support.core_flow import start_generic, trigger
    notify_path = tmp_path / "notify.sock"
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(str(notify_path))
    monkeypatch.setenv("NOTIFY_SOCKET", str(notify_path))
    monkeypatch.setenv("WATCHDOG_USEC", "400000")
    make_file(files_dir / "slow.bin", 400_000)
    http_sink.rate = 200_000
    agent()
    (request,) = trigger(cloud, "busy", 1)
    start_generic(cloud, request.value["correlationId"], http_sink.url("/slow.bin"))
    http_sink.wait_started(1)
    received = datagrams_with_times(sock, 1.5)
    assert sum(text == "WATCHDOG=1" for _, text in received) >= 6, received
    assert cloud.wait_last_upload("busy", timeout=30)["state"] == "SUCCESS"
    sock.close()
