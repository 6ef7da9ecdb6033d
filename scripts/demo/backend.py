#!/usr/bin/env python3
"""The demo's cloud backend: what a Ditto/Hono backend does to fetch files from a gateway.

    backend.py --port 1883 --thing demo:gateway --tenant demo-tenant \\
               --storage-url http://127.0.0.1:8000 --storage-dir demo/storage --ready FILE

1. waits for the agent to register its AutoUploadable feature (on `e`);
2. sends `trigger`, and answers each outbox `request` with a `start` whose generic
   provider PUTs the file to the storage endpoint;
3. follows the `lastUpload` property and prints the progress;
4. at the end state, checks every file that landed in the storage folder against the
   original on the gateway (SHA-256). Exit status 0 only for SUCCESS with every file intact.

Message shapes: PROTOCOL.md. Needs paho-mqtt (1.x or 2.x).
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import queue
import sys
import time
import uuid
from pathlib import Path

import paho.mqtt.client as mqtt

FEATURE = "AutoUploadable"
FEATURE_PATH = f"/features/{FEATURE}"
TERMINAL = ("SUCCESS", "FAILED", "CANCELED")


def make_client() -> mqtt.Client:
    """A paho client for paho-mqtt 2 or 1 (the callbacks below take either's arguments)."""
    client_id = f"demo-backend-{uuid.uuid4().hex[:6]}"
    if hasattr(mqtt, "CallbackAPIVersion"):
        return mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=client_id)
    return mqtt.Client(client_id=client_id)


