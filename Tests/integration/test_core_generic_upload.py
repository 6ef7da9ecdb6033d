"""PROTOCOL §3/§4/§6: start with the generic provider, lastUpload, checksum, delete, cancel."""
import time

from support.core_flow import (MiB, assert_last_upload_shape, assert_progress_sequence, expect_ok, find_upload, start_generic,
                               trigger)
from support.core_fixtures import make_file
from support.net import holds_for, wait_until

PARENT = "upload-id-1704439450"


def test_generic_put_delivers_the_exact_bytes(cloud, agent, files_dir, http_sink):
    size = 5 * MiB + 123
    digest = make_file(files_dir / "data.bin", size)
    process = agent()
    (request,) = trigger(cloud, PARENT, 1)
    child = request.value["correlationId"]
    assert child == f"{PARENT}#1"
    start_generic(cloud, child, http_sink.url("/bucket/data.bin"))
    final = cloud.wait_last_upload(PARENT, timeout=30)
    assert final["state"] == "SUCCESS", final
    (received,) = http_sink.wait_for(1)
    assert received.method == "PUT" and received.path == "/bucket/data.bin"
    assert received.bytes == size and received.sha256 == digest
    assert_progress_sequence(cloud.last_uploads(PARENT))
    assert final["progress"] == 100 and final["correlationId"] == PARENT
    assert final["startTime"] and final["endTime"], final
    status = wait_until(lambda: (s := process.status()) and find_upload(s, PARENT, "recent")
                        and find_upload(s, PARENT, "recent")["state"] == "SUCCESS" and s,
                        10, message="upload in status.recent with SUCCESS")
    recent = find_upload(status, PARENT, "recent")
    assert recent["progress"] == 100
    (file_entry,) = recent["files"]
    assert file_entry["correlationId"] == child
    assert file_entry["path"] == str(files_dir / "data.bin")
    assert file_entry["provider"] == "generic"
    assert file_entry["size"] == size and file_entry["transferred"] == size
    assert file_entry["state"] == "SUCCESS"
    assert file_entry["attempts"] == 1, file_entry
    assert find_upload(status, PARENT, "uploads") is None, "a finished upload is still listed as running"
    assert (files_dir / "data.bin").exists(), "delete is off: the file must stay"


def test_two_files_progress_is_over_all_bytes(cloud, agent, files_dir, http_sink):
    digests = {"a.bin": make_file(files_dir / "a.bin", 3 * MiB, seed=1),
               "b.bin": make_file(files_dir / "b.bin", 1 * MiB, seed=2)}
    process = agent()
    requests = trigger(cloud, "two", 2)
    for request in requests:
        name = request.value["options"]["file.path"].rsplit("/", 1)[1]
        start_generic(cloud, request.value["correlationId"], http_sink.url(f"/t/{name}"))
    final = cloud.wait_last_upload("two", timeout=30)
    assert final["state"] == "SUCCESS", final
    received = {r.path: r.sha256 for r in http_sink.wait_for(2)}
    assert received == {f"/t/{name}": digest for name, digest in digests.items()}
    assert_progress_sequence(cloud.last_uploads("two"))
    # The log: one line for the upload's end at info; a file that succeeds only at debug.
    wait_until(lambda: "upload two ended SUCCESS (2 file(s): 2 success)" in process.log_text(), 5,
               message="the upload's end in the log")
    per_file = [line for line in process.log_text().splitlines() if line.endswith(" succeeded")]
    assert len(per_file) == 2 and all(" DEBUG " in line for line in per_file), per_file


def test_checksum_sends_content_md5(cloud, agent, files_dir, http_sink):
    make_file(files_dir / "sum.bin", 2 * MiB + 5)
    agent(checksum=True)
    (request,) = trigger(cloud, "md5", 1)
    start_generic(cloud, request.value["correlationId"], http_sink.url("/sum.bin"))
    assert cloud.wait_last_upload("md5")["state"] == "SUCCESS"
    (received,) = http_sink.wait_for(1)
    assert received.header("Content-MD5") == received.md5_base64


def test_post_method_and_custom_headers(cloud, agent, files_dir, http_sink):
    digest = make_file(files_dir / "post.bin", 700_000)
    agent()
    (request,) = trigger(cloud, "post", 1)
    start_generic(cloud, request.value["correlationId"], http_sink.url("/form?target=a"),
                  **{"https.method": "POST", "https.header.X-Custom": "custom-value",
                     "https.header.X-Trace-Id": "trace-7"})
    assert cloud.wait_last_upload("post")["state"] == "SUCCESS"
    (received,) = http_sink.wait_for(1)
    assert received.method == "POST"
    assert received.path == "/form" and received.query_params == {"target": ["a"]}
    assert received.header("X-Custom") == "custom-value"
    assert received.header("X-Trace-Id") == "trace-7"
    assert received.sha256 == digest and received.bytes == 700_000


