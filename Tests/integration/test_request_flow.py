"""The way of a file from request to start (issue 9 §3, Kanto's semantics): requests go out
just in time, an unanswered one times out alone, and Kanto's rules for singleUpload and for
a file gone before its start."""
import time

import pytest

from support.backend import StartingBackend
from support.core_fixtures import make_file
from support.core_flow import MiB, expect_error, expect_ok, find_upload, start_generic, trigger
from support.net import holds_for, wait_until


def requests_of(cloud, parent, since=0):
    return [m.value["correlationId"] for m in cloud.upload_requests(since)
            if m.value["correlationId"].startswith(parent + "#")]


def settled_request_count(cloud, parent, at_least, since=0):
    """Waits for `at_least` requests of `parent`, then for a second in which none is added."""
    wait_until(lambda: len(requests_of(cloud, parent, since)) >= at_least, 10,
               message=f"{at_least} requests of {parent}")
    count = len(requests_of(cloud, parent, since))
    while not holds_for(lambda: len(requests_of(cloud, parent, since)) == count, 1.0):
        count = len(requests_of(cloud, parent, since))
    return count


@pytest.mark.parametrize("window", [None, 3], ids=["default-window", "requestWindow-3"])
def test_requests_go_out_just_in_time(cloud, agent, files_dir, http_sink, window):
    for index in range(40):
        make_file(files_dir / f"f{index:02d}.log", 1000, seed=index)
    overrides = {} if window is None else {"requestWindow": window}
    agent(**overrides)
    ahead = 4 + (8 if window is None else window)  # maxConcurrentUploads 4 + the window
    mark = cloud.mark()
    expect_ok(cloud, "trigger", {"correlationID": "jit", "options": {}})
    assert settled_request_count(cloud, "jit", ahead, mark) == ahead, \
        f"requests before any start: expected {ahead}"
    # A start only moves a file from 'requested' to 'running': no new request until it ends.
    first = requests_of(cloud, "jit", mark)[:2]
    for child in first:
        start_generic(cloud, child, http_sink.url("/" + child.replace("#", "/")))
    http_sink.wait_for(2)
    settled = settled_request_count(cloud, "jit", ahead + 2, mark)
    if window is None:
        # The window follows what was measured: these starts came a test's pace after their
        # requests, and the files took milliseconds, so it grows (up to all 40 here).
        assert ahead + 2 <= settled <= 40, settled
    else:
        assert settled == ahead + 2, "a window capped by requestWindow stays at the cap"
    # Now a backend that answers everything: the rest go out as files finish.
    backend = StartingBackend(cloud, http_sink)
    try:
        backend.starts(requests_of(cloud, "jit", mark)[2:])
        final = cloud.wait_last_upload("jit", timeout=60)
    finally:
        backend.close()
    assert final["state"] == "SUCCESS", final
    requested = requests_of(cloud, "jit", mark)
    assert sorted(requested) == sorted(f"jit#{n}" for n in range(1, 41)), "one request per file"
    assert len([r for r in http_sink.requests if r.complete]) == 40


def test_unanswered_requests_time_out_and_the_others_succeed(cloud, agent, files_dir, http_sink):
    digests = {make_file(files_dir / f"f{index}.log", 4096, seed=index) for index in range(6)}
    process = agent(requestTimeout="3s")
    unanswered = {"partial#2", "partial#5"}
    backend = StartingBackend(cloud, http_sink, skip=lambda child: child in unanswered)
    try:
        began = time.monotonic()
        expect_ok(cloud, "trigger", {"correlationID": "partial", "options": {}})
        final = cloud.wait_last_upload("partial", timeout=30)
        took = time.monotonic() - began
    finally:
        backend.close()
    assert final["state"] == "FAILED", final
    assert took >= 2.5, f"the upload ended after {took:.1f} s, before requestTimeout 3s"
    requests = {m.value["correlationId"]: m.value["options"]["file.path"] for m in cloud.upload_requests()}
    skipped_paths = {requests[child] for child in unanswered}
    assert any(path in final["message"] for path in skipped_paths), final["message"]
    assert "no 'start'" in final["message"] and "3s" in final["message"], final["message"]
    received = [r for r in http_sink.requests if r.complete]
    assert len(received) == 4
    assert {r.sha256 for r in received} < digests
    row = wait_until(lambda: find_upload(process.status(), "partial", "recent"), 5, message="status row")
    states = {f["correlationId"]: f["state"] for f in row["files"]}
    assert {child for child, state in states.items() if state == "FAILED"} == unanswered, states
    assert {child for child, state in states.items() if state == "SUCCESS"} == \
        {f"partial#{n}" for n in (1, 3, 4, 6)}, states
    for file in row["files"]:
        if file["correlationId"] in unanswered:
            assert "no 'start'" in file["message"], file


