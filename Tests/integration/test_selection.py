"""What a trigger uploads, and in which turn (issue: selection, order and priority): files
whose modification times span three days (set with os.utime) are picked by time window,
size and count exactly as asked, and the ones left out are listed with the reason; `newest`
order is what the sink sees; a trigger that selects nothing says which filter did it; a
high-priority trigger finishes before a 200-file low-priority upload that was running."""
from __future__ import annotations

import os
import time

from support.backend import StartingBackend
from support.core_flow import expect_error, expect_ok, find_upload, trigger
from support.core_fixtures import make_file
from support.net import wait_until

HOUR = 3600


def aged(path, hours: float, size: int) -> str:
    """A file of `size` bytes last modified `hours` ago; returns its SHA-256."""
    digest = make_file(path, size, seed=int(hours))
    moment = time.time() - hours * HOUR
    os.utime(path, (moment, moment))
    return digest


def three_days(files_dir):
    """Logs 70 h, 50 h, 26 h, 3 h and 1 h old, of growing sizes."""
    for name, hours, size in [("a.log", 70, 1000), ("b.log", 50, 2000), ("c.log", 26, 3000),
                              ("d.log", 3, 4000), ("e.log", 1, 5000)]:
        aged(files_dir / name, hours, size)


def requested(cloud, parent, count, options):
    """The file names the backend is asked for, in request order."""
    requests = trigger(cloud, parent, count, options)
    return [os.path.basename(r.value["options"]["file.path"]) for r in requests]


def test_time_windows_sizes_and_counts_select_exactly_the_right_files(cloud, agent, files_dir):
    three_days(files_dir)
    process = agent(maxConcurrentUploads=16)  # a window wide enough for every request at once
    assert requested(cloud, "last-2h", 1, {"upload.from": "2h"}) == ["e.log"]
    assert requested(cloud, "last-day", 2, {"upload.from": "24h"}) == ["d.log", "e.log"]
    two_days_ago = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - 48 * HOUR))
    assert requested(cloud, "older", 2, {"upload.to": two_days_ago}) == ["a.log", "b.log"]
    assert requested(cloud, "between", 2, {"upload.from": "60h", "upload.to": str(int(time.time() - 24 * HOUR))}) \
        == ["b.log", "c.log"]
    assert requested(cloud, "small", 3, {"upload.maxFileSize": "3KB"}) == ["a.log", "b.log", "c.log"]
    assert requested(cloud, "budget", 2, {"upload.maxTotalSize": "9000", "upload.order": "newest"}) == ["e.log", "d.log"]
    assert requested(cloud, "few", 2, {"upload.maxFiles": "2", "upload.order": "oldest"}) == ["a.log", "b.log"]
    time.sleep(0.5)  # no more requests than that for any of them
    assert len(cloud.upload_requests()) == 1 + 2 + 2 + 2 + 3 + 2 + 2

    status = process.status()
    refused = {os.path.basename(r["path"]): r["reason"] for r in find_upload(status, "small", "uploads")["refused"]}
    assert refused == {"d.log": "larger than upload.maxFileSize (4000 > 3000 bytes)",
                       "e.log": "larger than upload.maxFileSize (5000 > 3000 bytes)"}
    budget = find_upload(status, "budget", "uploads")
    assert {os.path.basename(r["path"]) for r in budget["refused"]} == {"a.log", "b.log", "c.log"}
    assert all(r["reason"] == "beyond upload.maxTotalSize (9000 bytes)" for r in budget["refused"])


def test_the_configs_defaults_apply_where_the_trigger_says_nothing(cloud, agent, files_dir):
    three_days(files_dir)
    agent(uploadFrom="30h", uploadOrder="newest")
    assert requested(cloud, "defaults", 3, {}) == ["e.log", "d.log", "c.log"]
    assert requested(cloud, "overridden", 5, {"upload.from": "4d", "upload.order": "oldest"}) \
        == ["a.log", "b.log", "c.log", "d.log", "e.log"]


def test_a_trigger_that_selects_nothing_says_which_filter_did_it(cloud, agent, files_dir):
    three_days(files_dir)
    agent()
    error = expect_error(cloud, "trigger", {"correlationID": "none", "options": {"upload.from": "30m"}}, 500)
    assert "none of the 5 file(s) matching" in error["message"] and "(upload.from)" in error["message"], error
    error = expect_error(cloud, "trigger", {"correlationID": "tiny", "options": {"upload.maxFileSize": "10"}}, 500)
    assert "larger than upload.maxFileSize (10 bytes)" in error["message"], error
    error = expect_error(cloud, "trigger", {"correlationID": "bad", "options": {"upload.from": "last tuesday"}}, 400)
    assert error["message"].startswith("'upload.from' 'last tuesday' is not a time"), error
    assert cloud.upload_requests() == []


def test_newest_first_is_the_order_the_sink_sees(cloud, agent, files_dir, http_sink):
    three_days(files_dir)
    agent(maxConcurrentUploads=1, maxConcurrentSmallUploads=1)  # one at a time, small files too
    backend = StartingBackend(cloud, http_sink)
    try:
        expect_ok(cloud, "trigger", {"correlationID": "order", "options": {"upload.order": "newest"}})
        assert cloud.wait_last_upload("order", timeout=30)["state"] == "SUCCESS"
        sizes = [r.bytes for r in http_sink.finished]
        assert sizes == [5000, 4000, 3000, 2000, 1000], sizes
    finally:
        backend.close()


def test_a_high_priority_trigger_passes_a_running_low_priority_upload(cloud, agent, files_dir, http_sink):
    low = files_dir / "low"
    for index in range(200):
        make_file(low / f"f{index:03d}.log", 20_000, seed=index)
    urgent = files_dir / "urgent"
    digests = {make_file(urgent / f"u{index}.log", 20_000, seed=1000 + index) for index in range(3)}
    http_sink.rate = 2_000_000  # about 100 files a second: the low upload runs for ~2 s
    # Two slots for all (small files too): the urgent files must pass the bulk ones waiting.
    agent(files=str(files_dir / "*" / "*.log"), mode="scoped", maxConcurrentUploads=2, maxConcurrentSmallUploads=2)
    backend = StartingBackend(cloud, http_sink)
    try:
        expect_ok(cloud, "trigger", {"correlationID": "bulk", "options": {"upload.files": str(low / "*.log")}})
        wait_until(lambda: len(http_sink.finished) >= 10, 20, message="the bulk upload under way")
        at_trigger = len(http_sink.requests)
        expect_ok(cloud, "trigger", {"correlationID": "urgent",
                                     "options": {"upload.files": str(urgent / "*.log"), "upload.priority": "10"}})
        assert cloud.wait_last_upload("urgent", timeout=30)["state"] == "SUCCESS"
        done_then = len(http_sink.finished)
        assert cloud.wait_last_upload("bulk", timeout=60)["state"] == "SUCCESS"
        assert done_then < 150, f"{done_then} files had arrived when the urgent upload ended"
        urgent_bodies = {r.sha256 for r in http_sink.finished if r.path.startswith("/urgent/")}
        assert urgent_bodies == digests
        positions = [i for i, r in enumerate(http_sink.finished) if r.path.startswith("/urgent/")]
        assert max(positions) < done_then
        # Each urgent file still waits one request round trip, but then for no bulk file:
        # without the priority they arrive some 18 files after the trigger, with it within 8.
        assert max(positions) - at_trigger <= 11, (at_trigger, positions)
    finally:
        backend.close()
