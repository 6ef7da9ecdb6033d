"""Fixtures for the Azure Blob provider: a running test server, SAS strings, SDK clients.

The SAS looks like a real account SAS (sv, ss, srt, sp, se, st, spr, sig); the server checks
that `sig` equals its configured signature and that `se` has not passed.
"""

from __future__ import annotations

import base64
import datetime as dt
import secrets
from urllib.parse import quote

import pytest

from servers.azure_blob_server import AzureBlobServer
from support.agent_process import agent_binary

AZURE_CONTAINER = "uploads"
AZURE_SAS_VERSION = "2021-08-06"


def azure_sas_time(moment: dt.datetime) -> str:
    """A SAS time: ISO 8601 UTC with seconds, as the portal and SDKs write it."""
    return moment.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def make_azure_sas(signature: str, expires_in: dt.timedelta = dt.timedelta(hours=1),
                   leading_question_mark: bool = False) -> str:
    """A SAS query string signed with `signature` that expires `expires_in` from now."""
    now = dt.datetime.now(dt.timezone.utc)
    params = [
        ("sv", AZURE_SAS_VERSION), ("ss", "b"), ("srt", "co"), ("sp", "rwac"),
        ("se", azure_sas_time(now + expires_in)), ("st", azure_sas_time(now - dt.timedelta(minutes=5))),
        ("spr", "https,http"), ("sig", signature),
    ]
    query = "&".join(f"{key}={quote(value, safe='')}" for key, value in params)
    return ("?" if leading_question_mark else "") + query


@pytest.fixture
def azure_signature() -> str:
    """A fresh SAS signature: base64 of 32 random bytes, like Azure's HMAC-SHA256 `sig`."""
    return base64.b64encode(secrets.token_bytes(32)).decode()


@pytest.fixture
def azure_server(azure_signature):
    """A started Azure Blob test server with the container `uploads`."""
    server = AzureBlobServer(azure_signature, containers=(AZURE_CONTAINER,))
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def azure_sas(azure_signature) -> str:
    """A valid SAS query string (no leading `?`) for `azure_server`, valid for an hour."""
    return make_azure_sas(azure_signature)


@pytest.fixture
def azure_blob_client(azure_server, azure_sas):
    """Makes an azure-storage-blob `BlobClient` for a blob in `uploads` through a SAS URL."""
    from azure.storage.blob import BlobClient

    def make(blob_name: str, sas: str | None = None, container: str = AZURE_CONTAINER, **config):
        url = f"{azure_server.endpoint}/{container}/{quote(blob_name)}?{sas if sas is not None else azure_sas}"
        config.setdefault("retry_total", 0)
        return BlobClient.from_blob_url(url, **config)

    return make


@pytest.fixture
def azure_agent_upload(tmp_path):
    """Runs `file-upload-agent upload FILE --provider azure --options-file …` and returns the
    finished process (stdout, stderr, returncode) plus how long it took."""
    import json
    import os
    import subprocess
    import time

    binary = str(agent_binary())
    if not os.access(binary, os.X_OK):
        pytest.fail(f"agent binary {binary} not built (make release, or set AGENT_BIN)")

    def run(path, options: dict, checksum: bool = False, timeout: float = 180, env: dict | None = None,
            config: dict | None = None):
        options_file = tmp_path / f"azure-options-{time.monotonic_ns()}.json"
        options_file.write_text(json.dumps(options))
        command = [binary, "upload", str(path), "--provider", "azure", "--options-file", str(options_file)]
        if config is not None:
            config_file = tmp_path / f"azure-config-{time.monotonic_ns()}.json"
            config_file.write_text(json.dumps(config))
            command += ["--config", str(config_file)]
        if checksum:
            command.append("--checksum")
        started = time.monotonic()
        process = subprocess.run(command, capture_output=True, text=True, timeout=timeout, env=env)
        process.elapsed = time.monotonic() - started
        return process

    return run
