"""PROTOCOL §7/§8: the status file is always whole JSON, holds no secret; the status CLI."""
import json
import os
import time

from support.core_flow import MiB, find_upload, start_generic, trigger
from support.core_fixtures import make_file
from support.net import wait_until

SECRETS = ("SECRET123", "SECRET456", "SECRET789")


def test_status_document_shape(cloud, agent, broker):
    process = agent()
    status = process.status()
    assert status["agent"]["pid"] == process.pid
    assert isinstance(status["agent"]["version"], str) and status["agent"]["version"]
    assert status["agent"]["startedAt"] and status["agent"]["updatedAt"]
    assert status["mqtt"]["broker"] == broker.url
    assert status["mqtt"]["connected"] is True
    assert status["thing"] == {"deviceId": "edge:device", "tenantId": "t1"} or (
        status["thing"]["deviceId"] == "edge:device" and status["thing"]["tenantId"] == "t1")
    assert status["feature"]["id"] == "AutoUploadable"
    assert status["feature"]["active"] is False
    assert status["uploads"] == [] and status["recent"] == []
    assert (os.stat(process.status_path).st_mode & 0o777) & 0o002 == 0, "status file is world-writable"


def test_status_file_parses_at_every_read_during_an_upload(cloud, agent, files_dir, http_sink):
    size = 16 * MiB
    make_file(files_dir / "big.bin", size)
    process = agent()
    http_sink.rate = 4 * MiB
    (request,) = trigger(cloud, "tight", 1)
    start_generic(cloud, request.value["correlationId"], http_sink.url("/big"))
    reads, seen_running, versions = 0, [], set()
    loop_started = time.monotonic()
    deadline = loop_started + 30
    while time.monotonic() < deadline:
        stat = os.stat(process.status_path)
        versions.add((stat.st_ino, stat.st_mtime_ns))
        text = process.status_path.read_text()  # must exist at every moment (atomic rename)
        status = json.loads(text)  # must never be torn
        reads += 1
        running = find_upload(status, "tight", "uploads")
        if running and running["files"] and 0 < running["files"][0]["transferred"] < size:
            seen_running.append((running["progress"], running["files"][0]["transferred"]))
        finished = find_upload(status, "tight", "recent")
        if finished and finished["state"] in ("SUCCESS", "FAILED", "CANCELED"):
            break
    assert finished and finished["state"] == "SUCCESS", finished
    elapsed = time.monotonic() - loop_started
    assert reads > 100, f"only {reads} reads"
    assert len(versions) / elapsed <= 10, \
        f"status file rewritten {len(versions)} times in {elapsed:.1f}s (PROTOCOL: at most a few times a second)"
    assert len(seen_running) >= 2, "the status file never showed the upload in progress"
    assert [t for _, t in seen_running] == sorted(t for _, t in seen_running), "transferred went back"
    assert all(0 <= p <= 100 for p, _ in seen_running)
    running_states = {find_upload(json.loads(process.status_path.read_text()), "tight", "recent")["state"]}
    assert running_states == {"SUCCESS"}


def test_no_secret_in_status_file_log_or_mqtt(cloud, agent, files_dir, http_sink):
    digest = make_file(files_dir / "s.bin", 4 * MiB)
    make_file(files_dir / "t.bin", 1000)
    process = agent(checksum=True)
    http_sink.rate = 8 * MiB
    http_sink.responder = lambda r: (403, {}, b"<Error>AccessDenied</Error>") if r.path == "/denied" \
        else (201, {}, b"")
    requests = trigger(cloud, "secret", 2)
    by_name = {m.value["options"]["file.path"].rsplit("/", 1)[1]: m.value["correlationId"] for m in requests}
    start_generic(cloud, by_name["s.bin"], http_sink.url("/ok?se=2030-01-01&sig=SECRET456&sp=w"),
                  **{"https.header.Authorization": "Bearer SECRET123"})
    samples = []
    while len(http_sink.finished) < 1:
        samples.append(process.status_text())
        time.sleep(0.02)
        assert len(samples) < 2000, "first upload did not finish"
    start_generic(cloud, by_name["t.bin"], http_sink.url("/denied?sig=SECRET789"),
                  **{"https.header.authorization": "Bearer SECRET123"})
    while not cloud.last_uploads("secret") or cloud.last_uploads("secret")[-1]["state"] not in ("FAILED", "SUCCESS"):
        samples.append(process.status_text())
        time.sleep(0.02)
        assert len(samples) < 2000, "upload did not finish"
    final = cloud.wait_last_upload("secret", timeout=30)
    assert final["state"] == "FAILED" and "t.bin" in final["message"], final
    wait_until(lambda: http_sink.wait_for(2), 10)
    ok = next(r for r in http_sink.requests if r.path == "/ok")
    assert ok.header("Authorization") == "Bearer SECRET123", "the header must still be sent"
    assert ok.query_params["sig"] == ["SECRET456"], "the URL must be used unchanged"
    assert ok.sha256 == digest
    time.sleep(0.3)  # let the final status/log lines be written
    samples.append(process.status_text())
    everything = {"status file": "\n".join(samples), "agent log": process.log_text(),
                  "mqtt": cloud.all_text()}
    for where, text in everything.items():
        for secret in SECRETS:
            assert secret not in text, f"{secret} appears in the {where}"


def test_status_cli_json_and_human(cloud, agent, files_dir, http_sink):
    make_file(files_dir / "c.bin", 100_000)
    process = agent()
    (request,) = trigger(cloud, "cli-upload", 1)
    start_generic(cloud, request.value["correlationId"], http_sink.url("/c"))
    assert cloud.wait_last_upload("cli-upload")["state"] == "SUCCESS"
    wait_until(lambda: find_upload(process.status(), "cli-upload", "recent"), 10, message="recent entry")

    def stable_match():
        before = process.status()
        result = process.cli("status", "--json")
        after = process.status()
        assert result.returncode == 0, result.stderr
        return before == after and json.loads(result.stdout) == before
    wait_until(stable_match, 10, message="`status --json` equal to the status file")

    human = process.cli("status")
    assert human.returncode == 0, human.stderr
    assert "edge:device" in human.stdout and "cli-upload" in human.stdout, human.stdout
    try:
        json.loads(human.stdout)
        raise AssertionError("`status` without --json must print a table, not JSON")
    except json.JSONDecodeError:
        pass


def test_status_cli_shows_progress_of_running_upload(cloud, agent, files_dir, http_sink):
    make_file(files_dir / "slow.bin", 8 * MiB)
    process = agent()
    http_sink.rate = 1 * MiB
    (request,) = trigger(cloud, "bar", 1)
    start_generic(cloud, request.value["correlationId"], http_sink.url("/slow"))
    http_sink.wait_bytes(MiB)
    wait_until(lambda: find_upload(process.status(), "bar", "uploads"), 10, message="running upload in status")
    human = process.cli("status")
    assert human.returncode == 0, human.stderr
    assert "bar" in human.stdout and "%" in human.stdout, human.stdout
