"""Errors never stop the agent: bad payloads, bad values, unknown ids, foreign messages."""
import json

from support.core_flow import MiB, command, expect_error, expect_ok, start_generic, trigger
from support.core_fixtures import make_file
from support.net import holds_for, wait_until

INVALID = "messages:parameter.invalid"
FAILED = "messages:execution.failed"


def assert_still_answers(cloud, process):
    assert process.alive(), process.log_tail()
    expect_ok(cloud, "deactivate", {})


def test_malformed_payloads_are_ignored(cloud, agent):
    process = agent()
    mark = cloud.mark()
    for payload in [b"{not json", b"", b"[1,2,3]", b'"just a string"', b"\xff\xfe\x00",
                    json.dumps({"topic": "edge/device/things/live/messages/trigger"}).encode(),
                    json.dumps({"topic": 5, "path": None, "headers": "x", "value": 1}).encode()]:
        cloud.publish("command//edge:device/req//trigger", payload)
    cloud.publish("command/garbage", b"{}")
    assert_still_answers(cloud, process)
    # nothing can be answered without an envelope: at most the deactivate response
    assert len(cloud.responses(since=mark)) == 1, [m.text for m in cloud.responses(since=mark)]


def test_wrong_value_types_get_400(cloud, agent, files_dir):
    make_file(files_dir / "a.log", 10)
    process = agent()
    expect_error(cloud, "trigger", "not an object", 400, INVALID)
    expect_error(cloud, "trigger", {"correlationID": "x", "options": "not a map"}, 400, INVALID)
    expect_error(cloud, "start", ["array"], 400, INVALID)
    expect_error(cloud, "cancel", {"correlationID": {"nested": 1}}, 400, INVALID)
    expect_error(cloud, "activate", {"from": "yesterday", "to": 959817599}, 400, INVALID)
    expect_error(cloud, "activate", {"from": True}, 400, INVALID)
    assert_still_answers(cloud, process)


def test_start_unknown_id_is_404(cloud, agent, http_sink):
    process = agent()
    value = expect_error(cloud, "start", {"correlationID": "upload-id-0#9",
                                          "options": {"storage.provider": "generic", "https.url": http_sink.url()}},
                         404, INVALID)
    assert "upload-id-0#9" in value["message"]
    expect_error(cloud, "cancel", {"correlationID": "nope", "statusCode": 400, "message": "x"}, 404, INVALID)
    assert http_sink.requests == []
    assert_still_answers(cloud, process)


def test_start_twice_is_500(cloud, agent, files_dir, http_sink):
    make_file(files_dir / "big.bin", 20 * MiB)
    process = agent()
    http_sink.rate = 2 * MiB
    (request,) = trigger(cloud, "twice", 1)
    child = request.value["correlationId"]
    start_generic(cloud, child, http_sink.url("/one"))
    http_sink.wait_bytes(256 * 1024)
    expect_error(cloud, "start", {"correlationID": child,
                                  "options": {"storage.provider": "generic", "https.url": http_sink.url("/two")}},
                 500, (INVALID, FAILED))
    assert [r.path for r in http_sink.requests] == ["/one"], "second start opened another transfer"
    expect_ok(cloud, "cancel", {"correlationID": "twice", "statusCode": 400, "message": "done"})
    assert_still_answers(cloud, process)


def test_start_with_missing_or_bad_provider_options(cloud, agent, files_dir):
    make_file(files_dir / "a.log", 10)
    process = agent()
    (request,) = trigger(cloud, "opts", 1)
    child = request.value["correlationId"]
    value = expect_error(cloud, "start", {"correlationID": child, "options": {"storage.provider": "generic"}},
                         400, INVALID)
    assert "https.url" in value["message"]
    value = expect_error(cloud, "start", {"correlationID": child, "options": {"storage.provider": "dropbox",
                                                                           "https.url": "http://127.0.0.1:9/"}},
                         400, INVALID)
    assert "dropbox" in value["message"] or "storage.provider" in value["message"]
    value = expect_error(cloud, "start", {"correlationID": child, "options": {"https.url": "http://127.0.0.1:9/",
                                                                           "https.method": "DELETE"}},
                         400, INVALID)
    assert "https.method" in value["message"]
    assert_still_answers(cloud, process)


