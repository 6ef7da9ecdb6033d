"""What is stored with an object (issue: object metadata, storage classes, encryption and
content types): S3's settings read back from moto (which checks every signature, so the
headers were signed), Azure's from the test server the SDK proves, the generic content type
from the sink. A backend that sends none of these sees today's objects."""
from __future__ import annotations

import gzip
import hashlib

import pytest

from support.azure_fixtures import AZURE_CONTAINER
from support.core_flow import start_generic, trigger
from support.core_fixtures import make_file
from support.s3_fixtures import make_file as make_s3_file

MIB = 1024 * 1024

S3_SETTINGS = {
    "aws.metadata.team": "edge",
    "aws.metadata.Line-Id": "L 7",
    "aws.storage.class": "standard_ia",
    "aws.server.side.encryption": "aws:kms",
    "aws.sse.kms.key.id": "arn:aws:kms:eu-central-1:123456789012:key/agent-test",
    "aws.tagging": "kind=log&site=plant%201",
}


@pytest.mark.parametrize("size", [300, 12 * MIB], ids=["PutObject", "multipart"])
def test_s3_object_carries_metadata_class_encryption_tags_and_type(s3_target, s3_upload, tmp_path, size):
    s3_upload.configure(contentType="auto")
    file = make_s3_file(tmp_path / "gateway.log", size, seed=5)
    result = s3_upload.run(file, {**s3_target.options(), **S3_SETTINGS})
    assert result.returncode == 0, result.stderr
    assert s3_target.object_bytes(str(file)) == file.read_bytes()
    head = s3_target.s3.head_object(Bucket=s3_target.bucket, Key=str(file))
    assert head["Metadata"] == {"team": "edge", "line-id": "L 7"}
    assert head["StorageClass"] == "STANDARD_IA"
    assert head["ServerSideEncryption"] == "aws:kms"
    assert head["SSEKMSKeyId"] == S3_SETTINGS["aws.sse.kms.key.id"]
    assert head["ContentType"] == "text/plain; charset=utf-8"
    tags = s3_target.s3.get_object_tagging(Bucket=s3_target.bucket, Key=str(file))["TagSet"]
    assert sorted((t["Key"], t["Value"]) for t in tags) == [("kind", "log"), ("site", "plant 1")]


def test_s3_object_without_settings_is_as_before(s3_target, s3_upload, tmp_path):
    file = make_s3_file(tmp_path / "gateway.log", 300)
    assert s3_upload.run(file, s3_target.options()).returncode == 0
    head = s3_target.s3.head_object(Bucket=s3_target.bucket, Key=str(file))
    assert head["Metadata"] == {} and head["ContentType"] == "application/octet-stream"
    assert head.get("ServerSideEncryption") is None and head.get("StorageClass", "STANDARD") == "STANDARD"


@pytest.mark.parametrize("option, value, reason", [
    ("aws.storage.class", "FAST", "'aws.storage.class' must be one of STANDARD"),
    ("aws.server.side.encryption", "rot13", "'aws.server.side.encryption' must be one of AES256"),
    ("aws.sse.kms.key.id", "key-1", "'aws.sse.kms.key.id' needs 'aws.server.side.encryption' aws:kms"),
    ("aws.metadata.two words", "x", "a metadata name must be a token"),
    ("aws.metadata.team", "a\r\nx-amz-acl: public-read", "the value must be printable ASCII"),
    ("aws.tagging", "=nokey", "'aws.tagging' must be URL-encoded"),
])
def test_s3_settings_that_are_wrong_are_refused_before_anything_is_sent(s3_target, s3_upload, tmp_path,
                                                                        option, value, reason):
    file = make_s3_file(tmp_path / "x.bin", 10)
    options = {**s3_target.options(), option: value}
    result = s3_upload.run(file, options)
    assert result.returncode != 0
    assert reason in result.stderr, result.stderr
    assert s3_target.s3.list_objects_v2(Bucket=s3_target.bucket).get("KeyCount", 0) == 0


