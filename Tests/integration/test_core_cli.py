"""The process contract: --version, config errors (exit 2 naming the key), SIGTERM."""
import re
import signal
import time

import pytest

from support.agent_process import run_cli
from support.core_flow import MiB, start_generic, trigger
from support.core_fixtures import make_file


def test_version(agent_bin):
    result = run_cli("--version")
    assert result.returncode == 0, result.stderr
    assert re.search(r"\d+\.\d+\.\d+", result.stdout), result.stdout


@pytest.mark.parametrize("overrides, key", [
    ({"period": "10x"}, "period"),
    ({"period": "ten hours"}, "period"),
    ({"stopTimeout": "-"}, "stopTimeout"),
    ({"mode": "sometimes"}, "mode"),
    ({"logLevel": "LOUD"}, "logLevel"),
    ({"broker": "not a url"}, "broker"),
    ({"activeFrom": "yesterday"}, "activeFrom"),
    ({"activeFrom": "2030-01-02T00:00:00Z", "activeTill": "2030-01-01T00:00:00Z"}, "activeTill"),
    ({"singleUpload": "maybe"}, "singleUpload"),
])
def test_invalid_config_exits_2_naming_the_key(agent, overrides, key):
    process = agent(start=False, **overrides).start()
    assert process.wait_exit(15) == 2, process.log_tail()
    assert key in process.log_text(), process.log_text()


def test_cert_without_key_exits_2(agent, broker_tls):
    cert = str(broker_tls.tls.server_cert)
    process = agent(start=False, cert=cert).start()
    assert process.wait_exit(15) == 2, process.log_tail()
    text = process.log_text()
    assert re.search(r"\bkey\b", text) and "cert" in text, text


def test_invalid_json_config_exits_2(agent, tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"broker": "tcp://127.0.0.1:1", ')
    result = run_cli("--config", str(bad))
    assert result.returncode == 2, result.stderr
    assert result.stderr.strip()


def test_missing_config_file_exits_2(tmp_path, agent_bin):
    result = run_cli("--config", str(tmp_path / "absent.json"))
    assert result.returncode == 2
    assert "absent.json" in result.stderr


def test_command_line_flag_overrides_config(agent, cloud):
    process = agent(args=["--featureId", "FromFlag"], ready=True)
    cloud.wait_event(lambda m: m.path == "/features/FromFlag", what="registration as FromFlag")
    assert process.status()["feature"]["id"] == "FromFlag"


def test_sigterm_when_idle_exits_0(agent):
    process = agent()
    started = time.monotonic()
    assert process.stop(10) == 0, process.log_tail()
    assert time.monotonic() - started < 5


def test_sigterm_during_upload_pauses_and_the_next_start_resumes(cloud, agent, files_dir, http_sink):
    size = 20 * MiB
    digest = make_file(files_dir / "big.bin", size)
    process = agent(stopTimeout="1s")
    http_sink.rate = 1 * MiB
    (request,) = trigger(cloud, "term", 1)
    start_generic(cloud, request.value["correlationId"], http_sink.url("/big"))
    http_sink.wait_bytes(256 * 1024)
    started = time.monotonic()
    process.signal(signal.SIGTERM)
    assert process.wait_exit(15) == 0, process.log_tail()
    assert time.monotonic() - started < 8, "stopTimeout 1s, yet the agent took long to stop"
    paused = cloud.wait_last_upload("term", states=("PAUSED",), timeout=3)
    assert paused["progress"] < 100, paused
    http_sink.rate = None
    (cut,) = http_sink.wait_for(1, timeout=10)
    assert cut.bytes < size and not cut.complete
    # What `systemctl restart` does next: the same config, the same state folder.
    mark = cloud.mark()
    agent(stopTimeout="1s")
    final = cloud.wait_last_upload("term", since=mark, timeout=30)
    assert final["state"] == "SUCCESS", final
    states = [value["state"] for value in cloud.last_uploads("term", since=mark)]
    assert "UPLOADING" in states, states
    complete = [r for r in http_sink.requests if r.complete]
    assert [r.sha256 for r in complete] == [digest]


def test_sigterm_waits_for_short_upload_within_stop_timeout(cloud, agent, files_dir, http_sink):
    digest = make_file(files_dir / "small.bin", 2 * MiB)
    process = agent(stopTimeout="20s")
    http_sink.rate = 1 * MiB
    (request,) = trigger(cloud, "drain", 1)
    start_generic(cloud, request.value["correlationId"], http_sink.url("/small"))
    http_sink.wait_bytes(256 * 1024)
    process.signal(signal.SIGTERM)
    assert process.wait_exit(20) == 0, process.log_tail()
    final = cloud.wait_last_upload("drain", timeout=3)
    assert final["state"] == "SUCCESS", final
    (received,) = http_sink.wait_for(1)
    assert received.sha256 == digest
