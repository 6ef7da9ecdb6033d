"""PROTOCOL §1: without a configured deviceId the agent asks the local edge for its identity."""
import json

from support.core_flow import expect_ok
from support.core_fixtures import make_file
from support.net import holds_for, wait_until

IDENTITY = {"deviceId": "acme:gateway-7", "tenantId": "t9", "policyId": "acme:policy"}


def answer_identity_requests(cloud, identity):
    """Answers every `edge/thing/request` on `edge/thing/response` (like the local connector)."""
    def handler(message):
        if message.topic == "edge/thing/request":
            cloud.client.publish("edge/thing/response", json.dumps(identity["current"]), qos=1)
    cloud.handlers.append(handler)


def registration_for(prefix):
    return lambda m: (m.json.get("topic") == f"{prefix}/things/twin/commands/modify"
                      and m.path == "/features/AutoUploadable")


def test_identity_from_edge_thing_response(cloud, agent, files_dir):
    make_file(files_dir / "a.log", 10)
    identity = {"current": IDENTITY}
    answer_identity_requests(cloud, identity)
    process = agent(deviceId=None, tenantId=None, ready=False)
    request = cloud.wait_message(lambda m: m.topic == "edge/thing/request", 15, what="edge/thing/request")
    assert request.payload == b"", request.payload
    cloud.wait_event(registration_for("acme/gateway-7"), timeout=15, what="registration as acme:gateway-7")
    process.wait_ready()
    status = wait_until(lambda: (s := process.status()) and s["thing"]["deviceId"] == "acme:gateway-7" and s, 10,
                        message="status thing from edge identity")
    assert status["thing"]["tenantId"] == "t9"
    (outbox,) = trigger_for(cloud, "acme:gateway-7", "ident")
    assert outbox.json["topic"] == "acme/gateway-7/things/live/messages/request"
    assert outbox.json["headers"]["reply-to"] == "command/t9"
    stale = cloud.send("deactivate", {}, thing="edge:device")
    assert holds_for(lambda: not cloud.responses(stale), 0.7), "answered a command for another thing"
    assert not cloud.events(registration_for("edge/device"), 0)


def trigger_for(cloud, thing, parent):
    mark = cloud.mark()
    expect_ok(cloud, "trigger", {"correlationID": parent, "options": {}}, thing=thing)
    return cloud.wait_requests(1, parent, since=mark)


def test_changed_identity_registers_again(cloud, agent, files_dir):
    make_file(files_dir / "a.log", 10)
    identity = {"current": IDENTITY}
    answer_identity_requests(cloud, identity)
    process = agent(deviceId=None, tenantId=None, ready=False)
    cloud.wait_event(registration_for("acme/gateway-7"), timeout=15)
    process.wait_ready()
    mark = cloud.mark()
    identity["current"] = {"deviceId": "acme:gateway-8", "tenantId": "t10", "policyId": "p"}
    cloud.publish("edge/thing/response", json.dumps(identity["current"]))
    cloud.wait_event(registration_for("acme/gateway-8"), timeout=15, since=mark)
    expect_ok(cloud, "deactivate", {}, thing="acme:gateway-8")
    wait_until(lambda: process.status()["thing"]["deviceId"] == "acme:gateway-8", 10, message="status thing")
    old = cloud.send("deactivate", {}, thing="acme:gateway-7")
    assert holds_for(lambda: not cloud.responses(old), 0.7), "still answers for the old identity"


def test_configured_device_id_does_not_ask_edge(cloud, agent):
    agent()
    assert holds_for(lambda: not cloud.select(lambda m: m.topic == "edge/thing/request"), 0.5)


def test_without_device_id_and_edge_agent_it_says_what_it_waits_for(cloud, agent):
    """No deviceId and nobody answering on edge/thing/response: a WARN line after a few
    seconds names the wait and how to end it, and the request is sent again."""
    process = agent(deviceId=None, tenantId=None, ready=False)
    wait_until(lambda: "still waiting for the device identity" in process.log_text(), 15,
               message="a warning about the identity wait")
    line = next(l for l in process.log_text().splitlines() if "still waiting for the device identity" in l)
    assert "WARN" in line and "deviceId" in line, line
    assert len(cloud.select(lambda m: m.topic == "edge/thing/request")) >= 2, "asked again with the warning"
    assert process.alive()