def test_single_upload_refuses_only_while_an_upload_is_uploading(cloud, agent, files_dir, http_sink):
    make_file(files_dir / "big.bin", 2 * MiB)
    agent(singleUpload=True)
    (first,) = trigger(cloud, "first", 1)
    # The first only waits for its start: Kanto accepts another trigger.
    (second,) = trigger(cloud, "second", 1)
    http_sink.rate = 512 * 1024
    start_generic(cloud, first.value["correlationId"], http_sink.url("/first"))
    http_sink.wait_bytes(64 * 1024)
    value = expect_error(cloud, "trigger", {"correlationID": "third", "options": {}}, (400, 500))
    assert "singleUpload" in value["message"], value
    http_sink.rate = None
    assert cloud.wait_last_upload("first", timeout=20)["state"] == "SUCCESS"
    # Nothing uploads any more: triggers are accepted again.
    trigger(cloud, "fourth", 1)
    expect_ok(cloud, "cancel", {"correlationID": "second", "statusCode": 400, "message": "not needed"})
    expect_ok(cloud, "cancel", {"correlationID": "fourth", "statusCode": 400, "message": "not needed"})


def test_a_file_deleted_before_its_start_is_accepted_and_fails_naming_it(cloud, agent, files_dir, http_sink):
    path = files_dir / "vanishing.log"
    make_file(path, 1000)
    agent()
    (request,) = trigger(cloud, "vanished", 1)
    path.unlink()
    start_generic(cloud, request.value["correlationId"], http_sink.url("/vanished"))
    final = cloud.wait_last_upload("vanished", timeout=10)
    assert final["state"] == "FAILED", final
    assert str(path) in final["message"], final["message"]
    assert not http_sink.requests


def test_an_upload_the_backend_leaves_unanswered_never_holds_back_a_later_one(cloud, agent, files_dir, http_sink):
    """Trigger A over 12 files whose requests the backend never answers (they fill the whole
    window, 4 slots + 8), then trigger B: B's first request goes out at once, and B ends."""
    for index in range(12):
        make_file(files_dir / f"f{index:02d}.log", 2000, seed=index)
    agent()
    backend = StartingBackend(cloud, http_sink, skip=lambda child: child.startswith("silent#"))
    try:
        mark = cloud.mark()
        expect_ok(cloud, "trigger", {"correlationID": "silent", "options": {}})
        wait_until(lambda: len(requests_of(cloud, "silent", mark)) == 12, 10, message="A's 12 requests")
        began = time.monotonic()
        expect_ok(cloud, "trigger", {"correlationID": "later", "options": {}})
        cloud.wait_request(lambda m: m.value["correlationId"] == "later#1", timeout=1.0, since=mark)
        assert time.monotonic() - began < 1.0
        final = cloud.wait_last_upload("later", timeout=30)
    finally:
        backend.close()
    assert final["state"] == "SUCCESS", final
    assert sorted(requests_of(cloud, "later", mark)) == sorted(f"later#{n}" for n in range(1, 13))
    assert len(requests_of(cloud, "silent", mark)) == 12, "A's files were requested once each"
