"""A plain-HTTP file body goes from the file to the socket by sendfile(2): none of its bytes
pass through the agent's memory, as Kanto's Go transport sends it. Small bodies and HTTPS
(encrypted in user space anyway) keep libcurl's buffer.

What a user checks: the bytes that arrived (SHA-256), and, through strace, that the file
was sent by sendfile and not read into the agent piece by piece."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
from pathlib import Path

from support.agent_process import agent_binary

MiB = 1024 * 1024


def traced_upload(tmp_path: Path, source: Path, url: str) -> dict[str, int]:
    """Runs `upload` under strace; the number of calls of each traced system call."""
    options = tmp_path / "options.json"
    options.write_text(json.dumps({"https.url": url}))
    counts = tmp_path / "strace.txt"
    environment = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
    done = subprocess.run(["strace", "-f", "-qq", "-c", "-e", "trace=sendfile,pread64,read", "-o", str(counts),
                           str(agent_binary()), "upload", str(source), "--provider", "generic",
                           "--options-file", str(options)],
                          capture_output=True, text=True, timeout=120, env=environment)
    assert done.returncode == 0, done.stderr
    calls = {}
    for line in counts.read_text().splitlines():
        fields = line.split()
        if len(fields) >= 5 and fields[-1] in ("sendfile", "pread64", "read"):
            calls[fields[-1]] = int(fields[3])
    return calls


def test_a_plain_http_body_is_sent_by_sendfile(tmp_path, http_sink):
    data = os.urandom(32 * MiB)
    source = tmp_path / "trace.bin"
    source.write_bytes(data)
    calls = traced_upload(tmp_path, source, http_sink.url("/zero/trace.bin"))
    (received,) = http_sink.wait_for(1)
    assert received.sha256 == hashlib.sha256(data).hexdigest()
    assert calls.get("sendfile", 0) >= 1, calls
    # libcurl's buffer would take 128 reads of 256 KiB; what is left reads the config and /proc.
    assert calls.get("pread64", 0) <= 4, calls


def test_a_small_body_goes_through_libcurls_buffer(tmp_path, http_sink):
    data = os.urandom(300 * 1024)
    source = tmp_path / "small.bin"
    source.write_bytes(data)
    calls = traced_upload(tmp_path, source, http_sink.url("/zero/small.bin"))
    (received,) = http_sink.wait_for(1)
    assert received.sha256 == hashlib.sha256(data).hexdigest()
    assert calls.get("sendfile", 0) == 0, calls
    assert calls.get("pread64", 0) >= 2, calls