def test_info_options_land_in_last_upload_info(cloud, agent, files_dir, http_sink):
    make_file(files_dir / "i.bin", 1000)
    agent()
    (request,) = trigger(cloud, "info", 1)
    start_generic(cloud, request.value["correlationId"], http_sink.url("/i"), **{"info.ticket": "T-1"})
    final = cloud.wait_last_upload("info")
    assert final["state"] == "SUCCESS"
    assert final.get("info", {}).get("ticket") == "T-1", final


def test_failed_upload_reports_failed_and_keeps_file_even_with_delete(cloud, agent, files_dir, http_sink):
    make_file(files_dir / "keep.bin", 300_000)
    agent(delete=True)
    http_sink.status = 403
    (request,) = trigger(cloud, "fail", 1)
    start_generic(cloud, request.value["correlationId"], http_sink.url("/denied"))
    final = cloud.wait_last_upload("fail", timeout=30)
    assert final["state"] == "FAILED", final
    assert "keep.bin" in final["message"] and "403" in final["message"], final["message"]
    assert_progress_sequence(cloud.last_uploads("fail"), "FAILED")
    assert (files_dir / "keep.bin").exists(), "a failed upload deleted the file"
    assert holds_for(lambda: (files_dir / "keep.bin").exists(), 0.5)


def test_delete_removes_file_only_after_success(cloud, agent, files_dir, http_sink):
    digest = make_file(files_dir / "gone.bin", 3 * MiB)
    agent(delete=True)
    http_sink.rate = 3 * MiB
    (request,) = trigger(cloud, "del", 1)
    start_generic(cloud, request.value["correlationId"], http_sink.url("/gone"))
    http_sink.wait_bytes(512 * 1024)
    assert (files_dir / "gone.bin").exists(), "file deleted while its upload still runs"
    assert cloud.wait_last_upload("del", timeout=30)["state"] == "SUCCESS"
    values = cloud.last_uploads("del")
    assert "UPLOADING" in [v["state"] for v in values], "no lastUpload while uploading"
    assert len({v["progress"] for v in values}) >= 3, f"progress not reported while bytes flow: {values}"
    assert_progress_sequence(values)
    (received,) = http_sink.wait_for(1)
    assert received.sha256 == digest
    wait_until(lambda: not (files_dir / "gone.bin").exists(), 5, message="file deleted after success")


def test_cancel_mid_upload(cloud, agent, files_dir, http_sink):
    size = 20 * MiB
    make_file(files_dir / "huge.bin", size)
    agent()
    http_sink.rate = 2 * MiB
    (request,) = trigger(cloud, PARENT, 1)
    start_generic(cloud, request.value["correlationId"], http_sink.url("/huge"))
    http_sink.wait_bytes(1 * MiB, timeout=15)
    running = cloud.wait_event(lambda m: m.path.endswith("/properties/lastUpload")
                               and m.value["correlationId"] == PARENT and m.value["state"] == "UPLOADING"
                               and 0 < m.value["progress"] < 100, timeout=10,
                               what="lastUpload UPLOADING with 0 < progress < 100").value
    assert_last_upload_shape(running)
    started = time.monotonic()
    expect_ok(cloud, "cancel", {"correlationID": PARENT, "statusCode": 400,
                                "message": "description why the upload is canceled"})
    final = cloud.wait_last_upload(PARENT, timeout=15)
    assert final["state"] == "CANCELED", final
    assert final["statusCode"] == "400", final  # lastUpload.statusCode is a string (PROTOCOL §4)
    assert final["message"] == "description why the upload is canceled", final
    http_sink.rate = None  # drain what is still in socket buffers quickly
    (received,) = http_sink.wait_for(1, timeout=10)
    assert time.monotonic() - started < 10
    assert not received.complete and received.bytes < size, received
    values = cloud.last_uploads(PARENT)
    assert_progress_sequence(values, "CANCELED")
    assert "SUCCESS" not in [v["state"] for v in values]
    assert [v["progress"] for v in values] == sorted(v["progress"] for v in values)


def test_cancel_by_child_id_with_string_status_code(cloud, agent, files_dir, http_sink):
    make_file(files_dir / "huge.bin", 20 * MiB)
    agent()
    http_sink.rate = 2 * MiB
    (request,) = trigger(cloud, "cchild", 1)
    child = request.value["correlationId"]
    start_generic(cloud, child, http_sink.url("/huge"))
    http_sink.wait_bytes(512 * 1024, timeout=15)
    expect_ok(cloud, "cancel", {"correlationId": child, "statusCode": "499", "message": "stop it"})
    final = cloud.wait_last_upload("cchild", timeout=15)
    assert final["state"] == "CANCELED" and final["statusCode"] == "499" and final["message"] == "stop it", final


def test_cancel_pending_upload_before_start(cloud, agent, files_dir):
    make_file(files_dir / "p.bin", 10)
    agent()
    trigger(cloud, "pend", 1)
    expect_ok(cloud, "cancel", {"correlationID": "pend", "statusCode": 400, "message": "not now"})
    final = cloud.wait_last_upload("pend")
    assert final["state"] == "CANCELED" and final["message"] == "not now"
    assert final["statusCode"] == "400"
    assert_last_upload_shape(final)


