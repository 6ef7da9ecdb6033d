"""The benchmark's backend (Sources/bench-backend) counts what really happened.

`make bench` reports its many-files figures from bench-backend's counts: if it counted a
request it never answered, or a 204 that never came, the benchmark would report a run
that lost nothing when it did. Here it drives the real agent over a real mosquitto, and
its counts are checked against what the HTTP sink received.
"""
import json
import os
import subprocess
import threading
import time

from support.agent_process import DEVICE_ID, REPO_ROOT, TENANT_ID
from support.core_fixtures import make_file
from support.net import wait_until

FILES = 25


def test_bench_backend_answers_every_request_and_counts_truthfully(broker, agent, files_dir, http_sink):
    digests = {f"f{n:02}.bin": make_file(files_dir / f"f{n:02}.bin", 1000 + n, seed=n) for n in range(FILES)}
    binary = os.environ.get("BENCH_BACKEND_BIN", str(REPO_ROOT / ".build/debug/bench-backend"))
    backend = subprocess.Popen([binary, "--port", str(broker.port), "--device", DEVICE_ID, "--tenant", TENANT_ID,
                                "--url-base", http_sink.url("/bench")],
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1)
    latest = {}

    def read():
        for line in backend.stdout:
            latest.update(json.loads(line))

    threading.Thread(target=read, daemon=True).start()
    try:
        wait_until(lambda: latest.get("connected"), 10, message="bench-backend connected")
        agent()
        wait_until(lambda: latest.get("registered"), 10, message="bench-backend saw the feature registered")
        backend.stdin.write("trigger bench-run\n")
        backend.stdin.flush()
        wait_until(lambda: latest.get("endedAt"), 30, message="the upload's end at bench-backend")
        received = {r.path: r.sha256 for r in http_sink.wait_for(FILES)}
        assert received == {f"/bench/{name}": digest for name, digest in digests.items()}
        wait_until(lambda: latest.get("startAnswers", {}).get("204") == FILES, 5, message="every start answered")
        assert latest["requests"] == FILES and latest["starts"] == FILES, latest
        assert latest["duplicateRequests"] == 0 and latest["state"] == "SUCCESS" and latest["progress"] == 100, latest
        assert latest["triggerStatus"] == 204 and 0 < latest["triggerSentAt"] <= latest["triggerAnsweredAt"], latest
        assert latest["triggerAnsweredAt"] <= latest["endedAt"] <= time.monotonic(), latest
    finally:
        backend.stdin.write("quit\n")
        backend.stdin.flush()
        assert backend.wait(10) == 0
