"""The link's limits end to end (issue: bandwidth timetables and data budgets): a
`maxBandwidth` timetable whose boundary falls inside an upload changes the rate at the sink
within a second; a timetable `0` holds an upload PAUSED until its boundary; a `dataBudget`
pauses an upload when it is spent, resumes it in the next period, and keeps what was spent
over a restart. Rates are measured at the sink as the bytes arrive."""
from __future__ import annotations

import json
import time

from support.agent_process import run_cli
from support.core_flow import MiB, start_generic, trigger
from support.core_fixtures import make_file
from support.net import wait_until


def local_clock(at: float) -> str:
    """HH:MM:SS of `at` in local time: the agent reads its timetable in the same zone."""
    return time.strftime("%H:%M:%S", time.localtime(at))


def bytes_between(sink, start: float, end: float) -> int:
    """Bytes that arrived at the sink between two moments (sampled as they pass)."""
    time.sleep(max(0.0, start - time.time()))
    before = sink.total_bytes()
    time.sleep(max(0.0, end - time.time()))
    return sink.total_bytes() - before


def test_a_timetable_boundary_inside_an_upload_changes_its_rate_within_a_second(cloud, agent, files_dir, http_sink):
    digest = make_file(files_dir / "big.bin", 16 * MiB)
    boundary = int(time.time()) + 5
    process = agent(maxBandwidth=f"{local_clock(boundary - 7200)},1MB {local_clock(boundary)},4MB")
    (request,) = trigger(cloud, "timetable", 1)
    start_generic(cloud, request.value["correlationId"], http_sink.url("/big.bin"))
    http_sink.wait_started(1)
    slow = bytes_between(http_sink, boundary - 3, boundary - 1) / 2
    fast = bytes_between(http_sink, boundary + 1, boundary + 2)
    assert 700_000 <= slow <= 1_300_000, f"{slow:.0f} B/s before the boundary, timetable says 1 MB/s"
    assert 3_000_000 <= fast <= 5_000_000, f"{fast:.0f} B/s from a second after the boundary, timetable says 4 MB/s"
    assert cloud.wait_last_upload("timetable", timeout=30)["state"] == "SUCCESS"
    (received,) = http_sink.wait_for(1)
    assert received.sha256 == digest
    status = process.status()
    assert status["link"]["rateInForce"] == 4_000_000
    assert status["link"]["nextChangeAt"] is not None


def test_a_timetable_zero_holds_uploads_paused_until_its_boundary(cloud, agent, files_dir, http_sink):
    digest = make_file(files_dir / "night.log", 2 * MiB)
    boundary = int(time.time()) + 6
    process = agent(maxBandwidth=f"{local_clock(boundary - 7200)},0 {local_clock(boundary)},off")
    mark = cloud.mark()
    (request,) = trigger(cloud, "night", 1)
    start_generic(cloud, request.value["correlationId"], http_sink.url("/night.log"))
    paused = cloud.wait_last_upload("night", states="PAUSED", timeout=10, since=mark)
    assert "the bandwidth timetable pauses uploads" in paused["message"], paused
    assert time.time() < boundary and http_sink.total_bytes() == 0
    text = run_cli("status", "--status-file", str(process.status_path)).stdout
    assert "paused now" in text and "PAUSED: the bandwidth timetable pauses uploads" in text, text
    final = cloud.wait_last_upload("night", timeout=30, since=mark)
    assert final["state"] == "SUCCESS" and time.time() >= boundary
    states = [value["state"] for value in cloud.last_uploads("night", since=mark)]
    assert states.index("PAUSED") < max(i for i, s in enumerate(states) if s == "UPLOADING"), states
    (received,) = http_sink.wait_for(1)
    assert received.sha256 == digest


def test_a_spent_data_budget_pauses_the_upload_until_the_next_period(cloud, agent, files_dir, http_sink):
    size = 12 * 1_000_000
    digest = make_file(files_dir / "diag.bin", size)
    process = agent(dataBudget="4MB/5s")
    mark = cloud.mark()
    (request,) = trigger(cloud, "budget", 1)
    start_generic(cloud, request.value["correlationId"], http_sink.url("/diag.bin"))
    paused = cloud.wait_last_upload("budget", states="PAUSED", timeout=10, since=mark)
    assert "the data budget of 4000000 bytes per 5s is spent; uploads go on at" in paused["message"], paused
    arrived = http_sink.total_bytes()
    assert 3_000_000 <= arrived <= 4_000_000, f"{arrived} bytes at the sink when PAUSED"
    link = process.status()["link"]
    assert link["dataBudget"]["limit"] == 4_000_000 and link["dataBudget"]["spent"] >= 4_000_000 - 1
    assert link["holdReason"].startswith("the data budget")
    final = cloud.wait_last_upload("budget", timeout=40, since=mark)
    assert final["state"] == "SUCCESS", final
    (received,) = http_sink.wait_for(1)
    assert received.bytes == size and received.sha256 == digest
    states = [value["state"] for value in cloud.last_uploads("budget", since=mark)]
    assert states.count("PAUSED") >= 2, f"12 MB through 4 MB per period pauses twice: {states}"


def test_what_was_spent_survives_a_restart_inside_the_period(cloud, agent, files_dir, http_sink):
    make_file(files_dir / "first.bin", 3_000_000)
    process = agent(dataBudget="4MB/1h")
    (request,) = trigger(cloud, "first", 1)
    start_generic(cloud, request.value["correlationId"], http_sink.url("/first.bin"))
    assert cloud.wait_last_upload("first", timeout=20)["state"] == "SUCCESS"
    assert process.stop() == 0
    (files_dir / "first.bin").unlink()
    saved = json.loads((agent.tmp_path / "state" / "budget.json").read_text())
    assert saved["spent"] >= 3_000_000 and saved["limit"] == 4_000_000

    make_file(files_dir / "second.bin", 3_000_000, seed=2)
    process = agent(dataBudget="4MB/1h")
    mark = cloud.mark()
    (request,) = trigger(cloud, "second", 1)
    start_generic(cloud, request.value["correlationId"], http_sink.url("/second.bin"))
    paused = cloud.wait_last_upload("second", states="PAUSED", timeout=10, since=mark)
    assert "data budget" in paused["message"]
    second = wait_until(lambda: [r for r in http_sink.requests if r.path == "/second.bin"], 5)[0]
    assert second.bytes <= 1_000_000, f"{second.bytes} bytes of the second file: the restart forgot the spending"
    assert process.status()["link"]["dataBudget"]["spent"] >= 4_000_000 - 1
