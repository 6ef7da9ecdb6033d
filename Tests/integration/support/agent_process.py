"""Runs the file-upload-agent binary under test, one process per test.

Why: every end-to-end test needs the same things: a config JSON with sane defaults in the
test's temp folder, the process started with `--config`, its stderr kept in a file so a
failure can show the tail, readiness read from the status file, a clean SIGTERM stop, and a
guaranteed kill at teardown.
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path
from typing import Any, Dict, List, Optional

REPO_ROOT = Path(__file__).resolve().parents[3]
# The binary that ships (`make release`: optimised, stripped, no test hooks) is the one under
# test; the debug build, whose fault and clock hooks the shipped one lacks, serves only the
# tests that need those hooks (`hooks_binary`).
SHIPPED_BIN = REPO_ROOT / "build" / "release" / "file-upload-agent"
HOOKS_BIN = REPO_ROOT / ".build" / "debug" / "file-upload-agent"
DEVICE_ID = "edge:device"
TENANT_ID = "t1"


def agent_binary() -> Path:
    return Path(os.environ.get("AGENT_BIN", str(SHIPPED_BIN)))


def hooks_binary() -> Path:
    """The test-only build that reads FILE_UPLOAD_AGENT_FAULT and FILE_UPLOAD_AGENT_CLOCK_OFFSET."""
    return Path(os.environ.get("HOOKS_AGENT_BIN", str(HOOKS_BIN)))


def run_cli(*args: str, timeout: float = 30.0, env: Optional[Dict[str, str]] = None) -> subprocess.CompletedProcess:
    """Runs the binary once (status, upload, --version, ...) and returns its result."""
    return subprocess.run([str(agent_binary()), *map(str, args)], capture_output=True, text=True,
                          timeout=timeout, env=env)


class AgentProcess:
    def __init__(self, directory: Path, config: Dict[str, Any], extra_args: List[str]):
        self.directory = directory
        self.config = config
        self.extra_args = extra_args
        self.config_path = directory / "agent-config.json"
        self.log_path = directory / "agent.log"
        self.status_path = Path(config["statusFile"]) if config.get("statusFile") else None
        self.process: Optional[subprocess.Popen] = None
        self.exit_code: Optional[int] = None

    # ---- lifecycle ----------------------------------------------------------------------
    def start(self) -> "AgentProcess":
        binary = agent_binary()
        if not binary.exists():
            raise FileNotFoundError(f"agent binary not found at {binary} (make release, or set AGENT_BIN)")
        self.config_path.write_text(json.dumps(self.config, indent=2))
        log = open(self.log_path, "ab")
        self.process = subprocess.Popen([str(binary), "--config", str(self.config_path), *self.extra_args],
                                        stdout=log, stderr=subprocess.STDOUT, cwd=self.directory)
        log.close()
        return self

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def wait_ready(self, timeout: float = 20.0) -> Dict[str, Any]:
        """Waits until this process's status file says the MQTT connection is up; returns the
        status. A file left by an earlier instance (same path, another pid) does not count."""
        deadline = time.monotonic() + timeout
        last: Any = None
        while True:
            if not self.alive():
                raise AssertionError(f"agent exited with {self.process.returncode if self.process else None} "
                                     f"before it was ready:\n{self.log_tail()}")
            try:
                last = self.status()
            except (json.JSONDecodeError, OSError) as error:
                last = error
            if (isinstance(last, dict) and (last.get("mqtt") or {}).get("connected") is True
                    and (last.get("agent") or {}).get("pid") == self.pid):
                return last
            if time.monotonic() > deadline:
                raise AssertionError(f"agent not ready after {timeout}s; status={last!r}\n{self.log_tail()}")
            time.sleep(0.05)

    def status(self) -> Optional[Dict[str, Any]]:
        """The parsed status file, None while it does not exist. A torn file raises."""
        if self.status_path is None or not self.status_path.exists():
            return None
        return json.loads(self.status_path.read_text())

    def status_text(self) -> str:
        if self.status_path is None or not self.status_path.exists():
            return ""
        return self.status_path.read_text(errors="replace")

    def signal(self, signum: int) -> None:
        assert self.process is not None
        self.process.send_signal(signum)

    def wait_exit(self, timeout: float = 15.0) -> int:
        assert self.process is not None
        try:
            self.exit_code = self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            raise AssertionError(f"agent did not exit within {timeout}s\n{self.log_tail()}")
        return self.exit_code

    def stop(self, timeout: float = 15.0) -> int:
        """SIGTERM, then wait; returns the exit code."""
        if self.process is None:
            raise AssertionError("agent not started")
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        return self.wait_exit(timeout)

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            try:
                self.process.wait(5)
            except subprocess.TimeoutExpired:
                pass

    # ---- output -------------------------------------------------------------------------
    def log_text(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def log_tail(self, lines: int = 60) -> str:
        return "\n".join(self.log_text().splitlines()[-lines:])

    def cli(self, *args: str, timeout: float = 30.0) -> subprocess.CompletedProcess:
        """Runs a CLI subcommand against this agent's config (e.g. `status --json`)."""
        return run_cli(*args, "--config", str(self.config_path), timeout=timeout)


class AgentFactory:
    """Callable fixture object: `agent(**config_overrides)` starts an agent.

    Overrides with value None remove the key (e.g. `deviceId=None`). Keyword-only helpers:
    `broker=` another broker fixture (a string is taken as the `broker` config value), `args=` extra CLI args, `start=False` to only write the
    config, `ready=False` to skip `wait_ready()`.
    """

    def __init__(self, tmp_path: Path, default_broker_provider):
        self.tmp_path = tmp_path
        self._default_broker_provider = default_broker_provider
        self.instances: List[AgentProcess] = []
        self.files_dir = tmp_path / "files"
        self.files_dir.mkdir(exist_ok=True)

    def base_config(self, broker=None) -> Dict[str, Any]:
        broker = broker or self._default_broker_provider()
        config: Dict[str, Any] = {
            "broker": broker.url,
            "deviceId": DEVICE_ID,
            "tenantId": TENANT_ID,
            "files": str(self.files_dir / "*"),
            "statusFile": str(self.tmp_path / "status.json"),
            "stateDir": str(self.tmp_path / "state"),
            "logLevel": "DEBUG",
        }
        if broker.username is not None:
            config["username"] = broker.username
            config["password"] = broker.password
        if broker.tls is not None:
            config["caCert"] = str(broker.tls.ca_cert)
        return config

    def __call__(self, *, broker=None, args: Optional[List[str]] = None, start: bool = True,
                 ready: bool = True, **overrides: Any) -> AgentProcess:
        if isinstance(broker, str):  # a literal `broker` config value, not a broker fixture
            overrides["broker"] = broker
            broker = None
        config = self.base_config(broker)
        for key, value in overrides.items():
            if value is None:
                config.pop(key, None)
            else:
                config[key] = value
        directory = self.tmp_path / f"agent{len(self.instances)}"
        directory.mkdir(exist_ok=True)
        process = AgentProcess(directory, config, list(args or []))
        self.instances.append(process)
        if start:
            process.start()
            if ready:
                process.wait_ready()
        return process

    def teardown(self) -> None:
        for process in self.instances:
            process.kill()

    def log_tails(self, lines: int = 60) -> str:
        parts = []
        for index, process in enumerate(self.instances):
            if process.log_path.exists():
                parts.append(f"--- agent {index} ({process.log_path}) ---\n{process.log_tail(lines)}")
        return "\n".join(parts)
