"""Commands as an attacker or a clumsy backend sends them (issue: hostile input, round two):
every payload whose envelope names whom to answer gets an answer, a 400 that says what was
wrong, bounded in length; the log stays bounded; memory returns to its idle level.

What a user checks: the response on the wire, the agent's log, its VmRSS."""
from __future__ import annotations

import json
import time
import uuid

import pytest

from support.core_flow import assert_response, expect_error
from support.net import holds_for, wait_until

ANSWER_BOUND = 1100   # OperationError's bound and a little JSON around it
LOG_LINE_BOUND = 2200  # the log handler's bound, timestamp and level included


def raw_command(cloud, operation: str, value_json: str, correlation_id: str) -> bytes:
    envelope = json.dumps(cloud.envelope(operation, "VALUE", correlation_id))
    return envelope.replace('"VALUE"', value_json).encode()


def vm_rss_kib(pid: int) -> int:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise AssertionError("no VmRSS")


HOSTILE = {
    "huge-exponent": ('{"correlationID": "x", "options": {"n": 1e400}}', "beyond the range of a double"),
    "deep-nesting": ('{"options": ' + "[" * 100_000 + "]" * 100_000 + "}", "nesting deeper than"),
    "huge-exponent-in-an-array": ('[1, 2, -1e999]', "beyond the range of a double"),
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_odd_but_well_formed_json_is_answered_400(cloud, agent, case):
    value, reason = HOSTILE[case]
    process = agent()
    correlation_id = str(uuid.uuid4())
    sent = time.monotonic()
    cloud.send("trigger", correlation_id=correlation_id, raw_payload=raw_command(cloud, "trigger", value, correlation_id))
    response = cloud.wait_response(correlation_id, timeout=5)
    assert time.monotonic() - sent < 1.0
    answer = assert_response(response, "trigger", 400, correlation_id=correlation_id)
    assert reason in answer["message"], answer
    assert len(response.payload) < ANSWER_BOUND
    assert process.alive()


def test_a_payload_without_an_envelope_is_logged_as_a_warning_once(cloud, agent):
    process = agent()
    for _ in range(5):
        cloud.send("trigger", raw_payload=b'{"topic": ' + b"[" * 100_000)
    wait_until(lambda: "cannot answer a command" in process.log_text(), 5, message="the warning")
    # The other four arrive within the same minute: held back, not logged.
    assert holds_for(lambda: process.log_text().count("cannot answer a command") == 1, 0.5)
    assert process.alive()


def test_a_10_mib_glob_gets_a_short_400_and_memory_comes_back(cloud, agent):
    process = agent(mode="lax")
    expect_error(cloud, "trigger", {"options": {"upload.files": "x"}}, 500)  # warm up: first answer paths
    idle = vm_rss_kib(process.pid)
    huge = "x" * (10 * 1024 * 1024)
    for _ in range(3):
        answer = expect_error(cloud, "trigger", {"options": {"upload.files": huge}}, 400, timeout=10)
        assert len(json.dumps(answer)) < ANSWER_BOUND, len(json.dumps(answer))
        assert "longer than 4096 bytes" in answer["message"]
    cid = "c" * (1024 * 1024)
    cloud.send("trigger", {"options": {"upload.files": "y"}}, correlation_id=cid)
    cloud.wait_response(cid, timeout=10)
    longest = max(len(line) for line in process.log_text().splitlines())
    assert longest < LOG_LINE_BOUND, longest
    wait_until(lambda: vm_rss_kib(process.pid) <= idle + 5 * 1024, 10,
               message=f"VmRSS back within 5 MiB of {idle} KiB")


@pytest.mark.parametrize("files", [5, True, ["a"], {"a": 1}])
def test_a_glob_of_the_wrong_type_is_a_400(cloud, agent, files):
    agent()
    answer = expect_error(cloud, "trigger", {"options": {"upload.files": files}}, 400)
    assert "'upload.files' must be a string" in answer["message"], answer
