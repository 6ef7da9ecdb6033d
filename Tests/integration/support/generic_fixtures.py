"""Fixtures for the generic HTTP(S) transport tests: an upload PKI (CA, server and client
certificates), HTTPS upload servers, a forward proxy, and a timed `upload` command runner.

Why this exists: the tests of "generic uploads that survive real networks" (bandwidth
caps, proxies, TLS, stall detection) need peers that the shared fixtures do not give, and
need to know *when* things happened (elapsed time, when the "retrying" line appeared),
not only whether the upload worked. Registered through `pytest_plugins` in conftest.py.
"""
from __future__ import annotations

import json
import os
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Tuple

import pytest

from servers.forward_proxy import ForwardProxy
from servers.tls_upload_server import TlsUploadServer

from .agent_process import agent_binary
from .mosquitto_broker import TlsMaterial

PROXY_VARIABLES = ("http_proxy", "https_proxy", "all_proxy", "no_proxy",
                   "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY")


class UploadPKI(TlsMaterial):
    """TlsMaterial's CA and server certificate (SAN IP:127.0.0.1, DNS:localhost), plus a
    client certificate (CN itest-upload-client) signed by the same CA."""

    def _generate(self) -> None:
        super()._generate()
        self.client_cert = self.directory / "client.crt"
        self.client_key = self.directory / "client.key"
        csr = self.directory / "client.csr"
        self._run("req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=itest-upload-client",
                  "-keyout", str(self.client_key), "-out", str(csr))
        ext = self.directory / "client.ext"
        ext.write_text("extendedKeyUsage=clientAuth\nbasicConstraints=CA:FALSE\n")
        self._run("x509", "-req", "-in", str(csr), "-CA", str(self.ca_cert), "-CAkey", str(self.ca_key),
                  "-CAcreateserial", "-days", "2", "-out", str(self.client_cert), "-extfile", str(ext))


@dataclass
class UploadRun:
    """One finished `file-upload-agent upload` run, with timings (monotonic seconds)."""

    returncode: int
    stdout: str
    stderr: str
    started_at: float
    ended_at: float
    stderr_lines: List[Tuple[float, str]] = field(default_factory=list)

    @property
    def elapsed(self) -> float:
        return self.ended_at - self.started_at

    def first_line_containing(self, text: str) -> Optional[Tuple[float, str]]:
        return next(((at, line) for at, line in self.stderr_lines if text in line), None)


class UploadRunner:
    """Runs `file-upload-agent upload FILE --provider generic --options-file … [--config …]`.

    The environment is the test's minus every proxy variable, plus `env`: a test decides
    which proxy settings the agent sees.
    """

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.runs = 0

    def __call__(self, source: Path, options: Dict[str, str], config: Optional[dict] = None,
                 env: Optional[Dict[str, str]] = None, provider: str = "generic",
                 timeout: float = 60.0) -> UploadRun:
        self.runs += 1
        options_file = self.directory / f"upload-options-{self.runs}.json"
        options_file.write_text(json.dumps(options))
        command = [str(agent_binary()), "upload", str(source), "--provider", provider,
                   "--options-file", str(options_file)]
        if config is not None:
            config_file = self.directory / f"upload-config-{self.runs}.json"
            config_file.write_text(json.dumps(config))
            command += ["--config", str(config_file)]
        environment = {k: v for k, v in os.environ.items() if k not in PROXY_VARIABLES}
        environment.update(env or {})
        lines: List[Tuple[float, str]] = []
        started = time.monotonic()
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                   text=True, env=environment)

        def read_stderr() -> None:
            for line in process.stderr:
                lines.append((time.monotonic(), line.rstrip("\n")))

        reader = threading.Thread(target=read_stderr, daemon=True)
        reader.start()
        try:
            stdout = process.stdout.read()
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)
            raise AssertionError(f"upload did not end within {timeout}s; stderr so far: {lines}")
        ended = time.monotonic()
        reader.join(5)
        return UploadRun(process.returncode, stdout, "\n".join(line for _, line in lines),
                         started, ended, lines)


@pytest.fixture
def run_upload(tmp_path) -> UploadRunner:
    """`run_upload(file, options, config=None, env=None)` -> UploadRun (exit code, output, timings)."""
    return UploadRunner(tmp_path)


@pytest.fixture
def upload_pki(tmp_path) -> UploadPKI:
    """A throw-away CA with a server certificate for 127.0.0.1/localhost and a client certificate."""
    return UploadPKI(tmp_path / "upload-pki")


@pytest.fixture
def https_server(upload_pki):
    """Factory: `https_server(client_certificate=False, max_version=None)` -> a running
    TlsUploadServer with `upload_pki`'s server certificate (stopped at teardown)."""
    started: List[TlsUploadServer] = []

    def make(client_certificate: bool = False, max_version=None) -> TlsUploadServer:
        context = TlsUploadServer.context(str(upload_pki.server_cert), str(upload_pki.server_key),
                                          client_ca=str(upload_pki.ca_cert) if client_certificate else None,
                                          max_version=max_version)
        server = TlsUploadServer.start(context=context)
        started.append(server)
        return server

    yield make
    for server in started:
        server.stop()


@pytest.fixture
def forward_proxy():
    """A ForwardProxy on 127.0.0.1:<free port>; `.url`, `.seen`."""
    proxy = ForwardProxy.start()
    try:
        yield proxy
    finally:
        proxy.stop()
