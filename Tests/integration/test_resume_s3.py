"""Resume of S3 multipart uploads after kill -9 and SIGTERM, on moto behind a counting proxy.

The agent cuts files into 8 MiB parts, four in flight; a 24 MiB file is three parts. The
proxy holds the upload at one point, the agent is killed there (kill -9) and started again
with the same stateDir: the upload must end SUCCESS with the file's bytes, leave no
multipart upload behind, and send after the restart at most what S3 was missing plus one
part (ListParts keeps what S3 holds).
"""
from __future__ import annotations

import hashlib
import signal

import pytest

from support.core_fixtures import make_file
from support.resume_fixtures import (POINTS, MiB, assert_secrets_confined, hold_at, kill_at_hold, restart,
                                     start_one, state_dir, wait_journal, wait_until)

PART = 8 * MiB
SIZE = 3 * PART
KEY = "resume/big.bin"


def is_part(record, number=None) -> bool:
    return record.method == "PUT" and record.has_param("partNumber") and (
        number is None or record.query["partNumber"] == [str(number)])


def is_complete(record) -> bool:
    return record.method == "POST" and record.has_param("uploadId")


def upload_bodies(record) -> bool:
    """Requests that carry file bytes: UploadPart and PutObject."""
    return record.method == "PUT"


def held_at(proxy, point: str):
    return hold_at(proxy, point, is_piece=is_part, stored=200, is_commit=is_complete)


def upload_id_of(proxy) -> str:
    for record in proxy.records:
        if record.has_param("uploadId"):
            return record.query["uploadId"][0]
    raise AssertionError("no request named an uploadId")


def parts_held_by_s3(s3_target, upload_id: str) -> int:
    """Bytes of the parts S3 holds for the upload (0 when it was completed or is gone)."""
    try:
        listed = s3_target.s3.list_parts(Bucket=s3_target.bucket, Key=KEY, UploadId=upload_id)
    except s3_target.s3.exceptions.NoSuchUpload:
        return 0
    return sum(part["Size"] for part in listed.get("Parts", []))


@pytest.mark.parametrize("point", POINTS)
def test_kill_9_then_restart_resumes_s3_multipart(point, agent, cloud, s3_target, counting_proxy, files_dir):
    proxy = counting_proxy(s3_target.server.port)
    path = files_dir / "big.bin"
    digest = make_file(path, SIZE)
    arrived_at_point = held_at(proxy, point)
    delete = point == "after_commit"  # the file must still be deleted after the restart
    first = agent(delete=delete)
    options = s3_target.options(aws_endpoint=proxy.endpoint, aws_object_key=KEY)
    start_one(cloud, "up-s3", options)
    arrived_at_point()
    upload_id = upload_id_of(proxy)
    wait_journal(agent, upload_id)
    assert_secrets_confined(agent, [s3_target.server.secret_access_key], uploads_ended=False)

    kill_at_hold(first, proxy)
    missing = 0 if point == "after_commit" else SIZE - parts_held_by_s3(s3_target, upload_id)
    mark, since = proxy.mark(), cloud.mark()
    restart(agent, delete=delete)

    final = cloud.wait_last_upload("up-s3", timeout=30, since=since)
    assert final["state"] == "SUCCESS", final
    body = s3_target.object_bytes(KEY)
    assert len(body) == SIZE and hashlib.sha256(body).hexdigest() == digest
    assert s3_target.open_multipart_uploads() == []
    resent = proxy.body_bytes(mark, upload_bodies)
    assert resent <= missing + PART, f"sent {resent} bytes after the restart; S3 was missing {missing}"
    if delete:
        wait_until(lambda: not path.exists(), 5, "file deleted after its upload")
    assert_secrets_confined(agent, [s3_target.server.secret_access_key], uploads_ended=True)


def test_sigterm_pauses_s3_multipart_and_next_start_resumes(agent, cloud, s3_target, counting_proxy, files_dir):
    """SIGTERM suspends: PAUSED reaches the backend, the multipart upload stays on S3 (not
    aborted); the next start goes UPLOADING, sends only the missing part, ends SUCCESS."""
    proxy = counting_proxy(s3_target.server.port)
    digest = make_file(files_dir / "big.bin", SIZE)
    arrived = held_at(proxy, "half_way")
    first = agent(stopTimeout="200ms")
    start_one(cloud, "up-term", s3_target.options(aws_endpoint=proxy.endpoint, aws_object_key=KEY))
    arrived()
    upload_id = upload_id_of(proxy)

    since = cloud.mark()
    first.signal(signal.SIGTERM)
    paused = cloud.wait_last_upload("up-term", states="PAUSED", timeout=10, since=since)
    assert paused["progress"] < 100, paused
    assert first.wait_exit(10) == 0
    proxy.release_all()
    proxy.wait_idle()
    assert [u["UploadId"] for u in s3_target.open_multipart_uploads()] == [upload_id], \
        "SIGTERM must keep the multipart upload for the next start"
    missing = SIZE - parts_held_by_s3(s3_target, upload_id)

    mark, since = proxy.mark(), cloud.mark()
    restart(agent, stopTimeout="200ms")
    final = cloud.wait_last_upload("up-term", timeout=30, since=since)
    states = [v["state"] for v in cloud.last_uploads("up-term", since)]
    assert "UPLOADING" in states and states.index("UPLOADING") < states.index("SUCCESS"), states
    assert final["state"] == "SUCCESS", final
    assert hashlib.sha256(s3_target.object_bytes(KEY)).hexdigest() == digest
    assert s3_target.open_multipart_uploads() == []
    resent = proxy.body_bytes(mark, upload_bodies)
    assert resent <= missing + PART, f"sent {resent} bytes after the restart; S3 was missing {missing}"


def test_file_changed_while_agent_was_down_fails_s3_resume(agent, cloud, s3_target, counting_proxy, files_dir):
    """The file replaced (log rotation) between kill -9 and the restart: the upload ends
    FAILED saying the file changed; no object half old, half new is created. (A file that
    only grew resumes as it was selected: test_active_logs.)"""
    proxy = counting_proxy(s3_target.server.port)
    path = files_dir / "big.bin"
    make_file(path, SIZE)
    arrived = held_at(proxy, "half_way")
    first = agent()
    start_one(cloud, "up-changed", s3_target.options(aws_endpoint=proxy.endpoint, aws_object_key=KEY))
    arrived()
    upload_id = upload_id_of(proxy)
    wait_journal(agent, upload_id)
    kill_at_hold(first, proxy)
    make_file(files_dir / "big.bin.new", SIZE, seed=1)
    (files_dir / "big.bin.new").rename(path)

    since = cloud.mark()
    restart(agent)
    final = cloud.wait_last_upload("up-changed", timeout=20, since=since)
    assert final["state"] == "FAILED", final
    assert "changed" in final["message"] and "another inode" in final["message"] and "big.bin" in final["message"], final
    with pytest.raises(s3_target.s3.exceptions.NoSuchKey):
        s3_target.s3.get_object(Bucket=s3_target.bucket, Key=KEY)
    assert not (state_dir(agent) / "credentials.log").exists()
    # The stale multipart upload is given up, not left to be billed.
    wait_until(lambda: not s3_target.open_multipart_uploads(), 10, "the changed file's multipart upload aborted")
