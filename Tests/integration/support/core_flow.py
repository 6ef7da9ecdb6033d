"""Steps and checks of the AutoUploadable conversation, written once against PROTOCOL.md.

Why: most core tests walk the same path (trigger -> outbox request -> start -> lastUpload);
keeping that path and the literal envelope checks here keeps each test about one behaviour.
"""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Tuple

from .cloud_client import CloudClient, Message

MiB = 1024 * 1024
FEATURE_PATH = "/features/AutoUploadable"
TERMINAL = ("SUCCESS", "FAILED", "CANCELED")
#: The states lastUpload carries: what came before a start is UPLOADING already, as in Kanto.
WIRE_STATES = ("UPLOADING", "PAUSED") + TERMINAL
#: Kanto's endTime of an upload that has not ended.
KANTO_ZERO_TIME = "0001-01-01T00:00:00Z"


def response_topic_for(request_topic: str, status: int) -> str:
    """`command/<tenant>/<device>/req/<req-id>/<op>` -> `command/<tenant>/<device>/res/<req-id>/<status>`."""
    parts = request_topic.split("/")
    assert parts[0] == "command" and parts[3] == "req", request_topic
    return "/".join(["command", parts[1], parts[2], "res", parts[4], str(status)])


def assert_response(response: Message, operation: str, status: int, *, correlation_id: str,
                    request_topic: str = "", thing_prefix: str = "edge/device",
                    feature: str = "AutoUploadable", error: Optional[str] = None) -> Dict[str, Any]:
    """Checks one response literally against PROTOCOL §1/§2; returns its `value` (or {})."""
    request_topic = request_topic or f"command//edge:device/req//{operation}"
    body = response.json
    assert isinstance(body, dict), f"response is not a JSON object: {response.text!r}"
    assert response.qos == 1, f"response published with QoS {response.qos}"
    assert response.topic == response_topic_for(request_topic, status), \
        f"response topic {response.topic!r} for status {status}; body {body}"
    assert body.get("topic") == f"{thing_prefix}/things/live/messages/{operation}", body
    assert body.get("path") == f"/features/{feature}/outbox/messages/{operation}", body
    headers = body.get("headers") or {}
    assert headers.get("correlation-id") == correlation_id, headers
    assert headers.get("content-type") == "application/json", headers
    assert body.get("status") == status, f"expected status {status}, got {body.get('status')}: {body}"
    if status == 204:
        assert body.get("value") is None, f"a 204 response carries no value: {body}"
        return {}
    value = body.get("value")
    assert isinstance(value, dict), f"error response without value object: {body}"
    assert value.get("status") == status, value
    assert isinstance(value.get("message"), str) and value["message"], value
    if error is not None:
        if isinstance(error, (tuple, list)):
            assert value.get("error") in error, value
        else:
            assert value.get("error") == error, value
    else:
        assert value.get("error") in ("messages:parameter.invalid", "messages:execution.failed"), value
    return value


def command(cloud: CloudClient, operation: str, value: Any = None, *, tenant: str = "",
            device: Optional[str] = None, req_id: str = "", timeout: float = 10.0,
            **kwargs: Any) -> Tuple[Message, str, str]:
    """Sends one command and waits for its response; returns (response, correlation-id, request topic)."""
    device = kwargs.get("thing", "edge:device") if device is None else device
    correlation_id = cloud.send(operation, value, tenant=tenant, device=device, req_id=req_id, **kwargs)
    topic = cloud.command_topic(operation, tenant, device, req_id)
    return cloud.wait_response(correlation_id, timeout), correlation_id, topic


def expect_ok(cloud: CloudClient, operation: str, value: Any = None, **kwargs: Any) -> Message:
    response, correlation_id, topic = command(cloud, operation, value, **kwargs)
    assert_response(response, operation, 204, correlation_id=correlation_id, request_topic=topic,
                    thing_prefix=_prefix(kwargs), feature=kwargs.get("feature") or cloud.feature)
    return response


