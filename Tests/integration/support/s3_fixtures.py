"""Fixtures of the aws provider tests: a moto S3 server with signatures checked, a fresh
bucket per test, and a runner for the agent's `upload` command with aws options.

Why here: the S3 tests drive the agent binary the way an operator would (`upload FILE
--provider aws --options-file …`) and read back what arrived with boto3.
"""
from __future__ import annotations

import json
import os
import subprocess
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest

from servers.moto_s3 import MotoS3
from support.agent_process import agent_binary



def agent_bin() -> str:
    return str(agent_binary())


@dataclass
class S3Target:
    """One bucket on the moto server plus the credentials the agent signs with."""
    server: MotoS3
    bucket: str

    def options(self, **overrides: str | None) -> dict:
        """Start options for the aws provider; an override of None removes that key."""
        options = {
            "storage.provider": "aws",
            "aws.region": self.server.region,
            "aws.access.key.id": self.server.access_key_id,
            "aws.secret.access.key": self.server.secret_access_key,
            "aws.s3.bucket": self.bucket,
            "aws.endpoint": self.server.endpoint,
        }
        for key, value in overrides.items():
            name = key.replace("_", ".")
            if value is None:
                options.pop(name, None)
            else:
                options[name] = value
        return options

    @property
    def s3(self):
        return self.server.client("s3")

    def object_bytes(self, key: str) -> bytes:
        return self.s3.get_object(Bucket=self.bucket, Key=key)["Body"].read()

    def open_multipart_uploads(self) -> list:
        return self.s3.list_multipart_uploads(Bucket=self.bucket).get("Uploads", [])


class UploadRunner:
    """Runs `file-upload-agent upload` with options written to a file (they hold secrets)."""

    def __init__(self, tmp_path: Path):
        self.tmp_path = tmp_path
        self.config = tmp_path / "agent-config.json"
        self.configure()

    def configure(self, **extra) -> None:
        """The agent config the next runs use: the defaults plus `extra` keys."""
        self.config.write_text(json.dumps({"deviceId": "edge:device-1", "logLevel": "DEBUG", **extra}))

    def command(self, file: Path, options: dict, checksum: bool = False) -> list[str]:
        options_file = self.tmp_path / f"options-{uuid.uuid4().hex[:8]}.json"
        options_file.write_text(json.dumps(options))
        command = [agent_bin(), "upload", str(file), "--provider", "aws",
                   "--options-file", str(options_file), "--config", str(self.config)]
        return command + (["--checksum"] if checksum else [])

    def run(self, file: Path, options: dict, checksum: bool = False, timeout: float = 120,
            env: dict | None = None) -> subprocess.CompletedProcess:
        return subprocess.run(self.command(file, options, checksum), capture_output=True, text=True, timeout=timeout,
                              env=env)

    def start(self, file: Path, options: dict, checksum: bool = False) -> subprocess.Popen:
        return subprocess.Popen(self.command(file, options, checksum), stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)


@pytest.fixture(scope="session")
def moto_s3(tmp_path_factory):
    """moto S3/IAM/STS on a free port, signatures checked; one per test session."""
    server = MotoS3(log_path=str(tmp_path_factory.mktemp("moto") / "moto.log")).start()
    yield server
    server.stop()


@pytest.fixture
def s3_target(moto_s3):
    """A fresh, empty bucket on the moto server."""
    bucket = f"agent-{uuid.uuid4().hex[:12]}"
    moto_s3.client("s3").create_bucket(Bucket=bucket)
    return S3Target(moto_s3, bucket)


@pytest.fixture
def s3_upload(tmp_path):
    return UploadRunner(tmp_path)


def make_file(path: Path, size: int, seed: int = 1) -> Path:
    """A file of `size` pseudo-random bytes (so a misplaced part changes the hash)."""
    block = bytes((i * 131 + seed * 7) % 251 for i in range(64 * 1024 + 13))
    with open(path, "wb") as out:
        remaining = size
        while remaining > 0:
            piece = block[: min(len(block), remaining)]
            out.write(piece)
            remaining -= len(piece)
    return path