def rss_bytes(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


def test_upload_streams_from_disk_without_holding_the_file(cloud, agent, files_dir, http_sink):
    """Bytes flow at once after start, and the agent's memory does not grow with the file."""
    size = 96 * MiB
    digest = make_file(files_dir / "stream.bin", size)
    process = agent()
    (request,) = trigger(cloud, "stream", 1)
    baseline = rss_bytes(process.pid)
    http_sink.rate = 32 * MiB
    started = time.monotonic()
    start_generic(cloud, request.value["correlationId"], http_sink.url("/stream"))
    http_sink.wait_bytes(1, timeout=5)
    assert time.monotonic() - started < 2, "first byte arrived late: is the file read whole before sending?"
    peak = baseline
    while not http_sink.finished:
        peak = max(peak, rss_bytes(process.pid))
        time.sleep(0.05)
        assert time.monotonic() - started < 40, "upload did not finish"
    assert cloud.wait_last_upload("stream", timeout=10)["state"] == "SUCCESS"
    (received,) = http_sink.wait_for(1)
    assert received.bytes == size and received.sha256 == digest
    assert peak - baseline < 48 * MiB, f"agent RSS grew by {(peak - baseline) / MiB:.0f} MiB for a {size // MiB} MiB file"


def test_start_without_storage_provider_defaults_to_generic(cloud, agent, files_dir, http_sink):
    digest = make_file(files_dir / "d.bin", 123_456)
    agent()
    (request,) = trigger(cloud, "default", 1)
    expect_ok(cloud, "start", {"correlationID": request.value["correlationId"],
                               "options": {"https.url": http_sink.url("/d")}})
    assert cloud.wait_last_upload("default")["state"] == "SUCCESS"
    (received,) = http_sink.wait_for(1)
    assert received.method == "PUT" and received.sha256 == digest


def test_server_busy_503_is_retried_with_the_whole_body(cloud, agent, files_dir, http_sink):
    digest = make_file(files_dir / "r.bin", 1 * MiB + 1)
    process = agent()
    answers = iter([503])
    http_sink.responder = lambda r: (next(answers, 201), {"Retry-After": "0"}, b"")
    (request,) = trigger(cloud, "retry", 1)
    start_generic(cloud, request.value["correlationId"], http_sink.url("/r"))
    final = cloud.wait_last_upload("retry", timeout=30)
    assert final["state"] == "SUCCESS", final
    first, second = http_sink.wait_for(2)
    assert first.status == 503 and second.status == 201
    assert second.bytes == 1 * MiB + 1 and second.sha256 == digest
    assert_progress_sequence(cloud.last_uploads("retry"))
    entry = wait_until(lambda: find_upload(process.status(), "retry", "recent"), 10, message="recent entry")
    assert entry["files"][0]["attempts"] == 2, entry


def test_cancel_ends_a_stalled_transfer_at_once(cloud, agent, files_dir, http_sink):
    make_file(files_dir / "stall.bin", 20 * MiB)
    agent()
    http_sink.stall_after = 512 * 1024  # the server stops reading; the agent's socket fills up
    (request,) = trigger(cloud, "stalled", 1)
    start_generic(cloud, request.value["correlationId"], http_sink.url("/stall"))
    http_sink.wait_bytes(512 * 1024)
    time.sleep(0.5)  # let the agent block on the full socket
    started = time.monotonic()
    expect_ok(cloud, "cancel", {"correlationID": "stalled", "statusCode": 400, "message": "stalled"})
    final = cloud.wait_last_upload("stalled", timeout=5)
    assert final["state"] == "CANCELED", final
    assert time.monotonic() - started < 3, "cancel of a stalled transfer took long"
    http_sink.release()
    (received,) = http_sink.wait_for(1, timeout=10)
    assert not received.complete


def test_upload_survives_a_broker_outage_and_reports_the_result(persistent_broker, persistent_cloud, agent,
                                                                 files_dir, http_sink):
    broker, cloud = persistent_broker, persistent_cloud
    size = 6 * MiB
    digest = make_file(files_dir / "outage.bin", size)
    process = agent(broker=broker)
    http_sink.rate = 2 * MiB
    (request,) = trigger(cloud, "outage", 1)
    start_generic(cloud, request.value["correlationId"], http_sink.url("/outage"))
    http_sink.wait_bytes(512 * 1024)
    broker.stop()
    (received,) = http_sink.wait_for(1, timeout=20)
    assert received.complete and received.sha256 == digest, "the MQTT outage broke the transfer"
    wait_until(lambda: (e := find_upload(process.status(), "outage", "recent")) and e["state"] == "SUCCESS", 10,
               message="status file shows SUCCESS while the broker is down")
    assert not [v for v in cloud.last_uploads("outage") if v["state"] == "SUCCESS"]
    broker.start()
    cloud.wait_connected(15)
    final = cloud.wait_last_upload("outage", states="SUCCESS", timeout=20)
    assert final["progress"] == 100