def expect_error(cloud: CloudClient, operation: str, value: Any, status, error=None,
                 **kwargs: Any) -> Dict[str, Any]:
    """Sends a command that must fail with `status` (int or tuple of allowed ints)."""
    response, correlation_id, topic = command(cloud, operation, value, **kwargs)
    allowed = status if isinstance(status, (tuple, list)) else (status,)
    got = (response.json or {}).get("status")
    assert got in allowed, f"{operation} {value!r}: expected status {allowed}, got {response.topic} {response.text}"
    return assert_response(response, operation, got, correlation_id=correlation_id, request_topic=topic,
                           thing_prefix=_prefix(kwargs), feature=kwargs.get("feature") or cloud.feature,
                           error=error)


def _prefix(kwargs: Dict[str, Any]) -> str:
    thing = kwargs.get("thing", "edge:device")
    namespace, _, name = thing.partition(":")
    return f"{namespace}/{name}"


def trigger(cloud: CloudClient, parent: Optional[str], files: int, options: Optional[Dict[str, str]] = None,
            timeout: float = 10.0) -> List[Message]:
    """trigger -> 204 -> `files` outbox requests for that parent; returns the requests by child number."""
    mark = cloud.mark()
    value: Dict[str, Any] = {"options": options or {}}
    if parent is not None:
        value = {"correlationID": parent, **value}
    expect_ok(cloud, "trigger", value)
    if files == 0:
        return []
    requests = cloud.wait_requests(files, parent, timeout=timeout, since=mark)
    return sorted(requests, key=lambda m: child_number(m.value["correlationId"]))


def child_number(child_id: str) -> int:
    return int(child_id.rsplit("#", 1)[1])


def start_generic(cloud: CloudClient, child: str, url: str, **options: str) -> Message:
    """start with the generic provider (`https.url`) -> 204."""
    opts = {"storage.provider": "generic", "https.url": url}
    opts.update(options)
    return expect_ok(cloud, "start", {"correlationID": child, "options": opts})


def assert_progress_sequence(values: List[Dict[str, Any]], final_state: str = "SUCCESS") -> None:
    """lastUpload rule: progress never goes back; 100 exactly once, together with SUCCESS, last."""
    assert values, "no lastUpload published"
    progress = [v.get("progress") for v in values]
    assert all(isinstance(p, int) and 0 <= p <= 100 for p in progress), progress
    assert progress == sorted(progress), f"progress went back: {progress}"
    states = [v.get("state") for v in values]
    assert values[-1]["state"] == final_state, f"states {states}"
    if final_state == "SUCCESS":
        hundreds = [v for v in values if v.get("progress") == 100]
        assert len(hundreds) == 1, f"progress 100 published {len(hundreds)} times: {list(zip(states, progress))}"
        assert hundreds[0]["state"] == "SUCCESS" and hundreds[0] is values[-1], list(zip(states, progress))
    assert states.count(final_state) == 1, f"terminal state published more than once: {states}"
    for value in values:
        assert_last_upload_shape(value)
        assert value.get("state") in WIRE_STATES, value


def assert_last_upload_shape(value: Dict[str, Any]) -> None:
    """PROTOCOL §4 lastUpload: the documented keys with the documented JSON types."""
    from datetime import datetime
    assert isinstance(value.get("correlationId"), str) and value["correlationId"], value
    assert value.get("state") in WIRE_STATES, f"PENDING and QUEUED never go on the wire: {value}"
    assert isinstance(value.get("progress"), int) and not isinstance(value["progress"], bool), value
    assert isinstance(value.get("statusCode"), str), f"statusCode must be a string: {value}"
    assert isinstance(value.get("message"), str), value
    assert isinstance(value.get("info", {}), dict), value
    for key in ("startTime", "endTime"):
        if value.get(key) not in (None, ""):
            datetime.fromisoformat(value[key].replace("Z", "+00:00"))
    assert value.get("startTime"), f"startTime missing: {value}"
    if value["state"] in TERMINAL:
        assert value.get("endTime") and value["endTime"] != KANTO_ZERO_TIME, f"a finished upload has an endTime: {value}"
    else:
        assert value.get("endTime") == KANTO_ZERO_TIME, f"an upload under way has Kanto's zero endTime: {value}"


def find_upload(status: Optional[Dict[str, Any]], correlation_id: str, section: str) -> Optional[Dict[str, Any]]:
    if not status:
        return None
    for upload in status.get(section) or []:
        if upload.get("correlationId") == correlation_id:
            return upload
    return None
