"""The aws provider end to end: the agent's `upload` command against moto's S3 with
signatures checked, and the bytes read back with boto3."""
from __future__ import annotations

import hashlib
import signal
import time

import pytest

from support.s3_fixtures import make_file

KIB, MIB = 1024, 1024 * 1024


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@pytest.mark.parametrize("size,checksum,parts", [
    (1 * KIB, False, 0),
    (5 * MIB, True, 0),     # exactly 5 MiB: still one PutObject (part size 8 MiB)
    (40 * MIB, True, 5),    # multipart: 5 parts of 8 MiB
])
def test_upload_arrives_intact(s3_target, s3_upload, tmp_path, size, checksum, parts):
    file = make_file(tmp_path / f"data-{size}.bin", size, seed=size % 97)
    result = s3_upload.run(file, s3_target.options(), checksum=checksum)
    assert result.returncode == 0, result.stderr
    stored = s3_target.object_bytes(str(file))  # Kanto's default key: the path as given
    assert len(stored) == size
    assert sha256(stored) == sha256(file.read_bytes())
    etag = s3_target.s3.head_object(Bucket=s3_target.bucket, Key=str(file))["ETag"].strip('"')
    # A multipart object's ETag ends in -<parts>; a PutObject's is the MD5 of the bytes.
    if parts:
        assert etag.endswith(f"-{parts}")
    else:
        assert etag == hashlib.md5(stored).hexdigest()
    assert s3_target.open_multipart_uploads() == []
    output = result.stderr + result.stdout
    assert s3_target.server.secret_access_key not in output and "Signature=" not in output


def test_object_key_placeholders_expand(s3_target, s3_upload, tmp_path):
    file = make_file(tmp_path / "report 1.log", 300)
    result = s3_upload.run(file, s3_target.options(aws_object_key="{device}/logs/{file}"))
    assert result.returncode == 0, result.stderr
    assert s3_target.object_bytes("edge:device-1/logs/report 1.log") == file.read_bytes()


@pytest.mark.parametrize("size", [300, 12 * MIB])  # one PutObject; multipart (create, parts, complete)
def test_default_key_is_the_file_path_with_its_leading_slash(s3_target, s3_upload, tmp_path, size):
    """Kanto stores an object under the file's path; two files of one name in different
    folders are two objects, each readable by its path, leading slash and all."""
    first, second = tmp_path / "a", tmp_path / "b"
    first.mkdir()
    second.mkdir()
    files = [make_file(first / "same.log", size, seed=3), make_file(second / "same.log", size + 1, seed=4)]
    for file in files:
        result = s3_upload.run(file, s3_target.options())
        assert result.returncode == 0, result.stderr
    keys = sorted(item["Key"] for item in s3_target.s3.list_objects_v2(Bucket=s3_target.bucket)["Contents"])
    assert keys == sorted(str(file) for file in files) and all(key.startswith("/") for key in keys)
    for file in files:
        assert sha256(s3_target.object_bytes(str(file))) == sha256(file.read_bytes())
    assert s3_target.open_multipart_uploads() == []


def test_wrong_secret_fails_with_the_s3_error_and_no_secret(s3_target, s3_upload, tmp_path):
    file = make_file(tmp_path / "small.bin", 2 * KIB)
    wrong_secret = "wrongSecretKeyValue0123456789abcdefABCDEF"
    result = s3_upload.run(file, s3_target.options(aws_secret_access_key=wrong_secret))
    assert result.returncode == 1
    assert "HTTP 403" in result.stderr and "SignatureDoesNotMatch" in result.stderr, result.stderr
    assert wrong_secret not in result.stderr + result.stdout
    assert "Signature=" not in result.stderr
    assert s3_target.s3.list_objects_v2(Bucket=s3_target.bucket).get("KeyCount", 0) == 0


def test_unknown_bucket_names_the_s3_error(s3_target, s3_upload, tmp_path):
    file = make_file(tmp_path / "small.bin", 10)
    result = s3_upload.run(file, s3_target.options(aws_s3_bucket=s3_target.bucket + "-missing"))
    assert result.returncode == 1
    assert "HTTP 404 NoSuchBucket" in result.stderr, result.stderr


def test_session_credentials_from_sts(s3_target, s3_upload, tmp_path):
    credentials = s3_target.server.session_credentials()
    assert credentials["AccessKeyId"].startswith("ASIA")
    session = dict(aws_access_key_id=credentials["AccessKeyId"],
                   aws_secret_access_key=credentials["SecretAccessKey"],
                   aws_session_token=credentials["SessionToken"])
    file = make_file(tmp_path / "session.bin", 12 * MIB, seed=5)  # multipart: every request carries the token
    result = s3_upload.run(file, s3_target.options(**session))
    assert result.returncode == 0, result.stderr
    assert sha256(s3_target.object_bytes(str(file))) == sha256(file.read_bytes())

    other = make_file(tmp_path / "bad-token.bin", 100)
    result = s3_upload.run(other, s3_target.options(**{**session, "aws_session_token": credentials["SessionToken"] + "x"}))
    assert result.returncode == 1
    assert "InvalidToken" in result.stderr, result.stderr
    assert credentials["SessionToken"] not in result.stderr
    assert credentials["SecretAccessKey"] not in result.stderr


@pytest.mark.parametrize("missing", ["aws.region", "aws.access.key.id", "aws.secret.access.key", "aws.s3.bucket"])
def test_missing_option_exits_2_naming_it(s3_target, s3_upload, tmp_path, missing):
    file = make_file(tmp_path / "small.bin", 10)
    result = s3_upload.run(file, s3_target.options(**{missing.replace(".", "_"): None}))
    assert result.returncode == 2
    assert f"required parameter '{missing}' missing or empty" in result.stderr


def stored_parts(target) -> int:
    """Parts S3 holds for the open multipart upload (0 when there is none yet)."""
    uploads = target.open_multipart_uploads()
    if not uploads:
        return 0
    upload = uploads[0]
    return len(target.s3.list_parts(Bucket=target.bucket, Key=upload["Key"],
                                    UploadId=upload["UploadId"]).get("Parts", []))


@pytest.mark.parametrize("stop_signal", [signal.SIGTERM, signal.SIGINT])
def test_cancelled_multipart_upload_leaves_no_parts(s3_target, s3_upload, tmp_path, stop_signal):
    file = tmp_path / "big.bin"
    with open(file, "wb") as out:
        out.truncate(800 * MIB)  # sparse: costs no disk; 100 parts take moto a few seconds
    process = s3_upload.start(file, s3_target.options())
    try:
        deadline = time.monotonic() + 30
        while stored_parts(s3_target) < 2:  # midway: parts stored, more in flight
            assert process.poll() is None, f"upload ended before it could be cancelled: {process.stderr.read()}"
            assert time.monotonic() < deadline, "no multipart upload with parts appeared"
            time.sleep(0.02)
        process.send_signal(stop_signal)
        _, stderr = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode != 0
    assert "cancelled" in stderr, stderr
    assert s3_target.open_multipart_uploads() == []
    assert s3_target.s3.list_objects_v2(Bucket=s3_target.bucket).get("KeyCount", 0) == 0
