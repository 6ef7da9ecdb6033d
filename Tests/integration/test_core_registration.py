"""PROTOCOL §4.1: the AutoUploadable feature is (re)registered on every MQTT (re)connect."""
from support.cloud_client import CloudClient
from support.core_flow import expect_ok
from support.net import wait_until

EXPECTED_FEATURE_VALUE = {
    "definition": ["com.bosch.iot.suite.manager.upload:AutoUploadable:1.0.0",
                   "com.bosch.iot.suite.manager.upload:Uploadable:1.0.0"],
    "properties": {"type": "file", "context": "edge",
                   "info": {"supportedProviders": "aws,azure,generic"},
                   "autoUpload": {"active": False, "startTime": None, "endTime": None}},
}


def is_registration(message, thing_prefix="edge/device", feature="AutoUploadable"):
    return (message.json.get("topic") == f"{thing_prefix}/things/twin/commands/modify"
            and message.path == f"/features/{feature}")


def assert_registration(message, value=EXPECTED_FEATURE_VALUE):
    body = message.json
    assert message.topic == "e"
    assert body["headers"].get("response-required") in (False, "false"), body["headers"]
    assert body["value"] == value, body["value"]


def test_feature_registered_on_connect(cloud, agent):
    mark = cloud.mark()
    agent()
    registration = cloud.wait_event(is_registration, since=mark, what="feature registration")
    assert_registration(registration)
    assert message_qos_is_one(registration)


def message_qos_is_one(message):
    # the cloud subscribes with QoS 1, so the delivered QoS is the agent's publish QoS
    return message.qos == 1


def test_feature_id_type_context_from_config(cloud, agent):
    mark = cloud.mark()
    agent(featureId="LogUploadable", type="logs", context="gateway")
    registration = cloud.wait_event(lambda m: is_registration(m, feature="LogUploadable"), since=mark)
    expected = {**EXPECTED_FEATURE_VALUE,
                "properties": {**EXPECTED_FEATURE_VALUE["properties"], "type": "logs", "context": "gateway"}}
    assert_registration(registration, expected)
    cloud.feature = "LogUploadable"
    expect_ok(cloud, "deactivate", {})


def test_reregisters_after_broker_restart_and_still_answers(broker, cloud, agent):
    process = agent()
    cloud.wait_event(is_registration, what="first registration")
    mark = cloud.mark()
    broker.restart()
    cloud.wait_connected(15)
    registration = cloud.wait_event(is_registration, timeout=30, since=mark, what="registration after restart")
    assert_registration(registration)
    expect_ok(cloud, "deactivate", {})
    status = wait_until(lambda: (s := process.status()) and s["mqtt"]["connected"] and s["mqtt"]["reconnects"] >= 1 and s,
                        15, message="status file mqtt.reconnects >= 1 and connected")
    assert status["mqtt"]["broker"] == broker.url
    assert process.alive()


def test_agent_waits_for_broker_that_starts_later(broker, cloud, agent):
    broker.stop()
    process = agent(ready=False)
    wait_until(lambda: process.status() is not None, 15, message="status file written while broker down")
    assert process.status()["mqtt"]["connected"] is False
    assert process.alive()
    mark = cloud.mark()
    broker.start()
    cloud.wait_connected(15)
    process.wait_ready(30)
    cloud.wait_event(is_registration, timeout=15, since=mark)
    expect_ok(cloud, "deactivate", {})


def test_broker_with_username_password(broker_auth, agent):
    cloud = CloudClient(broker_auth).connect()
    try:
        mark = cloud.mark()
        process = agent(broker=broker_auth)
        assert_registration(cloud.wait_event(is_registration, since=mark))
        expect_ok(cloud, "deactivate", {})
        assert broker_auth.password not in process.log_text()
        assert broker_auth.password not in process.status_text()
        assert broker_auth.password not in cloud.all_text()
    finally:
        cloud.close()


def test_broker_with_wrong_password_reports_error_and_keeps_running(broker_auth, agent):
    process = agent(broker=broker_auth, password="wrong-pass-XYZ", ready=False)
    status = wait_until(lambda: (s := process.status()) and s["mqtt"].get("lastError") and s, 20,
                        message="mqtt.lastError in status file")
    assert status["mqtt"]["connected"] is False
    assert process.alive()
    assert "wrong-pass-XYZ" not in process.log_text() + process.status_text()


def test_broker_with_tls(broker_tls, agent):
    cloud = CloudClient(broker_tls).connect()
    try:
        mark = cloud.mark()
        agent(broker=broker_tls)
        assert_registration(cloud.wait_event(is_registration, since=mark))
        expect_ok(cloud, "deactivate", {})
    finally:
        cloud.close()


def test_thing_id_splits_at_the_first_colon(cloud, agent):
    mark = cloud.mark()
    agent(deviceId="org.acme:gw:01")
    cloud.wait_event(lambda m: is_registration(m, thing_prefix="org.acme/gw:01"), since=mark,
                     what="registration under org.acme/gw:01")
    expect_ok(cloud, "deactivate", {}, thing="org.acme:gw:01")
