"""Starts the agent daemon on a generated config and stops it again.

Why this exists: both benchmarks (one large file, many small files) run the real
daemon the same way: a config file and a log in the run's own folder, no proxy
variables from the caller's environment, SIGTERM at the end and a report when it
does not stop cleanly.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
from pathlib import Path

PROXY_VARIABLES = ("http_proxy", "https_proxy", "all_proxy", "HTTP_PROXY", "HTTPS_PROXY",
                   "ALL_PROXY")


def clean_environment() -> dict:
    return {k: v for k, v in os.environ.items() if k not in PROXY_VARIABLES}


def start_agent(agent_bin: Path, folder: Path, config: dict) -> subprocess.Popen:
    """Writes `config` (plus statusFile and stateDir inside `folder`) and starts the daemon,
    its output going to `folder/agent.log`.  BENCH_AGENT_CONFIG (a JSON object) adds or
    overrides keys, e.g. '{"requestWindow": 8}'."""
    folder.mkdir(parents=True, exist_ok=True)
    config = {"statusFile": str(folder / "status.json"), "stateDir": str(folder / "state"),
              **config, **json.loads(os.environ.get("BENCH_AGENT_CONFIG") or "{}")}
    (folder / "config.json").write_text(json.dumps(config, indent=2))
    with open(folder / "agent.log", "wb") as log:
        return subprocess.Popen([str(agent_bin), "--config", str(folder / "config.json")],
                                stdout=log, stderr=subprocess.STDOUT, env=clean_environment())


def stop_agent(process: subprocess.Popen, folder: Path, grace: float = 30.0) -> str | None:
    """SIGTERM, then SIGKILL after `grace` seconds; returns what went wrong, or None."""
    if process.poll() is not None:
        return f"agent exited {process.returncode} before the end; see {folder / 'agent.log'}"
    process.send_signal(signal.SIGTERM)
    try:
        code = process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
        return f"agent did not stop within {grace:.0f} s of SIGTERM ({folder})"
    if code != 0:
        return f"agent exited {code} after SIGTERM; see {folder / 'agent.log'}"
    return None
