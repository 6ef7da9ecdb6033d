"""Resume of a GCS resumable session after kill -9 (the GCS resumable server behind a
counting proxy): the restarted agent asks the session how much it has (`bytes */N`) and
continues from the server's offset, sending at most the missing bytes plus one chunk.
"""
from __future__ import annotations

import hashlib

from support.core_fixtures import make_file
from support.resume_fixtures import (MiB, assert_secrets_confined, kill_at_hold, restart, start_one)

CHUNK = 256 * 1024
SIZE = 2 * MiB


def content_range_start(record) -> int | None:
    value = record.header("content-range") or ""
    if not value.startswith("bytes ") or "*" in value:
        return None
    return int(value[len("bytes "):].split("-", 1)[0])


def test_kill_9_then_restart_continues_gcs_session_at_server_offset(agent, cloud, gcs_server, counting_proxy,
                                                                    files_dir):
    proxy = counting_proxy(gcs_server.port)
    digest = make_file(files_dir / "big.bin", SIZE)
    session = gcs_server.session_id(gcs_server.create_session(name="big.bin"))
    url = f"{proxy.endpoint}/v1/files/gcs_proxy/{session}"
    hold = proxy.hold(lambda r: r.method == "PUT" and content_range_start(r) == 3 * CHUNK, after_bytes=64 * 1024)
    first = agent()
    start_one(cloud, "up-gcs", {"storage.provider": "generic", "https.url": url, "https.resumable": "gcs",
                                "https.chunk.size": "256KiB"})
    hold.wait_held(1)
    assert gcs_server.persisted(session) == 3 * CHUNK
    assert_secrets_confined(agent, [session], uploads_ended=False)

    kill_at_hold(first, proxy)
    missing = SIZE - gcs_server.persisted(session)
    mark, since = proxy.mark(), cloud.mark()
    restart(agent)

    final = cloud.wait_last_upload("up-gcs", timeout=20, since=since)
    assert final["state"] == "SUCCESS", final
    assert gcs_server.stored(session) == (SIZE, digest)
    after = proxy.records[mark:]
    assert any(r.header("content-range") == f"bytes */{SIZE}" for r in after), \
        "the restarted agent did not ask the session for its offset"
    resent = sum(r.body_bytes for r in after)
    assert resent <= missing + CHUNK, f"sent {resent} bytes after the restart; the session was missing {missing}"
    # continued at the server's offset (the held chunk may have arrived whole from the
    # socket buffers after the kill, so the offset is 3 or 4 chunks)
    assert min(s for r in after if (s := content_range_start(r)) is not None) == SIZE - missing
    assert_secrets_confined(agent, [session], uploads_ended=True)
    assert hashlib.sha256(gcs_server.body(session)).hexdigest() == digest
