"""`make demo` as a newcomer runs it: scripts/demo.sh with the agent under test.

Why: the demo is the first thing a new user runs; it must end by itself with exit status 0,
say SUCCESS, have put the files into its storage folder byte for byte, and leave no broker,
storage endpoint or agent running.
"""
from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

from support.agent_process import agent_binary

REPO = Path(__file__).resolve().parents[2]


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def processes_mentioning(text: str) -> list[str]:
    listing = subprocess.run(["ps", "-eo", "args"], capture_output=True, text=True).stdout
    return [line for line in listing.splitlines() if text in line and "ps -eo" not in line]


def test_demo_uploads_every_file_and_stops_what_it_started(tmp_path):
    demo = tmp_path / "demo"
    env = dict(os.environ, DEMO_DIR=str(demo), DEMO_BANDWIDTH="40MB")
    run = subprocess.run([str(REPO / "scripts/demo.sh"), str(agent_binary()), sys.executable],
                         capture_output=True, text=True, timeout=90, env=env, cwd=REPO)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    assert "SUCCESS" in run.stdout and "SHA-256 MISMATCH" not in run.stdout, run.stdout
    assert run.stdout.count("SHA-256 OK") == 3, run.stdout
    originals = sorted((demo / "device").iterdir())
    assert [p.name for p in originals] == ["boot.log", "camera-snapshot.jpg", "vehicle-trace.bin"]
    for original in originals:
        stored = demo / "storage" / original.name
        assert stored.exists() and sha256(stored) == sha256(original), original.name
    assert processes_mentioning(str(demo)) == [], "the demo left processes running"
