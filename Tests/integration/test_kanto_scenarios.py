"""Eclipse Kanto's own file-upload integration scenario, played against this agent.

Kanto's suite (integration/upload_test.go) drives its agent through a Ditto backend: five
small files in the upload folder, a `trigger` without any value, one upload request per
file, a `start` for each with the storage's options, then it watches `lastUpload` until the
upload ends and downloads every object to compare it with its file. The same steps run here
against our fixtures for each storage it covers: a generic HTTP server that keeps what is
PUT and serves it back on GET, the Azure Blob test server (read back with Microsoft's SDK)
and moto's S3 (read back with boto3 under Kanto's default key, the file's path).

A second test starts the agent on Kanto's sample config file, so a gateway that drops its
Kanto config in place keeps working.
"""
from __future__ import annotations

import json
import re
import urllib.request
from pathlib import Path
from typing import Callable, Dict, List

import pytest

from support.agent_process import AgentProcess
from support.cloud_client import CloudClient, Message
from support.core_flow import assert_response, expect_ok
from support.net import holds_for

KANTO_FILE_COUNT = 5  # integration/common.go: uploadFilesCount


def write_kanto_files(folder: Path, count: int = KANTO_FILE_COUNT) -> List[Path]:
    """Kanto's test files: upload_it_<i>.txt holding "test" repeated 10*i times."""
    folder.mkdir(parents=True, exist_ok=True)
    files = []
    for number in range(1, count + 1):
        path = folder / f"upload_it_{number}.txt"
        path.write_bytes(b"test" * (10 * number))
        files.append(path)
    return files


class Storage:
    """What the scenario needs of one storage: the `start` options for a file, and the
    object as the storage holds it afterwards."""

    def __init__(self, name: str, options: Callable[[str], Dict[str, str]], read_back: Callable[[str], bytes]):
        self.name = name
        self.options = options
        self.read_back = read_back


def generic_storage(server) -> Storage:
    # Kanto's http provider: PUT to <server>/<base name>, then GET the same URL.
    def url(path: str) -> str:
        return server.url("/" + Path(path).name)

    def read_back(path: str) -> bytes:
        with urllib.request.urlopen(url(path), timeout=10) as response:
            return response.read()

    return Storage("generic", lambda path: {"https.method": "PUT", "https.url": url(path)}, read_back)


def azure_storage(server, sas: str, blob_client) -> Storage:
    # Kanto's azure provider: the container SAS; the blob is named after the file.
    options = {"storage.provider": "azure", "azure.storage.endpoint": server.endpoint + "/",
               "azure.shared.access.signature": sas, "azure.blob.container": "uploads"}
    return Storage("azure", lambda path: dict(options),
                   lambda path: blob_client(Path(path).name).download_blob().readall())


def s3_storage(target) -> Storage:
    # Kanto's aws provider without aws.object.key: the object is stored under the file's path.
    return Storage("aws", lambda path: target.options(), lambda path: target.object_bytes(path))


@pytest.fixture(params=["generic", "azure", "aws"])
def storage(request) -> Storage:
    if request.param == "generic":
        return generic_storage(request.getfixturevalue("fault_server"))
    if request.param == "azure":
        return azure_storage(request.getfixturevalue("azure_server"), request.getfixturevalue("azure_sas"),
                             request.getfixturevalue("azure_blob_client"))
    return s3_storage(request.getfixturevalue("s3_target"))


def trigger_without_value(cloud: CloudClient, thing: str = "edge:device") -> None:
    """A `trigger` whose envelope has no `value` at all, as Kanto's test sends it."""
    envelope = cloud.envelope("trigger", None, "kanto-trigger", thing=thing)
    del envelope["value"]
    topic = cloud.command_topic("trigger", device=thing)
    cloud.publish(topic, json.dumps(envelope).encode())
    namespace, _, name = thing.partition(":")
    assert_response(cloud.wait_response("kanto-trigger"), "trigger", 204, correlation_id="kanto-trigger",
                    request_topic=topic, thing_prefix=f"{namespace}/{name}")


