"""Resume of a plain generic PUT after kill -9: the server keeps nothing of a broken PUT,
so the restarted agent sends the file again from byte 0 and the upload ends SUCCESS."""
from __future__ import annotations

import secrets

from support.core_fixtures import make_file
from support.resume_fixtures import MiB, assert_secrets_confined, restart, start_one, wait_until

SIZE = 8 * MiB  # more than the socket buffers hold, so the first PUT cannot end after the kill


def test_kill_9_then_restart_sends_generic_put_again_from_byte_0(agent, cloud, http_sink, files_dir):
    digest = make_file(files_dir / "big.bin", SIZE)
    signature = secrets.token_hex(32)
    http_sink.stall_after = MiB
    first = agent()
    start_one(cloud, "up-put", {"storage.provider": "generic",
                                "https.url": http_sink.url(f"/put/big.bin?sig={signature}")})
    http_sink.wait_bytes(MiB)
    assert_secrets_confined(agent, [signature], uploads_ended=False)

    first.kill()
    http_sink.stall_after = None
    http_sink.release()
    http_sink.wait_for(1)
    [broken] = http_sink.requests
    assert not broken.complete and broken.bytes < SIZE
    since = cloud.mark()
    restart(agent)

    final = cloud.wait_last_upload("up-put", timeout=20, since=since)
    assert final["state"] == "SUCCESS", final
    wait_until(lambda: len(http_sink.finished) == 2, 5, "the second PUT ended")
    again = http_sink.requests[1]
    assert again.method == "PUT" and again.complete and again.header("Content-Range") is None
    assert again.bytes == SIZE and again.sha256 == digest
    assert_secrets_confined(agent, [signature], uploads_ended=True)
