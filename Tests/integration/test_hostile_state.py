"""A damaged state folder and the moments around an upload's end, as a restarted agent meets them.

Why: storage flips bits and power cuts land anywhere. One damaged byte must cost at most the
record it is in, an upload whose records could not be read must be reported, not forgotten, and
what the backend was told (a final state, a progress) must never be taken back by a restart.
"""
from __future__ import annotations

import json
import random
import time
import zlib

import pytest

from support.core_fixtures import make_file
from support.core_flow import start_generic, trigger
from support.net import holds_for, wait_until


def framed(payload: bytes) -> bytes:
    return f"{zlib.crc32(payload):08x} ".encode() + payload + b"\n"


HEADER = framed(b'{"header":{"version":1}}')


def upload_record(parent: str, files: int) -> bytes:
    return json.dumps({"upload": {"_0": {
        "correlationId": parent, "state": "UPLOADING", "startTime": 1_700_000_000.0, "statusCode": "",
        "message": "", "info": {}, "fileCount": files, "requestOptions": {}, "refused": []}}},
        separators=(",", ":")).encode()


def file_record(parent: str, number: int, path, size: int) -> bytes:
    return json.dumps({"file": {"_0": {
        "correlationId": f"{parent}#{number}", "parentId": parent, "path": str(path), "size": size,
        "state": "PENDING", "transferred": 0, "attempts": 0, "message": "", "deletePending": False,
        "credentialRenewals": 0}}}, separators=(",", ":")).encode()


def beyond_repair(line: bytes) -> bytes:
    """Six bytes of the payload overwritten: more than one flipped bit can explain."""
    middle = len(line) // 2
    return line[:middle] + b"XXXXXX" + line[middle + 6:]


def one_bit_flipped(line: bytes, position: int) -> bytes:
    return line[:position] + bytes([line[position] ^ 0x04]) + line[position + 1:]


def state_dir(agent):
    return agent.tmp_path / "state"


@pytest.mark.parametrize("damage", ["header-beyond-repair", "bit-in-upload-record"])
def test_a_damaged_journal_still_resumes_every_upload_it_names(cloud, agent, files_dir, http_sink, damage):
    """The header is not a single point of failure, and a flipped bit is put back: the upload
    in the journal asks for its credentials again and arrives whole."""
    digest = make_file(files_dir / "kept.log", 50_000)
    upload = framed(upload_record("kept", 1))
    journal = (beyond_repair(HEADER) + upload if damage == "header-beyond-repair"
               else HEADER + one_bit_flipped(upload, 40))
    state = state_dir(agent)
    state.mkdir()
    (state / "journal.log").write_bytes(journal + framed(file_record("kept", 1, files_dir / "kept.log", 50_000)))
    since = cloud.mark()
    process = agent()
    request = cloud.wait_request(lambda m: m.value["correlationId"] == "kept#1", since=since)
    start_generic(cloud, request.value["correlationId"], http_sink.url("/kept"))
    assert cloud.wait_last_upload("kept", since=since)["state"] == "SUCCESS"
    (received,) = http_sink.wait_for(1)
    assert received.sha256 == digest
    log = process.log_text()
    assert "journal.log" in log and ("damaged record" in log or "flipped bit" in log), log[-2000:]
    aside = [p.name for p in state.iterdir() if p.name.startswith("journal.log.damaged-")]
    # A repaired bit loses nothing, so nothing needs keeping; damage beyond repair is kept once.
    assert len(aside) == (0 if damage == "bit-in-upload-record" else 1), aside


def test_an_upload_whose_record_was_lost_is_reported_failed(cloud, agent, files_dir):
    """The upload's own record is beyond repair; its file's record names it: the backend hears
    FAILED with a message saying the state was damaged, and the status file shows it."""
    make_file(files_dir / "a.log", 1000)
    state = state_dir(agent)
    state.mkdir()
    for number in range(5):  # copies left by earlier damage: only the newest few stay
        (state / f"journal.log.damaged-{100 + number}").write_bytes(b"old")
    (state / "journal.log").write_bytes(HEADER + beyond_repair(framed(upload_record("lost", 1)))
                                        + framed(file_record("lost", 1, files_dir / "a.log", 1000)))
    since = cloud.mark()
    process = agent()
    final = cloud.wait_last_upload("lost", since=since)
    assert final["state"] == "FAILED", final
    assert "state folder was damaged" in final["message"], final
    wait_until(lambda: any(u["correlationId"] == "lost" and u["state"] == "FAILED"
                           for u in (process.status() or {}).get("recent", [])), 5,
               message="the lost upload among the recent ones in the status file")
    copies = sorted(p.name for p in state.iterdir() if p.name.startswith("journal.log.damaged-"))
    assert len(copies) == 3, copies
    assert "journal.log.damaged-100" not in copies
    log = process.log_text()
    assert "about upload(s) lost" in log and "removed the older copies" in log, log[-2000:]
    assert not cloud.upload_requests(since=since), "nothing to resume: its record is gone"


def test_kill_9_right_after_the_end_never_uploads_again_nor_takes_back_what_was_told(
        cloud, agent, files_dir, http_sink):
    """kill -9 at 0-100 ms after the backend received SUCCESS, five times: the file arrives
    once, nothing follows the final state, and no progress lower than one told."""
    rng = random.Random(7)
    for round_ in range(5):
        name = f"end-{round_}"
        make_file(files_dir / f"{name}.log", 3 * 1024 * 1024, seed=round_)
        since = cloud.mark()
        process = agent(files=str(files_dir / f"{name}.log"))
        (request,) = trigger(cloud, name, 1)
        start_generic(cloud, request.value["correlationId"], http_sink.url(f"/{name}"))
        assert cloud.wait_last_upload(name, since=since)["state"] == "SUCCESS"
        time.sleep(rng.uniform(0, 0.1))  # the moment of the kill, not a wait for something
        process.kill()
        after = cloud.mark()
        agent(files=str(files_dir / f"{name}.log"))
        assert holds_for(lambda: all(u["state"] == "SUCCESS" for u in cloud.last_uploads(name, since=after))
                         and not cloud.upload_requests(since=after), 1.5), cloud.last_uploads(name, since=after)
        agent.instances[-1].kill()
        told = [u["progress"] for u in cloud.last_uploads(name)]
        assert told == sorted(told), f"round {round_}: progress went back: {told}"
    arrived = [r.path for r in http_sink.requests]
    assert sorted(arrived) == [f"/end-{n}" for n in range(5)], arrived
