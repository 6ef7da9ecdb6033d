#!/usr/bin/env python3
"""A stand-in for the agent daemon that speaks just enough of PROTOCOL.md for the
benchmark driver: registers the feature, answers `trigger` with one outbox `request`
per file, uploads on `start` with `curl -T`, publishes lastUpload UPLOADING, then
SUCCESS once every file of the trigger is done.

Why this exists: it lets `scripts/bench.sh` (and its MQTT driver) be checked end to
end before the Swift daemon runs, e.g.
`AGENT_BIN=scripts/bench/protocol_stub_agent.py BENCH_PAIRS=1 scripts/bench.sh`.
Its figures are curl's, not the agent's.  Needs paho-mqtt (run it with the venv).
"""

import glob
import json
import signal
import subprocess
import sys
import threading

import paho.mqtt.client as mqtt


def main() -> int:
    config = json.load(open(sys.argv[sys.argv.index("--config") + 1]))
    host, port = config["broker"].removeprefix("tcp://").rsplit(":", 1)
    namespace, name = config["deviceId"].split(":", 1)
    feature = config.get("featureId", "AutoUploadable")
    prefix = f"{namespace}/{name}"
    uploads: dict[str, str] = {}        # child id -> file path
    remaining: dict[str, int] = {}      # parent id -> children not yet ended
    failed: dict[str, bool] = {}
    lock = threading.Lock()
    stopped = threading.Event()

    def twin(path: str, value) -> None:
        client.publish("e", json.dumps({
            "topic": f"{prefix}/things/twin/commands/modify", "path": path,
            "headers": {"response-required": False}, "value": value}), qos=1)

    def on_connect(client, userdata, flags, reason_code, properties):
        client.subscribe("command/+/+/req/#", qos=1)
        twin(f"/features/{feature}", {"properties": {"type": "file"}})

    def respond(topic: str, envelope: dict, status: int) -> None:
        parts = topic.split("/")
        client.publish(f"command/{parts[1]}/{parts[2]}/res/{parts[4]}/{status}", json.dumps({
            "topic": envelope["topic"], "status": status,
            "path": envelope["path"].replace("/inbox/", "/outbox/"),
            "headers": {"correlation-id": envelope["headers"].get("correlation-id")}}), qos=1)

    def upload(parent: str, path: str, url: str) -> None:
        """Uploads one child; the parent ends when its last child has ended."""
        twin(f"/features/{feature}/properties/lastUpload",
             {"correlationId": parent, "state": "UPLOADING", "progress": 0})
        done = subprocess.run(["curl", "-sS", "--fail", "--noproxy", "*", "-T", path, url,
                               "-o", "/dev/null"])
        with lock:
            remaining[parent] -= 1
            failed[parent] = failed.get(parent, False) or done.returncode != 0
            if remaining[parent]:
                return
        state = "FAILED" if failed[parent] else "SUCCESS"
        twin(f"/features/{feature}/properties/lastUpload",
             {"correlationId": parent, "state": state, "progress": 100 if state == "SUCCESS" else 0,
              "statusCode": "", "message": ""})

    def on_message(client, userdata, message):
        envelope = json.loads(message.payload)
        operation = envelope["path"].rsplit("/", 1)[1]
        value = envelope.get("value") or {}
        correlation = value.get("correlationID") or value.get("correlationId")
        if operation == "trigger":
            respond(message.topic, envelope, 204)
            files = sorted(glob.glob(config["files"]))
            remaining[correlation] = len(files)
            for index, path in enumerate(files, 1):
                child = f"{correlation}#{index}"
                uploads[child] = path
                client.publish("e", json.dumps({
                    "topic": f"{prefix}/things/live/messages/request",
                    "path": f"/features/{feature}/outbox/messages/request",
                    "headers": {"response-required": False},
                    "value": {"correlationId": child, "options": {"file.path": path}}}), qos=1)
        elif operation == "start" and correlation in uploads:
            respond(message.topic, envelope, 204)
            threading.Thread(target=upload, daemon=True, args=(
                correlation.split("#")[0], uploads[correlation], value["options"]["https.url"])).start()
        else:
            respond(message.topic, envelope, 404)

    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id="protocol-stub-agent")
    client.on_connect = on_connect
    client.on_message = on_message
    client.connect(host, int(port))
    signal.signal(signal.SIGTERM, lambda *_: stopped.set())
    client.loop_start()
    stopped.wait()
    client.loop_stop()
    client.disconnect()
    return 0


if __name__ == "__main__":
    sys.exit(main())
