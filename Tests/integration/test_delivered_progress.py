"""Progress follows what the server has, not what was copied into the kernel.

Why: an 8 MB PUT to a server reading at 1 MB/s showed 34 % after 10 ms and 96 % after 4.5 s:
the socket's send buffer filled at once. A backend that shows the progress to a person, or
decides from it, was told something untrue.
"""
from __future__ import annotations

import threading

from support.core_fixtures import make_file
from support.core_flow import MiB, start_generic, trigger

SIZE = 8 * MiB


def test_progress_never_runs_ahead_of_what_a_slow_server_has_read(cloud, agent, files_dir, http_sink):
    make_file(files_dir / "slow.bin", SIZE)
    http_sink.rate = 1_000_000
    seen = []
    lock = threading.Lock()

    def watch(message):
        if message.path.endswith("/properties/lastUpload") and isinstance(message.value, dict):
            with lock:  # the sink's count when the message arrived: never less than when it was sent
                seen.append((message.value.get("progress"), message.value.get("state"), http_sink.total_bytes()))
    cloud.handlers.append(watch)
    agent()
    (request,) = trigger(cloud, "slow", 1)
    start_generic(cloud, request.value["correlationId"], http_sink.url("/slow"))
    assert cloud.wait_last_upload("slow", timeout=30)["state"] == "SUCCESS"
    with lock:
        during = [(p, read) for p, state, read in seen if state == "UPLOADING"]
    assert len(during) >= 20, f"too few progress messages to judge: {during}"
    ahead = max(p / 100 * SIZE - read for p, read in during)
    assert ahead <= 0.1 * SIZE, f"progress ran {ahead / MiB:.1f} MiB ahead of what the server had read: {during[:10]}"
