"""A real mosquitto broker for one test, on a free 127.0.0.1 port.

Why: the agent's MQTT behaviour (reconnect, re-registration, QoS 1) only shows against a
real broker. `restart()` keeps the port so a connected agent sees a broker outage, not a
configuration change. Variants: anonymous (default), username/password, TLS,
`persistent=True` (sessions survive a restart, for tests that must not miss a message), and
`max_queued_messages` (a larger per-client queue, for a test client slower than the agent).
"""
from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path
from typing import Optional

from .net import free_port, port_accepts

MOSQUITTO = os.environ.get("MOSQUITTO_BIN", "/usr/sbin/mosquitto")
MOSQUITTO_PASSWD = os.environ.get("MOSQUITTO_PASSWD_BIN", "/usr/bin/mosquitto_passwd")


class TlsMaterial:
    """A throw-away CA and a server certificate for 127.0.0.1/localhost, made with openssl."""

    def __init__(self, directory: Path):
        self.directory = directory
        directory.mkdir(parents=True, exist_ok=True)
        self.ca_cert = directory / "ca.crt"
        self.ca_key = directory / "ca.key"
        self.server_cert = directory / "server.crt"
        self.server_key = directory / "server.key"
        self._generate()

    def _run(self, *args: str) -> None:
        subprocess.run(["openssl", *args], check=True, capture_output=True, cwd=self.directory)

    def _generate(self) -> None:
        self._run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                  "-subj", "/CN=itest-ca", "-keyout", str(self.ca_key), "-out", str(self.ca_cert),
                  "-addext", "basicConstraints=critical,CA:TRUE",
                  "-addext", "keyUsage=critical,keyCertSign,cRLSign")
        csr = self.directory / "server.csr"
        self._run("req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1",
                  "-keyout", str(self.server_key), "-out", str(csr))
        ext = self.directory / "server.ext"
        ext.write_text("subjectAltName=IP:127.0.0.1,DNS:localhost\n"
                       "extendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n")
        self._run("x509", "-req", "-in", str(csr), "-CA", str(self.ca_cert), "-CAkey", str(self.ca_key),
                  "-CAcreateserial", "-days", "2", "-out", str(self.server_cert), "-extfile", str(ext))


class MosquittoBroker:
    """One mosquitto process; start/stop/restart on the same port."""

    def __init__(self, directory: Path, username: Optional[str] = None,
                 password: Optional[str] = None, tls: bool = False, persistent: bool = False,
                 max_queued_messages: Optional[int] = None):
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.host = "127.0.0.1"
        self.username = username
        self.password = password
        self.persistent = persistent
        self.max_queued_messages = max_queued_messages
        self.tls: Optional[TlsMaterial] = TlsMaterial(self.directory / "tls") if tls else None
        self.config_path = self.directory / "mosquitto.conf"
        self.log_path = self.directory / "mosquitto.log"
        self.process: Optional[subprocess.Popen] = None
        self.starts = 0
        self._write_config()

    @property
    def url(self) -> str:
        scheme = "ssl" if self.tls else "tcp"
        return f"{scheme}://{self.host}:{self.port}"

    def _write_config(self) -> None:
        lines = [
            f"listener {self.port} {self.host}",
            "log_dest stderr",
            "log_type error",
            "log_type warning",
            "log_type notice",
            "log_type information",
            "connection_messages true",
            "log_timestamp true",
        ]
        if self.persistent:
            # sessions and queued QoS 1 messages survive restart(): a test client with a
            # persistent session misses nothing while the broker is down
            lines += ["persistence true", f"persistence_location {self.directory}/",
                      "persistence_file mosquitto.db"]
        else:
            lines.append("persistence false")
        if self.max_queued_messages is not None:
            # per client, beyond the in-flight ones; mosquitto's default is 1000
            lines.append(f"max_queued_messages {self.max_queued_messages}")
        if os.geteuid() == 0:
            # mosquitto drops to user "mosquitto" when started as root and could then not
            # read the pytest temp dir (0700).
            lines.append("user root")
        if self.username is not None:
            passwd = self.directory / "passwd"
            passwd.unlink(missing_ok=True)
            subprocess.run([MOSQUITTO_PASSWD, "-b", "-c", str(passwd), self.username, self.password or ""],
                           check=True, capture_output=True)
            os.chmod(passwd, 0o600)
            lines += ["allow_anonymous false", f"password_file {passwd}"]
        else:
            lines.append("allow_anonymous true")
        if self.tls:
            lines += [f"cafile {self.tls.ca_cert}", f"certfile {self.tls.server_cert}",
                      f"keyfile {self.tls.server_key}", "tls_version tlsv1.2"]
        self.config_path.write_text("\n".join(lines) + "\n")

    def start(self, timeout: float = 10.0) -> "MosquittoBroker":
        if self.running:
            return self
        log = open(self.log_path, "ab")
        self.process = subprocess.Popen([MOSQUITTO, "-c", str(self.config_path)],
                                        stdout=log, stderr=subprocess.STDOUT)
        log.close()
        deadline = time.monotonic() + timeout
        while not port_accepts(self.port):
            if self.process.poll() is not None:
                raise RuntimeError(f"mosquitto exited with {self.process.returncode}: {self.log_tail()}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"mosquitto did not listen on {self.port}: {self.log_tail()}")
            time.sleep(0.02)
        self.starts += 1
        return self

    def stop(self, timeout: float = 10.0) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None
        deadline = time.monotonic() + timeout
        while port_accepts(self.port) and time.monotonic() < deadline:
            time.sleep(0.02)

    def restart(self, down_for: float = 0.0) -> None:
        """Stops the broker and starts it again on the same port."""
        self.stop()
        if down_for:
            time.sleep(down_for)
        self.start()

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except FileNotFoundError:
            return ""