@pytest.mark.parametrize("size", [1024, 20 * MIB], ids=["Put Blob", "Put Block List"])
def test_azure_blob_carries_metadata_tier_and_type(tmp_path, azure_server, azure_sas, azure_agent_upload, size):
    path = tmp_path / "capture.pcap.gz"
    path.write_bytes(gzip.compress(b"x" * 10) + bytes(size))
    options = {"azure.storage.endpoint": azure_server.endpoint + "/", "azure.shared.access.signature": azure_sas,
               "azure.blob.container": AZURE_CONTAINER, "azure.metadata.team": "edge",
               "azure.metadata.line_id": "L 7", "azure.access.tier": "cool"}
    process = azure_agent_upload(path, options, config={"contentType": "auto"})
    assert process.returncode == 0, process.stderr
    blob = azure_server.blob(AZURE_CONTAINER, path.name)
    assert hashlib.sha256(blob.content).digest() == hashlib.sha256(path.read_bytes()).digest()
    assert blob.metadata == {"team": "edge", "line_id": "L 7"}
    assert blob.access_tier == "Cool"
    assert blob.content_type == "application/gzip"


def test_azure_metadata_name_that_azure_would_refuse_is_a_clear_error(tmp_path, azure_server, azure_sas,
                                                                      azure_agent_upload):
    path = tmp_path / "a.bin"
    path.write_bytes(b"abc")
    options = {"azure.storage.endpoint": azure_server.endpoint + "/", "azure.shared.access.signature": azure_sas,
               "azure.blob.container": AZURE_CONTAINER, "azure.metadata.line-id": "x"}
    process = azure_agent_upload(path, options)
    assert process.returncode != 0
    assert "a metadata name must start with a letter or '_'" in process.stderr
    assert azure_server.records("Blob") == []


def test_generic_content_type_auto_and_from_the_backend(cloud, agent, files_dir, http_sink):
    make_file(files_dir / "a.log", 100)
    make_file(files_dir / "b.gz", 100, seed=1)
    make_file(files_dir / "c.bin", 100, seed=2)
    agent(contentType="auto")
    requests = trigger(cloud, "types", 3)
    names = {r.value["correlationId"]: r.value["options"]["file.path"].rsplit("/", 1)[1] for r in requests}
    for child, name in names.items():
        extra = {"https.content.type": "application/vnd.test"} if name == "c.bin" else {}
        start_generic(cloud, child, http_sink.url(f"/{name}"), **extra)
    assert cloud.wait_last_upload("types", timeout=30)["state"] == "SUCCESS"
    types = {r.path: r.header("Content-Type") for r in http_sink.wait_for(3)}
    assert types == {"/a.log": "text/plain; charset=utf-8", "/b.gz": "application/gzip",
                     "/c.bin": "application/vnd.test"}


def test_generic_content_type_stays_kantos_by_default(cloud, agent, files_dir, http_sink):
    make_file(files_dir / "a.log", 100)
    agent()
    (request,) = trigger(cloud, "default-type", 1)
    start_generic(cloud, request.value["correlationId"], http_sink.url("/a.log"))
    assert cloud.wait_last_upload("default-type", timeout=30)["state"] == "SUCCESS"
    (received,) = http_sink.wait_for(1)
    assert received.header("Content-Type") == "application/x-binary"


def test_a_start_with_a_bad_tier_is_answered_400_with_the_reason(cloud, agent, files_dir, azure_server, azure_sas):
    from support.core_flow import expect_error
    make_file(files_dir / "a.log", 100)
    agent()
    (request,) = trigger(cloud, "bad-tier", 1)
    options = {"storage.provider": "azure", "azure.storage.endpoint": azure_server.endpoint + "/",
               "azure.shared.access.signature": azure_sas, "azure.blob.container": AZURE_CONTAINER,
               "azure.access.tier": "Lukewarm"}
    response = expect_error(cloud, "start", {"correlationID": request.value["correlationId"], "options": options}, 400)
    assert "'azure.access.tier' must be one of Hot, Cool, Cold, Archive, not 'Lukewarm'" in str(response)
