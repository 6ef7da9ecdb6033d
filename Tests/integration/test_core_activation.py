"""PROTOCOL §3 activate/deactivate: periodic uploads inside [from, to], autoUpload property."""
import time
from datetime import datetime, timezone

from support.core_flow import expect_error, expect_ok
from support.core_fixtures import make_file
from support.net import holds_for, wait_until

INVALID = "messages:parameter.invalid"


def parse_time(text):
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def wait_auto_upload(cloud, since, active):
    return cloud.wait_event(lambda m: m.path == "/features/AutoUploadable/properties/autoUpload"
                            and m.value.get("active") is active, since=since,
                            what=f"autoUpload active={active}").json


def test_activate_runs_every_period_inside_the_window(cloud, agent, files_dir):
    make_file(files_dir / "a.log", 10)
    agent(period="1s")
    mark = cloud.mark()
    now = time.time()
    wall_at_mark, mono_at_mark = time.time(), time.monotonic()
    start, end = int(now), int(now) + 3
    expect_ok(cloud, "activate", {"from": start, "to": end})
    update = wait_auto_upload(cloud, mark, True)
    assert update["topic"] == "edge/device/things/twin/commands/modify"
    assert update["headers"].get("response-required") in (False, "false")
    value = update["value"]
    assert abs(parse_time(value["startTime"]) - start) < 1.01, value
    assert abs(parse_time(value["endTime"]) - end) < 1.01, value
    # let the window pass, plus some
    deadline_mono = mono_at_mark + (end - wall_at_mark) + 2.0
    while time.monotonic() < deadline_mono:
        time.sleep(0.1)
    requests = cloud.upload_requests(mark)
    times = [m.received_at - mono_at_mark + wall_at_mark for m in requests]
    assert 2 <= len(requests) <= 5, f"{len(requests)} periodic requests in a 3 s window at period 1s"
    gaps = [b - a for a, b in zip(times, times[1:])]
    assert all(0.5 <= gap <= 1.8 for gap in gaps), f"gaps between periodic requests: {gaps}"
    assert times[0] - now < 1.2, "the first run must happen at once when from is past"
    assert times[-1] <= end + 0.7, f"request at {times[-1] - end:.2f}s after the window end"
    assert len({m.value['correlationId'] for m in requests}) == len(requests), "periodic ids must differ"
    count = len(cloud.upload_requests(mark))
    assert holds_for(lambda: len(cloud.upload_requests(mark)) == count, 1.0), "requests after the window"


def test_deactivate_stops_periodic_uploads_at_once(cloud, agent, files_dir):
    make_file(files_dir / "a.log", 10)
    process = agent(period="1s")
    mark = cloud.mark()
    now = int(time.time())
    expect_ok(cloud, "activate", {"from": now - 10, "to": now + 60})
    cloud.wait_request(since=mark, timeout=5)
    wait_until(lambda: process.status()["feature"]["active"] is True, 5, message="status feature.active true")
    stop_mark = cloud.mark()
    expect_ok(cloud, "deactivate", {})
    update = wait_auto_upload(cloud, stop_mark, False)
    assert update["value"] == {"active": False, "startTime": None, "endTime": None}, update["value"]
    quiet_from = cloud.mark()
    assert holds_for(lambda: not cloud.upload_requests(quiet_from), 2.5), "periodic uploads after deactivate"
    wait_until(lambda: process.status()["feature"]["active"] is False, 5, message="status feature.active false")


def test_activate_accepts_epoch_millis_and_rfc3339(cloud, agent, files_dir):
    make_file(files_dir / "a.log", 10)
    process = agent()
    base = int(time.time()) + 3600  # in the future: no run now
    mark = cloud.mark()
    expect_ok(cloud, "activate", {"from": base * 1000, "to": (base + 60) * 1000})
    value = wait_auto_upload(cloud, mark, True)["value"]
    assert abs(parse_time(value["startTime"]) - base) < 1.01, value
    assert abs(parse_time(value["endTime"]) - (base + 60)) < 1.01, value
    mark = cloud.mark()
    start_text = datetime.fromtimestamp(base + 120, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    end_text = datetime.fromtimestamp(base + 180, timezone.utc).isoformat()
    expect_ok(cloud, "activate", {"from": start_text, "to": end_text})
    value = wait_auto_upload(cloud, mark, True)["value"]
    assert abs(parse_time(value["startTime"]) - (base + 120)) < 1.01, value
    assert abs(parse_time(value["endTime"]) - (base + 180)) < 1.01, value
    status = wait_until(lambda: (s := process.status())["feature"]["active"] is True
                        and s["feature"]["startTime"] and s, 5, message="status file feature.active true")
    assert abs(parse_time(status["feature"]["startTime"]) - (base + 120)) < 1.01, status["feature"]
    assert abs(parse_time(status["feature"]["endTime"]) - (base + 180)) < 1.01, status["feature"]
    assert not cloud.upload_requests(mark), "a window in the future must not run now"


def test_activate_with_seed_example_values(cloud, agent):
    """The seed's 2000-05 window lies in the past: accepted, nothing runs."""
    agent()
    mark = cloud.mark()
    expect_ok(cloud, "activate", {"from": 957139200, "to": 959817599})
    value = wait_auto_upload(cloud, mark, True)["value"]
    assert parse_time(value["startTime"]) == 957139200
    assert parse_time(value["endTime"]) == 959817599
    assert holds_for(lambda: not cloud.upload_requests(mark), 0.5)


def test_activate_open_window(cloud, agent, files_dir):
    make_file(files_dir / "a.log", 10)
    agent(period="1s")
    mark = cloud.mark()
    expect_ok(cloud, "activate", {})
    assert cloud.wait_request(since=mark, timeout=5)
    expect_ok(cloud, "deactivate", {})


def test_activate_to_before_from_is_400(cloud, agent):
    process = agent()
    mark = cloud.mark()
    expect_error(cloud, "activate", {"from": 959817599, "to": 957139200}, 400, INVALID)
    expect_error(cloud, "activate", {"from": "2030-01-02T00:00:00Z", "to": "2030-01-01T00:00:00Z"}, 400, INVALID)
    expect_error(cloud, "activate", {"from": "not a time", "to": 959817599}, 400, INVALID)
    assert not cloud.property_updates("autoUpload", mark), "a refused activate changed autoUpload"
    assert process.status()["feature"]["active"] is False


def test_first_periodic_run_happens_at_from(cloud, agent, files_dir):
    make_file(files_dir / "a.log", 10)
    agent()  # period 10h: exactly one run inside this test
    mark = cloud.mark()
    start = int(time.time()) + 3
    expect_ok(cloud, "activate", {"from": start, "to": start + 60})
    request = cloud.wait_request(since=mark, timeout=8)
    arrived = time.time() - (time.monotonic() - request.received_at)
    assert start - 0.3 <= arrived <= start + 1.5, f"first run {arrived - start:+.2f}s from 'from'"
    assert holds_for(lambda: len(cloud.upload_requests(mark)) == 1, 1.0)
    expect_ok(cloud, "deactivate", {})


def test_active_in_config_starts_periodic_uploads(cloud, agent, files_dir):
    make_file(files_dir / "a.log", 10)
    mark = cloud.mark()
    agent(active=True, period="1s")
    registration = cloud.wait_event(lambda m: m.path == "/features/AutoUploadable", since=mark)
    assert registration.value["properties"]["autoUpload"]["active"] is True, registration.value
    requests = cloud.wait_requests(2, timeout=5, since=mark)
    assert len({m.value["correlationId"] for m in requests}) == len(requests)
    expect_ok(cloud, "deactivate", {})
