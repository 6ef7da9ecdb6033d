"""The agent as a systemd service: sd_notify READY/WATCHDOG/STOPPING, `make install`, the
unit file, and reconnecting after a TLS connection to the broker is cut abruptly.

Why: the unit is Type=notify with WatchdogSec, so an agent that never says READY=1 is
killed at start and one that stops pinging is restarted; both must be seen on the wire.
"""
from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import threading
import time
from pathlib import Path


from support.cloud_client import CloudClient

REPO = Path(__file__).resolve().parents[2]


def receive_datagrams(sock: socket.socket, until: float) -> list[str]:
    messages = []
    while time.monotonic() < until:
        sock.settimeout(max(0.01, until - time.monotonic()))
        try:
            messages.append(sock.recv(4096).decode())
        except socket.timeout:
            break
    return messages


def test_sd_notify_ready_watchdog_and_stopping(agent, broker, tmp_path, monkeypatch):
    notify_path = tmp_path / "notify.sock"
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(str(notify_path))
    monkeypatch.setenv("NOTIFY_SOCKET", str(notify_path))
    monkeypatch.setenv("WATCHDOG_USEC", "400000")  # ping every 0.2 s
    process = agent()
    messages = receive_datagrams(sock, time.monotonic() + 1.5)
    assert any(m.startswith("READY=1") for m in messages), messages
    assert sum(m == "WATCHDOG=1" for m in messages) >= 4, messages
    process.signal(signal.SIGTERM)
    assert process.wait_exit(15) == 0
    tail = receive_datagrams(sock, time.monotonic() + 0.5)
    assert any(m.startswith("STOPPING=1") for m in messages + tail)
    sock.close()


def test_no_ready_before_the_broker_answers(agent, broker, tmp_path, monkeypatch):
    notify_path = tmp_path / "notify.sock"
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(str(notify_path))
    monkeypatch.setenv("NOTIFY_SOCKET", str(notify_path))
    broker.stop()
    process = agent(ready=False)
    early = receive_datagrams(sock, time.monotonic() + 1.0)
    assert not any(m.startswith("READY=1") for m in early), early
    broker.start()
    late = receive_datagrams(sock, time.monotonic() + 8.0)
    assert any(m.startswith("READY=1") for m in late), late
    process.stop()
    sock.close()


def test_make_install_puts_binary_unit_and_config_in_place(tmp_path):
    destdir = tmp_path / "root"
    run = subprocess.run(["make", "-C", str(REPO), "install", f"DESTDIR={destdir}", "PREFIX=/usr",
                          "CONFIGURATION=debug"], capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stdout + run.stderr
    binary = destdir / "usr/bin/file-upload-agent"
    unit = destdir / "lib/systemd/system/file-upload-agent.service"
    config = destdir / "etc/file-upload-agent/config.json"
    assert os.access(binary, os.X_OK)
    assert subprocess.run([str(binary), "--version"], capture_output=True, text=True).stdout.startswith("file-upload-agent ")
    text = unit.read_text()
    assert "ExecStart=/usr/bin/file-upload-agent --config /etc/file-upload-agent/config.json" in text
    for setting in ("Type=notify", "WatchdogSec=", "Restart=on-failure", "ProtectSystem=strict",
                    "StateDirectory=file-upload-agent", "NoNewPrivileges=yes", "ProtectProc=invisible"):
        assert setting in text, setting
    # The installed example config is one the agent accepts.
    check = subprocess.run([str(binary), "status", "--config", str(config), "--status-file", "/nonexistent"],
                           capture_output=True, text=True)
    assert "config key" not in check.stderr, check.stderr
    # A second install keeps the operator's config.
    config.write_text('{"files": "/srv/mine/*"}')
    again = subprocess.run(["make", "-C", str(REPO), "install", f"DESTDIR={destdir}", "PREFIX=/usr",
                            "CONFIGURATION=debug"], capture_output=True, text=True, timeout=600)
    assert again.returncode == 0 and config.read_text() == '{"files": "/srv/mine/*"}'
    if shutil.which("systemd-analyze"):
        verify_copy = tmp_path / "file-upload-agent.service"
        verify_copy.write_text(text.replace("/usr/bin/file-upload-agent", str(binary)))
        verify = subprocess.run(["systemd-analyze", "verify", str(verify_copy)], capture_output=True, text=True)
        assert verify.returncode == 0, verify.stderr


class CuttableProxy:
    """A TCP relay that can cut every relayed connection at once with a RST, the way a
    cellular link or a NAT timeout kills a TLS session mid-stream."""

    def __init__(self, target_port: int):
        self.target_port = target_port
        self.listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(16)
        self.port = self.listener.getsockname()[1]
        self.sockets: list[socket.socket] = []
        self.accepted = 0
        self.lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(("127.0.0.1", self.target_port))
            with self.lock:
                self.sockets += [client, upstream]
                self.accepted += 1
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(source, destination):
        try:
            while data := source.recv(65536):
                destination.sendall(data)
        except OSError:
            pass

    def cut(self):
        with self.lock:
            for s in self.sockets:
                try:
                    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
                    # shutdown wakes the relay thread blocked in recv (a bare close would
                    # not release the socket while it waits); close then sends the RST.
                    s.shutdown(socket.SHUT_RDWR)
                    s.close()
                except OSError:
                    pass
            self.sockets = []

    def close(self):
        self.cut()
        self.listener.close()


def test_reconnects_after_a_tls_connection_is_cut_abruptly(agent, broker_tls):
    proxy = CuttableProxy(broker_tls.port)
    cloud = CloudClient(broker_tls).connect()
    try:
        process = agent(broker=f"ssl://localhost:{proxy.port}", caCert=str(broker_tls.tls.ca_cert))
        cloud.wait_event(lambda m: m.path == "/features/AutoUploadable", timeout=10)
        for round_number in (1, 2):
            mark = cloud.mark()
            proxy.cut()
            # Registered again on the new TLS session, and answering commands.
            cloud.wait_event(lambda m: m.path == "/features/AutoUploadable", timeout=20, since=mark)
            response = cloud.request("deactivate", {}, timeout=10)
            assert response.json["status"] == 204
            status = process.status()
            assert status["mqtt"]["connected"] is True
            assert status["mqtt"]["reconnects"] >= round_number
        assert proxy.accepted >= 3
    finally:
        cloud.close()
        proxy.close()
