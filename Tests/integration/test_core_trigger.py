"""PROTOCOL §1-§5: trigger, its response, the outbox requests, file selection, singleUpload."""
import re

from support.core_flow import (MiB, assert_response, command, expect_error, expect_ok, start_generic,
                               trigger)
from support.core_fixtures import make_file
from support.net import holds_for

PARENT = "upload-id-1704439450"


def test_trigger_answers_204_on_response_topic(cloud, agent, files_dir):
    make_file(files_dir / "a.log", 10)
    agent()
    # the seed's form: empty tenant and req-id
    response, cid, topic = command(cloud, "trigger", {"correlationID": PARENT, "options": {}})
    assert topic == "command//edge:device/req//trigger"
    assert response.topic == "command//edge:device/res//204"
    assert_response(response, "trigger", 204, correlation_id=cid, request_topic=topic)
    assert response.json["headers"]["correlation-id"] == cid
    # tenant and req-id are copied from the request topic
    response, cid, topic = command(cloud, "trigger", {"correlationID": PARENT + "-b", "options": {}},
                                   tenant="t1", req_id="req-42")
    assert response.topic == "command/t1/edge:device/res/req-42/204"
    assert_response(response, "trigger", 204, correlation_id=cid, request_topic=topic)


def test_one_outbox_request_per_regular_file(cloud, agent, files_dir):
    names = ["a.log", "b.log", "c.txt"]
    for index, name in enumerate(names):
        make_file(files_dir / name, 100 + index)
    (files_dir / "subdir").mkdir()
    make_file(files_dir / "subdir" / "nested.log", 5)
    agent()
    requests = trigger(cloud, PARENT, 3, options={"options.storage.provider": "generic",
                                                   "options.https.url": "http://127.0.0.1:9/x",
                                                   "options.info.owner": "team-a"})
    assert [m.value["correlationId"] for m in requests] == [f"{PARENT}#1", f"{PARENT}#2", f"{PARENT}#3"]
    paths = sorted(m.value["options"]["file.path"] for m in requests)
    assert paths == sorted(str(files_dir / n) for n in names)
    for message in requests:
        body = message.json
        assert message.topic == "e"
        assert body["topic"] == "edge/device/things/live/messages/request"
        assert body["path"] == "/features/AutoUploadable/outbox/messages/request"
        assert body["headers"].get("response-required") in (False, "false"), body["headers"]
        assert body["headers"].get("content-type") == "application/json"
        assert body["headers"].get("reply-to") == "command/t1"
        options = body["value"]["options"]
        assert options["storage.providers"] == "aws, azure, generic"
        # trigger options named options.X are passed on as X
        assert options["storage.provider"] == "generic"
        assert options["https.url"] == "http://127.0.0.1:9/x"
        assert options["info.owner"] == "team-a"
        assert not any(key.startswith("options.") for key in options), options
    # no request for the directory or anything in it
    mark_paths = [m.value["options"]["file.path"] for m in cloud.upload_requests()]
    assert str(files_dir / "subdir") not in mark_paths
    assert str(files_dir / "subdir" / "nested.log") not in mark_paths


def test_trigger_without_correlation_id_generates_one(cloud, agent, files_dir):
    make_file(files_dir / "a.log", 10)
    agent()
    mark = cloud.mark()
    expect_ok(cloud, "trigger", {"options": {}})
    request = cloud.wait_request(since=mark)
    assert re.fullmatch(r"upload-id-\d+#1", request.value["correlationId"]), request.value


def test_trigger_accepts_correlationId_spelling(cloud, agent, files_dir):
    make_file(files_dir / "a.log", 10)
    agent()
    mark = cloud.mark()
    expect_ok(cloud, "trigger", {"correlationId": "camel-1", "options": {}})
    assert cloud.wait_request(since=mark).value["correlationId"] == "camel-1#1"


def test_trigger_with_no_matching_files_is_an_error_or_empty(cloud, agent, files_dir):
    """Empty folder: either an error response, or 204 without any outbox request."""
    agent()
    mark = cloud.mark()
    response, cid, topic = command(cloud, "trigger", {"correlationID": "none-1", "options": {}})
    assert response.json["status"] in (204, 400, 404, 500), response.text
    assert_response(response, "trigger", response.json["status"], correlation_id=cid, request_topic=topic)
    assert holds_for(lambda: not cloud.upload_requests(mark), 0.5)


