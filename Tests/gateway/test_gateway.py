"""The .deb under a real systemd (issue: proven on a real gateway). One gateway boots for the
whole module; the checks run in order on it, as an operator's first day would: the unit is
up after boot, an upload goes through it, `status` works for root and for the operators'
group, the journal holds only the agent's lines, `systemctl stop` pauses and `start`
resumes, the watchdog restarts a wedged agent, and a power cut mid-upload costs nothing but
time (`POWER_CUTS=N` cuts more, at random moments)."""
from __future__ import annotations

import os
import random
import re

from support.core_flow import start_generic, trigger
from support.net import holds_for, wait_until

from gateway_vm import HOST

MIB = 1024 * 1024
FINAL = ("SUCCESS", "FAILED", "CANCELED")


def guest_file(gateway, name: str, size: int) -> str:
    """A file of random bytes on the gateway, in the configured folder; returns its SHA-256."""
    path = f"/var/tmp/file-upload/{name}"
    gateway.ssh(f"head -c {size} /dev/urandom > {path}.part && mv {path}.part {path}")
    return gateway.ssh(f"sha256sum {path}").stdout.split()[0]


def upload(cloud, sink, parent: str, name: str):
    (request,) = trigger(cloud, parent, 1, timeout=60)
    start_generic(cloud, request.value["correlationId"], sink.url(f"/{name}").replace("127.0.0.1", HOST))


def arrived(sink, name: str):
    """The last complete body the sink received for `name`."""
    complete = [r for r in sink.finished if r.path == f"/{name}" and r.complete]
    return complete[-1] if complete else None


def unit(gateway, prop: str) -> str:
    return gateway.ssh(f"systemctl show -p {prop} --value file-upload-agent").stdout.strip()


def test_the_unit_is_active_and_ready_after_boot(gateway, cloud):
    assert gateway.ssh("systemctl is-enabled file-upload-agent").stdout.strip() == "enabled"
    wait_until(lambda: unit(gateway, "ActiveState") == "active", 60, interval=1, message="the unit active")
    assert unit(gateway, "StatusText").startswith("connected to tcp://10.0.2.2:")
    assert unit(gateway, "NRestarts") == "0"
    assert unit(gateway, "Group") == "adm"


def test_an_upload_through_the_unit_arrives_intact_and_is_deleted(gateway, cloud, sink):
    digest = guest_file(gateway, "first.bin", 4 * MIB)
    upload(cloud, sink, "gw-first", "first.bin")
    assert cloud.wait_last_upload("gw-first", timeout=120)["state"] == "SUCCESS"
    received = wait_until(lambda: arrived(sink, "first.bin"), 10, message="the body at the sink")
    assert received.sha256 == digest and received.bytes == 4 * MIB
    wait_until(lambda: gateway.ssh("test -e /var/tmp/file-upload/first.bin", check=False).returncode == 1, 20,
               interval=1, message="delete removed the file")


def test_the_journal_holds_only_the_agents_own_lines(gateway, cloud, sink):
    # Uploads are when the runtime's workers ask for thread priorities: a large one first.
    digest = guest_file(gateway, "large.bin", 100 * MIB)
    upload(cloud, sink, "gw-large", "large.bin")
    assert cloud.wait_last_upload("gw-large", timeout=300)["state"] == "SUCCESS"
    assert wait_until(lambda: arrived(sink, "large.bin"), 10, message="the body").sha256 == digest
    lines = gateway.ssh("journalctl -u file-upload-agent -o cat --no-pager _COMM=file-upload-age").stdout.splitlines()
    assert any(line.startswith("connected to MQTT broker") for line in lines), lines[-20:]
    assert not [line for line in lines if "thread priority" in line], lines
    assert not [line for line in lines if re.match(r"\d{4}-\d\d-\d\dT\S+ (INFO|NOTICE|WARN|ERROR|DEBUG)", line)], lines
    first = gateway.ssh("head -1 /var/log/file-upload/agent.log").stdout
    assert re.match(r"\S+Z INFO config file /etc/file-upload-agent/config.json", first), first