class Backend:
    def __init__(self, args: argparse.Namespace):
        self.args = args
        self.thing_prefix = args.thing.replace(":", "/", 1)
        self.inbox: "queue.Queue[tuple[str, dict]]" = queue.Queue()
        self.subscribed = queue.Queue()
        self.client = make_client()
        self.client.on_connect = lambda client, *_: client.subscribe([("e", 1), ("command/+/+/res/#", 1)])
        self.client.on_subscribe = lambda *_: self.subscribed.put(True)
        self.client.on_message = self.on_message
        self.started = time.monotonic()

    def on_message(self, client, userdata, message) -> None:
        try:
            body = json.loads(message.payload)
        except ValueError:
            return
        if isinstance(body, dict):
            self.inbox.put((message.topic, body))

    def say(self, text: str) -> None:
        print(f"[{time.monotonic() - self.started:5.1f}s] backend: {text}", flush=True)

    # ---- commands -----------------------------------------------------------------------
    def send(self, operation: str, value: dict) -> str:
        """One command, shaped as Hono delivers it to the gateway; returns its correlation id."""
        correlation_id = str(uuid.uuid4())
        envelope = {
            "topic": f"{self.thing_prefix}/things/live/messages/{operation}",
            "headers": {"response-required": True, "content-type": "application/json",
                        "correlation-id": correlation_id},
            "path": f"{FEATURE_PATH}/inbox/messages/{operation}",
            "value": value,
        }
        topic = f"command/{self.args.tenant}/{self.args.thing}/req/{correlation_id[:8]}/{operation}"
        self.client.publish(topic, json.dumps(envelope), qos=1)
        return correlation_id

    # ---- the job ------------------------------------------------------------------------
    def run(self) -> int:
        self.client.connect(self.args.host, self.args.port, keepalive=30)
        self.client.loop_start()
        try:
            self.subscribed.get(timeout=10)
            Path(self.args.ready).write_text("subscribed\n")
            return self.fetch_files()
        finally:
            self.client.disconnect()
            self.client.loop_stop()

    def fetch_files(self) -> int:
        self.wait_for(lambda topic, body: body.get("path") == FEATURE_PATH, 30,
                      "registration from the agent (is it running?)")
        self.say(f"agent registered {FEATURE} for thing {self.args.thing}")
        parent = f"demo-{int(time.time())}"
        trigger = self.send("trigger", {"correlationID": parent, "options": {}})
        self.say(f"trigger {parent}")
        pending = {trigger: "trigger"}
        files: dict[str, Path] = {}  # child id -> file on the gateway
        last_shown = (None, -10)
        deadline = time.monotonic() + self.args.timeout
        while time.monotonic() < deadline:
            try:
                topic, body = self.inbox.get(timeout=0.5)
            except queue.Empty:
                continue
            path, value = body.get("path", ""), body.get("value")
            correlation = (body.get("headers") or {}).get("correlation-id")
            if topic.startswith("command/") and "/res/" in topic and correlation in pending:
                what = pending.pop(correlation)
                if body.get("status") != 204:
                    self.say(f"{what} refused: {body.get('status')} {json.dumps(value)}")
                    return 1
            elif path == f"{FEATURE_PATH}/outbox/messages/request" and isinstance(value, dict):
                child = value.get("correlationId", "")
                if not child.startswith(parent + "#"):
                    continue
                source = Path(value["options"]["file.path"])
                files[child] = source
                url = f"{self.args.storage_url.rstrip('/')}/{source.name}"
                start = self.send("start", {"correlationID": child, "options": {
                    "storage.provider": "generic", "https.url": url, "https.method": "PUT"}})
                pending[start] = f"start {child}"
                self.say(f"request {child} {source.name} ({human(source.stat().st_size)}) -> start: PUT {url}")
            elif path == f"{FEATURE_PATH}/properties/lastUpload" and isinstance(value, dict):
                if value.get("correlationId") != parent:
                    continue
                state, progress = value.get("state"), int(value.get("progress") or 0)
                if state != last_shown[0] or progress >= last_shown[1] + 10 or state in TERMINAL:
                    bar = "#" * (progress // 5) + "." * (20 - progress // 5)
                    self.say(f"lastUpload {parent} {state:<9} [{bar}] {progress:3d}%")
                    last_shown = (state, progress)
                if state in TERMINAL:
                    return self.report(parent, value, files)
        self.say(f"no end state for {parent} within {self.args.timeout:.0f}s")
        return 1

    def report(self, parent: str, last: dict, files: dict[str, Path]) -> int:
        if last["state"] != "SUCCESS":
            self.say(f"{parent} ended {last['state']}: {last.get('message')}")
            return 1
        print(f"\n{parent}: SUCCESS, {len(files)} files; the bytes landed in {shown(self.args.storage_dir)}/",
              flush=True)
        intact = True
        for child, source in sorted(files.items()):
            stored = Path(self.args.storage_dir) / source.name
            original, arrived = sha256(source), sha256(stored) if stored.exists() else "(missing)"
            verdict = "SHA-256 OK" if original == arrived else "SHA-256 MISMATCH"
            intact &= original == arrived
            print(f"  {source.name:<20} {human(source.stat().st_size):>9} -> {shown(stored):<32} "
                  f"sha256 {arrived[:16]}…  {verdict}", flush=True)
        if not intact:
            print("FAILED: what arrived differs from the originals", flush=True)
            return 1
        return 0

    def wait_for(self, predicate, timeout: float, what: str) -> dict:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                topic, body = self.inbox.get(timeout=0.5)
            except queue.Empty:
                continue
            if predicate(topic, body):
                return body
        raise SystemExit(f"backend: no {what} within {timeout:.0f}s")


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as source:
        while block := source.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def shown(path) -> str:
    """`path` relative to the current folder when it is below it (shorter lines)."""
    relative = os.path.relpath(path)
    return str(path) if relative.startswith("..") else relative


def human(size: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if size < 1024 or unit == "GiB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size} B"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--thing", required=True)
    parser.add_argument("--tenant", default="")
    parser.add_argument("--storage-url", required=True)
    parser.add_argument("--storage-dir", required=True)
    parser.add_argument("--ready", required=True, help="file written once subscribed")
    parser.add_argument("--timeout", type=float, default=120)
    sys.exit(Backend(parser.parse_args()).run())


if __name__ == "__main__":
    main()
