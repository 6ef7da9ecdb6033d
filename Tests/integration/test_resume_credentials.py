"""Credentials for a resume: start options that expired while the agent was down (a
pre-signed URL's X-Amz-Date + X-Amz-Expires, a SAS `se`) or that the server refuses after
the restart (403) make the restarted agent publish a new outbox `request` for the same file
id; the backend's new `start` resumes where the server stopped, and the upload ends SUCCESS.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import time

from support.azure_fixtures import make_azure_sas
from support.core_fixtures import make_file
from support.core_flow import expect_ok
from support.resume_fixtures import (MiB, assert_secrets_confined, kill_at_hold, restart, start_one,
                                     wait_journal, wait_until)
from test_resume_azure import BLOCK, NAME, SIZE as AZURE_SIZE, block_bodies, block_id, \
    held_at as azure_held_at, options_through, uncommitted_bytes
from test_resume_s3 import KEY, PART, SIZE as S3_SIZE, held_at as s3_held_at, parts_held_by_s3, upload_bodies, \
    upload_id_of

LIFETIME = 3  # seconds the first credentials stay valid


def presigned(url: str, signature: str, lifetime: int) -> str:
    """A URL signed like an S3 pre-signed URL, valid `lifetime` seconds from now."""
    now = dt.datetime.now(dt.timezone.utc)
    return (f"{url}?X-Amz-Algorithm=AWS4-HMAC-SHA256"
            f"&X-Amz-Credential=AKIAEXAMPLE%2F{now:%Y%m%d}%2Fus-east-1%2Fs3%2Faws4_request"
            f"&X-Amz-Date={now:%Y%m%dT%H%M%SZ}&X-Amz-Expires={lifetime}&X-Amz-SignedHeaders=host"
            f"&X-Amz-Signature={signature}")


def renewed_request(cloud, child: str, since: int):
    """The new outbox request the restarted agent publishes for `child`."""
    return cloud.wait_request(lambda m: m.value["correlationId"] == child, timeout=15, since=since)


def sleep_until(moment: float) -> None:
    while time.time() < moment:
        time.sleep(0.05)


def test_generic_url_expired_while_down_is_asked_for_again(agent, cloud, http_sink, files_dir):
    digest = make_file(files_dir / "big.bin", 8 * MiB)
    old, new = secrets.token_hex(32), secrets.token_hex(32)
    http_sink.stall_after = MiB
    expires_at = time.time() + LIFETIME
    first = agent()
    child = start_one(cloud, "up-url", {"https.url": presigned(http_sink.url("/put/big.bin"), old, LIFETIME)})
    http_sink.wait_bytes(MiB)
    first.kill()
    http_sink.stall_after = None
    http_sink.release()
    sleep_until(expires_at + 1)

    since = cloud.mark()
    restart(agent)
    request = renewed_request(cloud, child, since)
    assert request.value["options"]["file.path"].endswith("big.bin")
    assert_secrets_confined(agent, [old, new], uploads_ended=True)  # nothing kept while it waits
    expect_ok(cloud, "start", {"correlationID": child,
                               "options": {"https.url": presigned(http_sink.url("/put/big.bin"), new, 3600)}})
    final = cloud.wait_last_upload("up-url", timeout=20, since=since)
    assert final["state"] == "SUCCESS", final
    wait_until(lambda: any(r.complete for r in http_sink.requests), 5, "a complete PUT")
    done = [r for r in http_sink.requests if r.complete]
    assert [(r.bytes, r.sha256, new in r.query) for r in done] == [(8 * MiB, digest, True)]
    assert_secrets_confined(agent, [old, new], uploads_ended=True)


def test_azure_sas_expired_while_down_is_asked_for_again_and_resumes(agent, cloud, azure_server, azure_signature,
                                                                     counting_proxy, files_dir):
    proxy = counting_proxy(azure_server.port)
    digest = make_file(files_dir / NAME, AZURE_SIZE)
    arrived = azure_held_at(proxy, "half_way")
    short_sas = make_azure_sas(azure_signature, expires_in=dt.timedelta(seconds=LIFETIME))
    expires_at = time.time() + LIFETIME
    first = agent()
    child = start_one(cloud, "up-sas", options_through(proxy, azure_server, short_sas))
    arrived()
    wait_journal(agent, block_id(2))
    kill_at_hold(first, proxy)
    missing = AZURE_SIZE - uncommitted_bytes(azure_server)
    sleep_until(expires_at + 1)

    mark, since = proxy.mark(), cloud.mark()
    restart(agent)
    renewed_request(cloud, child, since)
    expect_ok(cloud, "start", {"correlationID": child,
                               "options": options_through(proxy, azure_server, make_azure_sas(azure_signature))})
    final = cloud.wait_last_upload("up-sas", timeout=20, since=since)
    assert final["state"] == "SUCCESS", final
    assert hashlib.sha256(azure_server.blob_content("uploads", NAME)).hexdigest() == digest
    resent = proxy.body_bytes(mark, block_bodies)
    assert resent <= missing + BLOCK, f"sent {resent} bytes after the restart; Azure was missing {missing}"
    assert_secrets_confined(agent, [azure_signature], uploads_ended=True)


EXPIRED_TOKEN = (b'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>ExpiredToken</Code>'
                 b'<Message>The provided token has expired.</Message></Error>')


def test_s3_keys_refused_after_restart_are_asked_for_again_and_resume(agent, cloud, s3_target, counting_proxy,
                                                                      files_dir):
    proxy = counting_proxy(s3_target.server.port)
    digest = make_file(files_dir / "big.bin", S3_SIZE)
    arrived = s3_held_at(proxy, "half_way")
    first = agent()
    child = start_one(cloud, "up-keys", s3_target.options(aws_endpoint=proxy.endpoint, aws_object_key=KEY))
    arrived()
    upload_id = upload_id_of(proxy)
    wait_journal(agent, upload_id)
    kill_at_hold(first, proxy)
    missing = S3_SIZE - parts_held_by_s3(s3_target, upload_id)
    # While the agent is down its keys are revoked: S3 answers them 403 from now on.
    old_key = s3_target.server.access_key_id
    proxy.refuse(lambda r: f"Credential={old_key}/" in (r.header("authorization") or ""), 403, EXPIRED_TOKEN,
                 {"Content-Type": "application/xml"})

    mark, since = proxy.mark(), cloud.mark()
    restart(agent)
    renewed_request(cloud, child, since)
    session = s3_target.server.session_credentials()
    expect_ok(cloud, "start", {"correlationID": child, "options": s3_target.options(
        aws_endpoint=proxy.endpoint, aws_object_key=KEY, aws_access_key_id=session["AccessKeyId"],
        aws_secret_access_key=session["SecretAccessKey"], aws_session_token=session["SessionToken"])})
    final = cloud.wait_last_upload("up-keys", timeout=20, since=since)
    assert final["state"] == "SUCCESS", final
    assert hashlib.sha256(s3_target.object_bytes(KEY)).hexdigest() == digest
    assert s3_target.open_multipart_uploads() == []
    resent = proxy.body_bytes(mark, upload_bodies)
    assert resent <= missing + PART, f"sent {resent} bytes after the restart; S3 was missing {missing}"
    assert_secrets_confined(agent, [s3_target.server.secret_access_key, session["SecretAccessKey"],
                                    session["SessionToken"]], uploads_ended=True)
