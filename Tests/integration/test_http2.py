"""Small files over HTTPS to an endpoint that speaks HTTP/2 (nginx, ALPN h2), as GCS does.

Why: libcurl multiplexes concurrent requests to such an endpoint on one connection, and
small files now run 64 at once. The check that a 2xx came for every byte of the body reads
the connection's TCP counters; on a shared connection those count the other streams' bytes
too, so they must not be taken as this request's.
"""
from __future__ import annotations

import hashlib
import sys
import types
from pathlib import Path

from support.backend import StartingBackend
from support.core_fixtures import make_file

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts" / "bench"))
from local_services import WebDAVNginx  # noqa: E402  (the benchmark's nginx, HTTP/2 on)

FILES = 120


def test_small_files_multiplexed_over_http2_all_arrive_whole(agent, cloud, files_dir, tmp_path):
    digests = {f"f{index:03d}.log": make_file(files_dir / f"f{index:03d}.log", 16 * 1024, seed=index)
               for index in range(FILES)}
    nginx = WebDAVNginx(tmp_path / "nginx", http2=True).start()
    sink = types.SimpleNamespace(url=lambda path: nginx.url(path, tls=True))
    backend = StartingBackend(cloud, sink)
    try:
        process = agent(serverCert=str(nginx.certificate))
        cloud.request("trigger", {"correlationID": "h2", "options": {}}, timeout=5)
        final = cloud.wait_last_upload("h2", timeout=60)
    finally:
        backend.close()
        nginx.stop()
    assert final["state"] == "SUCCESS", final
    lines = nginx.tls_access_log.read_text().split("\n")
    puts = [line.split() for line in lines if " PUT " in line]
    assert puts and all(fields[0] == "HTTP/2.0" for fields in puts), puts[:3]
    assert len(puts) == FILES, f"{len(puts)} PUTs for {FILES} files: a 2xx taken for a failure is sent again"
    for index in range(FILES):
        stored = nginx.root / "h2" / str(index + 1)
        assert hashlib.sha256(stored.read_bytes()).hexdigest() == digests[f"f{index:03d}.log"], stored
    assert "bytes of the body" not in process.log_text()
