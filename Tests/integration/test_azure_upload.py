"""The agent's `upload` command against the Azure Blob test server: what arrives is read
back with Microsoft's SDK and compared by SHA-256; failures must be clear and never show
the SAS signature."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import os
from urllib.parse import quote

import pytest

from support.azure_fixtures import AZURE_CONTAINER, make_azure_sas

MIB = 1024 * 1024


def write_random_file(path, size: int):
    path.write_bytes(os.urandom(size))
    return path


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def azure_options(server, sas: str, **overrides) -> dict:
    options = {
        "azure.storage.endpoint": server.endpoint + "/",
        "azure.shared.access.signature": sas,
        "azure.blob.container": AZURE_CONTAINER,
    }
    options.update(overrides)
    return {key: value for key, value in options.items() if value is not None}


def assert_no_signature(process, signature: str):
    for text in (process.stdout, process.stderr):
        assert signature not in text
        assert quote(signature, safe="") not in text


@pytest.mark.parametrize("size, blocks", [(1024, 0), (8 * MIB, 0), (40 * MIB, 5)], ids=["1KiB", "8MiB", "40MiB"])
def test_agent_uploads_a_file_that_reads_back_identical(tmp_path, azure_server, azure_sas, azure_blob_client,
                                                        azure_agent_upload, size, blocks):
    path = write_random_file(tmp_path / f"upload-{size}.bin", size)

    process = azure_agent_upload(path, azure_options(azure_server, azure_sas))

    assert process.returncode == 0, process.stderr
    downloaded = azure_blob_client(path.name).download_blob().readall()
    assert sha256_of(downloaded) == sha256_of(path.read_bytes())
    put_blocks = azure_server.records("PutBlock")
    assert len(put_blocks) == blocks
    if blocks:
        assert len({r.query["blockid"] for r in put_blocks}) == blocks
        assert len({len(r.query["blockid"]) for r in put_blocks}) == 1
        assert 1 < azure_server.max_put_blocks_in_flight <= 4
        assert [r.status for r in azure_server.records("BlockList")] == [201]
    else:
        assert [r.status for r in azure_server.records("Blob") if r.method == "PUT"] == [201]
    assert all(r.headers.get("x-ms-version") for r in azure_server.records())


def test_an_empty_file_becomes_an_empty_blob(tmp_path, azure_server, azure_sas, azure_blob_client, azure_agent_upload):
    path = write_random_file(tmp_path / "empty.log", 0)

    process = azure_agent_upload(path, azure_options(azure_server, azure_sas), checksum=True)

    assert process.returncode == 0, process.stderr
    assert azure_server.blob_content(AZURE_CONTAINER, "empty.log") == b""
    assert azure_blob_client("empty.log").download_blob().readall() == b""


def test_checksum_sends_md5_per_block_and_of_the_whole_file(tmp_path, azure_server, azure_sas, azure_blob_client,
                                                            azure_agent_upload):
    path = write_random_file(tmp_path / "checked.bin", 20 * MIB + 7)

    process = azure_agent_upload(path, azure_options(azure_server, azure_sas), checksum=True)

    assert process.returncode == 0, process.stderr
    data = path.read_bytes()
    assert all("content-md5" in r.headers for r in azure_server.records("PutBlock"))
    properties = azure_blob_client(path.name).get_blob_properties()
    assert bytes(properties.content_settings.content_md5) == hashlib.md5(data).digest()
    assert sha256_of(azure_blob_client(path.name).download_blob().readall()) == sha256_of(data)


def test_small_file_with_checksum_is_verified_by_the_service(tmp_path, azure_server, azure_sas, azure_blob_client,
                                                             azure_agent_upload):
    path = write_random_file(tmp_path / "small-checked.bin", 3000)

    process = azure_agent_upload(path, azure_options(azure_server, azure_sas), checksum=True)

    assert process.returncode == 0, process.stderr
    put = azure_server.records("Blob")[0]
    assert put.headers["content-md5"] == base64.b64encode(hashlib.md5(path.read_bytes()).digest()).decode()
    assert bytes(azure_blob_client(path.name).get_blob_properties().content_settings.content_md5) \
        == hashlib.md5(path.read_bytes()).digest()


def test_a_block_corrupted_on_the_way_is_rejected_by_md5_and_sent_again(tmp_path, azure_server, azure_sas,
                                                                        azure_blob_client, azure_agent_upload):
    path = write_random_file(tmp_path / "corrupted-once.bin", 24 * MIB)
    azure_server.corrupt_next_block()

    process = azure_agent_upload(path, azure_options(azure_server, azure_sas), checksum=True)

    assert process.returncode == 0, process.stderr
    assert azure_server.corrupted_blocks == 1
    assert azure_server.md5_mismatches == 1
    put_blocks = azure_server.records("PutBlock")
    assert len(put_blocks) == 3 + 1  # three blocks, one of them twice
    assert [r.error_code for r in put_blocks].count("Md5Mismatch") == 1
    assert sha256_of(azure_blob_client(path.name).download_blob().readall()) == sha256_of(path.read_bytes())


def test_a_busy_server_answer_is_retried(tmp_path, azure_server, azure_sas, azure_signature, azure_blob_client,
                                         azure_agent_upload):
    path = write_random_file(tmp_path / "busy.bin", 100 * 1024)
    azure_server.fail_next(1, 503, "ServerBusy")

    process = azure_agent_upload(path, azure_options(azure_server, azure_sas))

    assert process.returncode == 0, process.stderr
    assert_no_signature(process, azure_signature)
    assert [r.status for r in azure_server.records("Blob") if r.method == "PUT"] == [503, 201]
    assert azure_blob_client(path.name).download_blob().readall() == path.read_bytes()


def test_options_in_other_spellings_and_a_name_that_needs_encoding(tmp_path, azure_server, azure_signature,
                                                                   azure_blob_client, azure_agent_upload):
    path = write_random_file(tmp_path / "my log #1 (ä).txt", 5000)
    sas = make_azure_sas(azure_signature, leading_question_mark=True)

    process = azure_agent_upload(path, azure_options(azure_server, sas,
                                                     **{"azure.storage.endpoint": azure_server.endpoint}))

    assert process.returncode == 0, process.stderr
    assert azure_blob_client(path.name).download_blob().readall() == path.read_bytes()


@pytest.mark.parametrize("missing", ["azure.storage.endpoint", "azure.shared.access.signature",
                                     "azure.blob.container"])
def test_a_missing_option_exits_2_naming_it(tmp_path, azure_server, azure_sas, azure_agent_upload, missing):
    path = write_random_file(tmp_path / "never.bin", 10)

    process = azure_agent_upload(path, azure_options(azure_server, azure_sas, **{missing: None}))

    assert process.returncode == 2
    assert f"required parameter '{missing}' missing or empty" in process.stderr
    assert azure_server.records() == []


def test_an_expired_sas_fails_at_once_without_showing_the_signature(tmp_path, azure_server, azure_signature,
                                                                    azure_agent_upload):
    path = write_random_file(tmp_path / "late.bin", 20 * MIB)
    # Long past: refused locally. (A recent expiry is left to the server, whose clock
    # may differ from the gateway's: test_hardening_clock.py.)
    expired = make_azure_sas(azure_signature, expires_in=-dt.timedelta(days=2))

    process = azure_agent_upload(path, azure_options(azure_server, expired), checksum=True)

    assert process.returncode == 1
    assert "upload URL expired at" in process.stderr
    assert process.elapsed < 10
    assert azure_server.records() == []
    assert_no_signature(process, azure_signature)


def test_a_wrong_signature_reports_azures_error_without_showing_the_signature(tmp_path, azure_server,
                                                                              azure_agent_upload):
    path = write_random_file(tmp_path / "refused.bin", 12 * MIB)
    wrong_signature = base64.b64encode(os.urandom(32)).decode()

    process = azure_agent_upload(path, azure_options(azure_server, make_azure_sas(wrong_signature)))

    assert process.returncode == 1
    assert "403 AuthenticationFailed" in process.stderr
    assert "Server failed to authenticate the request" in process.stderr
    assert_no_signature(process, wrong_signature)
    assert azure_server.blob_content(AZURE_CONTAINER, path.name) is None
