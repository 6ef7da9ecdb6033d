"""Proves the Azure Blob test server faithful: Microsoft's azure-storage-blob SDK talks to it
through a SAS URL exactly as it would talk to Azure, and its errors reach the SDK as
Azure's error codes."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import os
import urllib.error
import urllib.request

import pytest
from azure.core.exceptions import ClientAuthenticationError, HttpResponseError, ResourceNotFoundError
from azure.storage.blob import BlobBlock, ContentSettings

from support.azure_fixtures import AZURE_CONTAINER, make_azure_sas

KIB = 1024


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_sdk_uploads_a_small_blob_in_one_put_and_reads_it_back(azure_server, azure_blob_client):
    data = os.urandom(1 * KIB)
    client = azure_blob_client("small.bin")

    client.upload_blob(data)

    assert sha256(client.download_blob().readall()) == sha256(data)
    assert [r.operation for r in azure_server.records() if r.method == "PUT"] == ["Blob"]
    put = azure_server.records("Blob")[0]
    assert put.headers["x-ms-blob-type"] == "BlockBlob"
    assert put.status == 201


def test_sdk_uploads_a_large_blob_in_blocks_and_reads_it_back_in_ranges(azure_server, azure_blob_client):
    data = os.urandom(1 * KIB * KIB + 123)
    client = azure_blob_client("large.bin", max_single_put_size=64 * KIB, max_block_size=64 * KIB,
                               max_single_get_size=100 * KIB, max_chunk_get_size=100 * KIB)

    client.upload_blob(data, max_concurrency=4)

    downloaded = client.download_blob(max_concurrency=2).readall()
    assert sha256(downloaded) == sha256(data)
    put_blocks = [r for r in azure_server.records("PutBlock")]
    assert len(put_blocks) == -(-len(data) // (64 * KIB))
    assert all(r.status == 201 for r in put_blocks)
    assert len({len(r.query["blockid"]) for r in put_blocks}) == 1
    commits = [r for r in azure_server.records("BlockList") if r.method == "PUT"]
    assert [c.status for c in commits] == [201]
    ranged_gets = [r for r in azure_server.records("Blob") if r.method == "GET"]
    assert len(ranged_gets) > 1 and all(r.status == 206 for r in ranged_gets)


def test_sdk_block_list_operations(azure_server, azure_blob_client):
    client = azure_blob_client("blocks.bin")
    ids = [base64.b64encode(f"{i:06d}".encode()).decode() for i in range(3)]
    parts = [os.urandom(1000 + i) for i in range(3)]
    for block_id, part in zip(ids, parts):
        client.stage_block(block_id, part)

    committed, uncommitted = client.get_block_list("uncommitted")
    assert committed == [] and [(b.id, b.size) for b in uncommitted] == [(i, len(p)) for i, p in zip(ids, parts)]

    client.commit_block_list([BlobBlock(block_id=i) for i in ids])

    committed, uncommitted = client.get_block_list("all")
    assert [b.id for b in committed] == ids and uncommitted == []
    assert client.download_blob().readall() == b"".join(parts)


def test_block_ids_of_unequal_length_are_rejected(azure_blob_client):
    client = azure_blob_client("unequal.bin")
    client.stage_block(base64.b64encode(b"0001").decode(), b"a")

    with pytest.raises(HttpResponseError) as failure:
        client.stage_block(base64.b64encode(b"0000002").decode(), b"b")

    assert failure.value.status_code == 400
    assert failure.value.error_code == "InvalidBlobOrBlock"


def test_commit_of_an_unknown_block_is_rejected(azure_blob_client):
    client = azure_blob_client("unknown-block.bin")
    with pytest.raises(HttpResponseError) as failure:
        client.commit_block_list([BlobBlock(block_id=base64.b64encode(b"nope").decode())])
    assert failure.value.status_code == 400
    assert failure.value.error_code == "InvalidBlockList"


def test_content_md5_is_verified_and_a_flipped_byte_is_rejected(azure_server, azure_blob_client):
    data = os.urandom(300 * KIB)
    client = azure_blob_client("md5.bin", max_single_put_size=64 * KIB, max_block_size=64 * KIB)
    azure_server.corrupt_next_block()

    with pytest.raises(HttpResponseError) as failure:
        client.upload_blob(data, validate_content=True)

    assert failure.value.status_code == 400
    assert failure.value.error_code == "Md5Mismatch"
    assert azure_server.md5_mismatches == 1
    assert azure_server.blob_content(AZURE_CONTAINER, "md5.bin") is None

    client.upload_blob(data, validate_content=True, overwrite=True)  # the flip was once only
    assert sha256(client.download_blob().readall()) == sha256(data)


def test_blob_content_md5_is_stored_and_returned(azure_blob_client):
    data = os.urandom(10 * KIB)
    digest = hashlib.md5(data).digest()
    client = azure_blob_client("stored-md5.bin", max_single_put_size=4 * KIB, max_block_size=4 * KIB)

    client.upload_blob(data, content_settings=ContentSettings(content_md5=bytearray(digest)))

    assert bytes(client.get_blob_properties().content_settings.content_md5) == digest


def test_expired_sas_is_refused(azure_server, azure_blob_client, azure_signature):
    expired = make_azure_sas(azure_signature, expires_in=-dt.timedelta(minutes=1))
    client = azure_blob_client("expired.bin", sas=expired)

    with pytest.raises(ClientAuthenticationError) as failure:
        client.upload_blob(b"never stored")

    assert failure.value.status_code == 403
    assert failure.value.error_code == "AuthenticationFailed"
    assert "Signature not valid in the specified time frame" in str(failure.value)
    assert azure_server.blob_content(AZURE_CONTAINER, "expired.bin") is None


def test_wrong_signature_is_refused(azure_server, azure_blob_client):
    wrong = make_azure_sas(base64.b64encode(os.urandom(32)).decode())
    client = azure_blob_client("wrong-sig.bin", sas=wrong)

    with pytest.raises(ClientAuthenticationError) as failure:
        client.upload_blob(b"never stored")

    assert failure.value.error_code == "AuthenticationFailed"
    assert "Signature did not match" in str(failure.value)
    assert azure_server.blob_content(AZURE_CONTAINER, "wrong-sig.bin") is None


def test_a_request_without_sas_is_answered_like_a_private_container(azure_server, azure_blob_client):
    client = azure_blob_client("anonymous.bin", sas="")
    with pytest.raises(ResourceNotFoundError) as failure:
        client.upload_blob(b"never stored")
    assert failure.value.error_code == "ResourceNotFound"


def test_missing_x_ms_version_is_an_azure_error_with_xml_body_and_header(azure_server, azure_sas):
    request = urllib.request.Request(f"{azure_server.endpoint}/{AZURE_CONTAINER}/raw.bin?{azure_sas}",
                                     data=b"abc", method="PUT", headers={"x-ms-blob-type": "BlockBlob"})
    with pytest.raises(urllib.error.HTTPError) as failure:
        urllib.request.urlopen(request, timeout=5)

    assert failure.value.code == 400
    assert failure.value.headers["x-ms-error-code"] == "MissingRequiredHeader"
    body = failure.value.read().decode()
    assert "<Error><Code>MissingRequiredHeader</Code><Message>" in body


def test_missing_blob_is_not_found(azure_blob_client):
    with pytest.raises(ResourceNotFoundError) as failure:
        azure_blob_client("absent.bin").download_blob().readall()
    assert failure.value.error_code == "BlobNotFound"


def test_sdk_creates_a_container(azure_server, azure_sas):
    from azure.storage.blob import ContainerClient

    container = ContainerClient.from_container_url(f"{azure_server.endpoint}/fresh?{azure_sas}")
    container.create_container()
    container.upload_blob("x.txt", b"hello")
    assert azure_server.blob_content("fresh", "x.txt") == b"hello"


@pytest.mark.parametrize("size", [1 * KIB, 300 * KIB], ids=["put-blob", "blocks"])
def test_sdk_sets_metadata_tier_and_content_type(azure_blob_client, size):
    """What the agent's `azure.metadata.*`, `azure.access.tier` and content type tests read
    back is what the SDK stores and reads through the same server: on Put Blob and on Put
    Block List."""
    from azure.storage.blob import StandardBlobTier
    client = azure_blob_client(f"meta-{size}.log", max_single_put_size=64 * KIB, max_block_size=64 * KIB)

    client.upload_blob(os.urandom(size), metadata={"team": "edge", "Line_2": "x y"},
                       standard_blob_tier=StandardBlobTier.COOL,
                       content_settings=ContentSettings(content_type="text/plain; charset=utf-8"))

    properties = client.get_blob_properties()
    assert properties.metadata == {"team": "edge", "Line_2": "x y"}
    assert properties.blob_tier == "Cool" and not properties.blob_tier_inferred
    assert properties.content_settings.content_type == "text/plain; charset=utf-8"


def test_a_metadata_name_that_is_no_identifier_is_refused(azure_blob_client):
    client = azure_blob_client("bad-meta.bin")
    with pytest.raises(HttpResponseError) as raised:
        client.upload_blob(b"x", metadata={"not-an-identifier": "v"})
    assert raised.value.error_code == "InvalidMetadata"