def upload_as_kanto_does(cloud: CloudClient, storage: Storage, files: List[Path], thing: str = "edge:device") -> None:
    """Kanto's testUpload: trigger, collect the requests, start each, watch lastUpload, read back."""
    before_trigger = cloud.mark()
    trigger_without_value(cloud, thing)

    # Every file's request arrives before the backend starts anything (Kanto waits for all
    # of them first; the agent's default request window is larger than five files).
    requests: List[Message] = cloud.wait_requests(len(files), timeout=15, since=before_trigger)
    paths = {}
    for request in requests:
        options = request.value.get("options") or {}
        assert "file.path" in options, f"upload request without file.path: {request.value}"
        paths[request.value["correlationId"]] = options["file.path"]
    assert sorted(paths.values()) == sorted(str(file) for file in files), f"one request per file: {paths}"
    parents = {child.rsplit("#", 1)[0] for child in paths}
    assert len(parents) == 1, f"the children of one trigger share one parent id: {sorted(paths)}"
    (parent,) = parents
    assert re.fullmatch(r"upload-id-\d+", parent), f"generated parent id {parent!r}"

    before_starts = cloud.mark()
    for child, path in paths.items():
        expect_ok(cloud, "start", {"correlationID": child, "options": storage.options(path)}, thing=thing)
    final = cloud.wait_last_upload(parent, timeout=60, since=before_starts)
    assert final["state"] == "SUCCESS", final

    # Kanto's check of the status events: every lastUpload after the starts is UPLOADING,
    # progress never goes back and never passes 100, and the last one is the only SUCCESS.
    statuses = [m.value for m in cloud.property_updates("lastUpload", before_starts)]
    assert all(status.get("correlationId") == parent for status in statuses), statuses
    assert statuses[-1]["state"] == "SUCCESS"
    assert all(status["state"] == "UPLOADING" for status in statuses[:-1]), [s["state"] for s in statuses]
    progress = [status["progress"] for status in statuses]
    assert progress == sorted(progress) and all(0 <= value <= 100 for value in progress), progress
    assert holds_for(lambda: len(cloud.property_updates("lastUpload", before_starts)) == len(statuses), 0.5), \
        "lastUpload published again after SUCCESS"
    assert len(cloud.upload_requests(before_trigger)) == len(files), "more than one request per file"

    for file in files:
        assert storage.read_back(str(file)) == file.read_bytes(), f"{storage.name} object of {file} differs"


def test_kanto_upload_scenario(cloud, agent, files_dir, storage):
    files = write_kanto_files(files_dir)
    agent()
    upload_as_kanto_does(cloud, storage, files)


def answer_identity(cloud: CloudClient, identity: Dict[str, str]) -> None:
    """Plays the local edge connector: Kanto's sample config names no device."""
    def handler(message: Message) -> None:
        if message.topic == "edge/thing/request":
            cloud.client.publish("edge/thing/response", json.dumps(identity), qos=1)
    cloud.handlers.append(handler)


def test_kanto_sample_config_uploads_from_kantos_folder(cloud, agent, broker, tmp_path, fault_server):
    """Kanto's resources/config.json, same keys, with its folders moved under tmp_path and the
    test broker's address added; our own settings (status file, state) go as flags."""
    root = tmp_path / "gateway"
    upload_folder = root / "var" / "tmp" / "file-upload"
    log_file = root / "var" / "log" / "file-upload" / "file-upload.log"
    kanto_config = {"logFile": str(log_file), "files": str(upload_folder / "*.*"), "broker": broker.url}
    files = write_kanto_files(upload_folder, 3)
    (upload_folder / "README").write_text("no dot in the name: outside Kanto's *.* glob\n")
    answer_identity(cloud, {"deviceId": "kanto:gateway", "tenantId": "kanto-tenant"})

    state = tmp_path / "agent-state"
    process = AgentProcess(tmp_path, kanto_config,
                           [f"-statusFile={state / 'status.json'}", f"-stateDir={state}"])
    process.status_path = state / "status.json"
    agent.instances.append(process)  # killed at teardown like the others
    process.start()
    process.wait_ready()

    upload_as_kanto_does(cloud, generic_storage(fault_server), files, thing="kanto:gateway")
    assert log_file.exists(), "Kanto's logFile was not written"
    assert "triggered" in log_file.read_text(errors="replace")
    assert process.stop() == 0