def test_status_for_root_for_the_operators_group_and_a_clear_no_for_others(gateway):
    root = gateway.ssh("file-upload-agent status")
    assert "gw-first" in root.stdout and "connected" in root.stdout
    member = gateway.ssh("su ops -c 'file-upload-agent status'")
    assert "gw-first" in member.stdout, member.stdout + member.stderr
    visitor = gateway.ssh("su visitor -c 'file-upload-agent status'", check=False)
    assert visitor.returncode == 1
    assert "permission denied (run as root or join group adm)" in visitor.stderr, visitor.stderr
    assert "is the agent running" not in visitor.stderr


def test_systemctl_stop_pauses_and_start_resumes(gateway, cloud, sink):
    digest = guest_file(gateway, "stopped.bin", 6 * MIB)
    sink.rate = 1_000_000
    mark = cloud.mark()
    upload(cloud, sink, "gw-stop", "stopped.bin")
    sink.wait_bytes(sink.total_bytes() + MIB, timeout=60)
    gateway.ssh("systemctl stop file-upload-agent", timeout=90)
    paused = cloud.wait_last_upload("gw-stop", states="PAUSED", since=mark, timeout=30)
    assert paused["state"] == "PAUSED"
    sink.rate = None
    gateway.ssh("systemctl start file-upload-agent", timeout=90)
    assert cloud.wait_last_upload("gw-stop", since=mark, timeout=120)["state"] == "SUCCESS"
    assert wait_until(lambda: arrived(sink, "stopped.bin"), 10, message="the body").sha256 == digest


def test_the_watchdog_restarts_a_wedged_agent(gateway):
    before = int(unit(gateway, "NRestarts"))
    gateway.ssh("kill -STOP $(systemctl show -p MainPID --value file-upload-agent)")
    # WatchdogSec=60s as shipped: restarted within about a minute.
    wait_until(lambda: int(unit(gateway, "NRestarts")) > before, 150, interval=2, message="a watchdog restart")
    wait_until(lambda: unit(gateway, "ActiveState") == "active", 60, interval=1, message="active again")
    assert "watchdog" in gateway.ssh("journalctl -u file-upload-agent --no-pager -n 50").stdout.lower()


def test_a_power_cut_mid_upload_costs_only_time(gateway, cloud, sink):
    cuts = int(os.environ.get("POWER_CUTS", "1"))
    rng = random.Random(int(os.environ.get("POWER_CUT_SEED", "7")))
    for cut in range(cuts):
        name, parent = f"cut-{cut}.bin", f"gw-cut-{cut}"
        digest = guest_file(gateway, name, 8 * MIB)
        gateway.ssh("sync")  # the file itself is old data on a real gateway
        sink.rate = 1_000_000
        mark = cloud.mark()
        upload(cloud, sink, parent, name)
        started = sink.total_bytes()
        sink.wait_bytes(started + rng.randint(MIB // 2, 6 * MIB), timeout=60)
        gateway.power_cut()
        sink.rate = None
        gateway.boot()
        final = cloud.wait_last_upload(parent, since=mark, timeout=240)
        assert final["state"] == "SUCCESS", final
        assert wait_until(lambda: arrived(sink, name), 10, message="the body").sha256 == digest
        def finals():
            return [m for m in cloud.property_updates("lastUpload", since=mark)
                    if not m.dup and isinstance(m.value, dict) and m.value.get("correlationId") == parent
                    and m.value.get("state") in FINAL]
        assert holds_for(lambda: len(finals()) == 1, 3), [m.value["state"] for m in finals()]
        journal = gateway.ssh(f"grep -a 'upload {parent}#1' /var/log/file-upload/agent.log").stdout
        assert "restarts from byte 0" in journal or "resumes" in journal, journal
