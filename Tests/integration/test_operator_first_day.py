"""What an operator meets on the first day (issue: proven on a real gateway): the log file
starts with the line journald starts with; under journald the agent's lines carry no second
timestamp and level; after a kill -9 the restart names, before anything uploads, each file
it resumes or restarts; `status` works for a member of the state folder's group and tells
anyone else to join it, never "is the agent running?"."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from support.agent_process import agent_binary
from support.core_flow import find_upload, start_generic, trigger
from support.core_fixtures import make_file
from support.net import wait_until
from support.resume_fixtures import MiB, restart, start_one

NOBODY, NOGROUP, ADM = 65534, 65534, 4


def test_the_log_file_starts_with_the_config_line_and_journald_gets_no_second_stamp(agent, monkeypatch):
    log_file = agent.tmp_path / "log" / "agent.log"
    process = agent(start=False, logFile=str(log_file))
    stderr_file = process.log_path
    stderr_file.parent.mkdir(parents=True, exist_ok=True)
    stderr_file.touch()
    info = os.stat(stderr_file)
    monkeypatch.setenv("JOURNAL_STREAM", f"{info.st_dev}:{info.st_ino}")
    process.start()
    process.wait_ready()
    assert process.stop() == 0
    file_lines = log_file.read_text().splitlines()
    assert re.fullmatch(r"\S+Z INFO config file .*agent-config\.json", file_lines[0]), file_lines[:2]
    journal_lines = [line for line in stderr_file.read_text().splitlines() if line.startswith("<")]
    assert journal_lines[0].startswith("<6>config file "), journal_lines[:2]
    assert all(not re.match(r"<\d>\d{4}-\d\d-\d\dT", line) for line in journal_lines), journal_lines[:3]
    assert any(line.startswith("<6>connected to MQTT broker") for line in journal_lines)


def test_without_journald_stderr_keeps_time_and_level(agent):
    process = agent()
    assert process.stop() == 0
    first = next(line for line in process.log_path.read_text().splitlines() if line.startswith("<"))
    assert re.fullmatch(r"<6>\S+Z INFO config file .*", first), first


def test_a_restart_names_the_files_it_restarts_before_it_uploads(agent, cloud, http_sink, files_dir):
    make_file(files_dir / "big.bin", 8 * MiB)
    http_sink.stall_after = MiB
    log_file = agent.tmp_path / "agent-file.log"
    first = agent(logFile=str(log_file))
    start_one(cloud, "up-put", {"storage.provider": "generic", "https.url": http_sink.url("/big.bin")})
    http_sink.wait_bytes(MiB)
    first.kill()
    http_sink.stall_after = None
    http_sink.release()
    http_sink.wait_for(1)
    mark = log_file.stat().st_size
    since = cloud.mark()
    restart(agent, logFile=str(log_file))
    assert cloud.wait_last_upload("up-put", timeout=20, since=since)["state"] == "SUCCESS"
    lines = log_file.read_text()[mark:].splitlines()
    recovery = [i for i, line in enumerate(lines)
                if "NOTICE upload up-put#1 of " in line and "restarts from byte 0: the server confirmed none of it "
                "(a plain PUT cannot resume)" in line]
    assert recovery, "\n".join(lines)
    connected = next(i for i, line in enumerate(lines) if "connected to MQTT broker" in line)
    assert recovery[0] < connected, "the recovery line came after uploads could start"


@pytest.fixture
def operator_status(tmp_path):
    """A status folder as the unit makes it (0750, group adm) holding a status file, on a
    path others may walk to; and a way to run `status` as nobody."""
    if os.geteuid() != 0 or not shutil.which("setpriv"):
        pytest.skip("needs root and setpriv")
    top = Path(tempfile.mkdtemp(prefix="fua-operator-", dir="/tmp"))
    top.chmod(0o755)
    state = top / "state"
    state.mkdir()
    binary = top / "file-upload-agent"
    shutil.copy(agent_binary(), binary)
    binary.chmod(0o755)

    def status_as_nobody(status_file: Path, *groups: int) -> subprocess.CompletedProcess:
        group_args = ["--groups", ",".join(map(str, groups))] if groups else ["--clear-groups"]
        return subprocess.run(["setpriv", f"--reuid={NOBODY}", f"--regid={NOGROUP}", *group_args, str(binary),
                               "status", "--status-file", str(status_file)], capture_output=True, text=True, timeout=30)

    yield state, status_as_nobody
    shutil.rmtree(top, ignore_errors=True)


def test_status_works_for_the_folders_group_and_tells_others_which_group(agent, cloud, files_dir, http_sink,
                                                                         operator_status):
    state, status_as_nobody = operator_status
    os.chown(state, 0, ADM)
    state.chmod(0o750)
    status_file = state / "status.json"
    make_file(files_dir / "a.log", 1000)
    old = os.umask(0o077)  # the unit's UMask
    try:
        process = agent(statusFile=str(status_file))
    finally:
        os.umask(old)
    (request,) = trigger(cloud, "operator", 1)
    start_generic(cloud, request.value["correlationId"], http_sink.url("/a.log"))
    assert cloud.wait_last_upload("operator", timeout=20)["state"] == "SUCCESS"
    wait_until(lambda: find_upload(process.status(), "operator", "recent"), 5, message="the upload in the status file")
    assert status_file.stat().st_mode & 0o777 == 0o644

    member = status_as_nobody(status_file, ADM)
    assert member.returncode == 0, member.stderr
    assert "operator" in member.stdout and "MQTT:" in member.stdout

    outsider = status_as_nobody(status_file)
    assert outsider.returncode == 1
    assert f"cannot read {status_file}: permission denied (run as root or join group adm)" in outsider.stderr
    assert "is the agent running" not in outsider.stderr

    missing = status_as_nobody(state.parent / "nowhere.json")
    assert "no status file at" in missing.stderr and "is the agent running?" in missing.stderr