def test_strict_mode_refuses_other_glob(cloud, agent, files_dir, tmp_path):
    make_file(files_dir / "a.log", 10)
    make_file(tmp_path / "other" / "secret.txt", 10)
    agent()  # mode strict is the default
    mark = cloud.mark()
    expect_error(cloud, "trigger", {"correlationID": "s1", "options": {"upload.files": str(tmp_path / "other" / "*")}},
                 (400, 403, 500))
    expect_error(cloud, "trigger", {"correlationID": "s2", "options": {"upload.files": "/etc/*"}}, (400, 403, 500))
    assert holds_for(lambda: not cloud.upload_requests(mark), 0.5), "a refused trigger sent requests"
    # the configured glob itself is allowed
    requests = trigger(cloud, "s3", 1, options={"upload.files": str(files_dir / "*")})
    assert requests[0].value["options"]["file.path"] == str(files_dir / "a.log")


def test_scoped_mode_allows_sub_globs_only(cloud, agent, files_dir, tmp_path):
    make_file(files_dir / "a.log", 10)
    make_file(files_dir / "b.txt", 10)
    make_file(tmp_path / "other" / "x.log", 10)
    agent(mode="scoped")
    requests = trigger(cloud, "sc1", 1, options={"upload.files": str(files_dir / "*.log")})
    assert requests[0].value["options"]["file.path"] == str(files_dir / "a.log")
    mark = cloud.mark()
    expect_error(cloud, "trigger", {"correlationID": "sc2", "options": {"upload.files": str(tmp_path / "other" / "*")}},
                 (400, 403, 500))
    assert holds_for(lambda: not [m for m in cloud.upload_requests(mark)
                                  if m.value["correlationId"].startswith("sc2")], 0.5)


def test_lax_mode_allows_any_readable_glob(cloud, agent, files_dir, tmp_path):
    make_file(files_dir / "a.log", 10)
    make_file(tmp_path / "other" / "x.dat", 10)
    agent(mode="lax")
    requests = trigger(cloud, "lx1", 1, options={"upload.files": str(tmp_path / "other" / "*.dat")})
    assert requests[0].value["options"]["file.path"] == str(tmp_path / "other" / "x.dat")


def test_single_upload_refuses_second_trigger_unless_forced(cloud, agent, files_dir, http_sink):
    make_file(files_dir / "big.bin", 20 * MiB)
    agent(singleUpload=True)
    http_sink.rate = 2 * MiB
    (request,) = trigger(cloud, "first", 1)
    start_generic(cloud, request.value["correlationId"], http_sink.url("/first"))
    http_sink.wait_bytes(256 * 1024)
    mark = cloud.mark()
    value = expect_error(cloud, "trigger", {"correlationID": "second", "options": {}}, (400, 409, 500))
    assert value["message"]
    assert holds_for(lambda: not cloud.upload_requests(mark), 0.5), "refused trigger sent a request"
    (forced,) = trigger(cloud, "third", 1, options={"force": "true"})
    assert forced.value["correlationId"] == "third#1"
    expect_ok(cloud, "cancel", {"correlationID": "first", "statusCode": 400, "message": "test done"})


def test_trigger_without_configured_files_is_refused(cloud, agent, files_dir):
    make_file(files_dir / "a.log", 10)
    agent(files=None)
    mark = cloud.mark()
    value = expect_error(cloud, "trigger", {"correlationID": "nofiles", "options": {}}, (400, 500))
    assert value["message"]
    assert holds_for(lambda: not cloud.upload_requests(mark), 0.5)


def test_command_with_empty_device_in_topic_is_answered(cloud, agent, files_dir):
    """`command///req//trigger`: the thing comes from the envelope; the response copies the empty parts."""
    make_file(files_dir / "a.log", 10)
    agent()
    response, cid, topic = command(cloud, "trigger", {"correlationID": "empty-dev", "options": {}}, device="",
                                   thing="edge:device")
    assert topic == "command///req//trigger"
    assert response.topic == "command///res//204", response.topic
    assert_response(response, "trigger", 204, correlation_id=cid, request_topic=topic)