def test_file_url_is_never_used(cloud, agent, files_dir, tmp_path):
    make_file(files_dir / "a.log", 1000)
    target = tmp_path / "stolen.txt"
    process = agent()
    (request,) = trigger(cloud, "fileurl", 1)
    mark = cloud.mark()
    response, cid, _ = command(cloud, "start", {"correlationID": request.value["correlationId"],
                                                "options": {"storage.provider": "generic",
                                                            "https.url": f"file://{target}"}})
    status = response.json["status"]
    if status == 204:
        final = cloud.wait_last_upload("fileurl", since=mark)
        assert final["state"] == "FAILED", final
        assert "file" in final["message"].lower() or "scheme" in final["message"].lower(), final
    else:
        assert status == 400, response.text
        assert response.json["value"]["error"] == INVALID
        assert "https.url" in response.json["value"]["message"]
    assert holds_for(lambda: not target.exists(), 0.5), "the agent wrote through a file:// URL"
    assert_still_answers(cloud, process)


def test_unsupported_operation_is_400_execution_failed(cloud, agent):
    process = agent()
    value = expect_error(cloud, "frobnicate", {"x": 1}, 400, FAILED)
    assert "unsupported" in value["message"].lower()
    assert_still_answers(cloud, process)


def test_messages_for_other_things_or_paths_are_ignored(cloud, agent, files_dir):
    make_file(files_dir / "a.log", 10)
    process = agent()
    mark = cloud.mark()
    ids = [
        cloud.send("trigger", {"correlationID": "other-thing"}, thing="other:thing", device="edge:device"),
        cloud.send("trigger", {"correlationID": "other-thing-2"}, thing="other:thing"),
        cloud.send("trigger", {"correlationID": "other-feature"}, feature="SoftwareUpdatable"),
        cloud.send("trigger", {"correlationID": "no-inbox"}, path="/features/AutoUploadable/properties/foo"),
        cloud.send("trigger", {"correlationID": "outbox"}, path="/features/AutoUploadable/outbox/messages/trigger"),
    ]
    assert_still_answers(cloud, process)
    assert holds_for(lambda: not any(cloud.responses(cid) for cid in ids), 0.5), \
        [m.text for m in cloud.responses(since=mark)]
    assert not cloud.upload_requests(mark), "a foreign message started an upload"


def test_response_required_false_gets_no_response(cloud, agent, files_dir):
    make_file(files_dir / "a.log", 10)
    process = agent()
    mark = cloud.mark()
    quiet_bool = cloud.send("trigger", {"correlationID": "quiet-1", "options": {}}, response_required=False)
    quiet_text = cloud.send("trigger", {"correlationID": "quiet-2", "options": {}}, response_required="false")
    quiet_error = cloud.send("frobnicate", {}, response_required=False)
    cloud.wait_request(lambda m: m.value["correlationId"] == "quiet-1#1", since=mark)
    cloud.wait_request(lambda m: m.value["correlationId"] == "quiet-2#1", since=mark)
    assert_still_answers(cloud, process)
    assert not any(cloud.responses(cid) for cid in (quiet_bool, quiet_text, quiet_error))
    # absent header means true; the string "true" too
    loud = cloud.send("trigger", {"correlationID": "loud-1", "options": {}}, response_required=None)
    assert cloud.wait_response(loud).json["status"] == 204
    loud = cloud.send("trigger", {"correlationID": "loud-2", "options": {}}, response_required="true")
    assert cloud.wait_response(loud).json["status"] == 204


def test_agent_survives_a_burst_of_everything(cloud, agent, files_dir):
    make_file(files_dir / "a.log", 10)
    # Requests go out just in time; a window this wide lets all 30 out at once.
    process = agent(requestWindow=26)
    for index in range(30):
        cloud.send("trigger", {"correlationID": f"burst-{index}", "options": {}}, response_required=False)
        cloud.publish("command//edge:device/req//start", b"{")
    wait_until(lambda: len([m for m in cloud.upload_requests()
                            if m.value["correlationId"].startswith("burst-")]) == 30, 15,
               message="30 outbox requests")
    assert_still_answers(cloud, process)
