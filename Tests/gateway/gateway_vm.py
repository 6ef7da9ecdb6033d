"""A Debian 12 gateway in qemu for `make test-gateway`: a root made with debootstrap (cached
in build/gateway/), the project's .deb installed with dpkg -i, booted with its own kernel and
systemd as PID 1, driven over ssh through qemu's user network. The host side (broker, storage
sink) listens on 127.0.0.1 of the test's network namespace; the guest reaches it as 10.0.2.2.
A power cut is `kill -9` of qemu: the disk is opened with cache=none, so what the guest had
not synced is lost, as on a real gateway."""
from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
BUILD = REPO / "build" / "gateway"
PACKAGES = ["systemd-sysv", "linux-image-amd64", "openssh-server", "libmosquitto1", "libcurl4", "libssl3", "libarchive13",
            "ca-certificates", "iproute2", "kmod", "udev", "procps"]
HOST = "10.0.2.2"  # the host, as qemu's user network shows it to the guest


def run(command: list[str], timeout: float = 600, check: bool = True, **kwargs) -> subprocess.CompletedProcess:
    result = subprocess.run(command, capture_output=True, text=True, timeout=timeout, **kwargs)
    if check and result.returncode != 0:
        raise AssertionError(f"{' '.join(command)} failed ({result.returncode}):\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
    return result


def host_mirror() -> str:
    """The Debian mirror this machine's apt uses (DEBOOTSTRAP_MIRROR overrides)."""
    if os.environ.get("DEBOOTSTRAP_MIRROR"):
        return os.environ["DEBOOTSTRAP_MIRROR"]
    for source in [Path("/etc/apt/sources.list"), *sorted(Path("/etc/apt/sources.list.d").glob("*"))]:
        for line in (source.read_text() if source.is_file() else "").splitlines():
            for uri in re.findall(r"(?:URIs:|deb)\s+(\S+)", line):
                if uri.rstrip("/").endswith("/debian"):
                    return uri
    return "http://deb.debian.org/debian"


def base_root() -> Path:
    """The cached Debian root (debootstrap once; about 3 minutes and 200 MB of downloads)."""
    root = BUILD / "rootfs"
    stamp = BUILD / "rootfs.packages"  # a root made for another package list is made again
    if (root / "etc" / "os-release").exists() and stamp.exists() and stamp.read_text() == ",".join(PACKAGES):
        return root
    shutil.rmtree(root, ignore_errors=True)
    partial = BUILD / "rootfs.partial"
    shutil.rmtree(partial, ignore_errors=True)
    BUILD.mkdir(parents=True, exist_ok=True)
    codename = re.search(r"^VERSION_CODENAME=(\S+)", Path("/etc/os-release").read_text(), re.MULTILINE).group(1)
    run(["debootstrap", "--variant=minbase", f"--include={','.join(PACKAGES)}", codename, str(partial),
         host_mirror()], timeout=1800)
    partial.rename(root)
    stamp.write_text(",".join(PACKAGES))
    return root


class GatewayImage:
    """The disk of one test run: the cached root with this build's .deb, an agent config
    pointing at the host's broker, networking, an ssh key; written to an ext4 image."""

    def __init__(self, work: Path, deb: Path, broker_port: int, extra_config: dict | None = None):
        self.work = work
        self.root = base_root()
        self.key = work / "id_ed25519"
        self.disk = work / "disk.img"
        self.kernel = work / "vmlinuz"
        self.initrd = work / "initrd.img"
        self.deb = deb
        self.broker_port = broker_port
        self.extra_config = extra_config or {}

    def build(self) -> "GatewayImage":
        import json
        root = self.root
        shutil.copy(self.deb, root / "tmp" / "agent.deb")
        run(["chroot", str(root), "dpkg", "-i", "/tmp/agent.deb"])
        (root / "tmp" / "agent.deb").unlink()
        config = {"broker": f"tcp://{HOST}:{self.broker_port}", "deviceId": "edge:device", "tenantId": "t1",
                  "files": "/var/tmp/file-upload/*", "logLevel": "INFO", "stopTimeout": "2s", "delete": True,
                  "logFile": "/var/log/file-upload/agent.log", **self.extra_config}
        (root / "etc/file-upload-agent/config.json").write_text(json.dumps(config, indent=2))
        (root / "etc/hostname").write_text("gateway\n")
        (root / "etc/fstab").write_text("/dev/vda / ext4 defaults,errors=remount-ro 0 1\n")
        network = root / "etc/systemd/network/10-wired.network"
        network.parent.mkdir(parents=True, exist_ok=True)
        network.write_text("[Match]\nName=en* eth*\n\n[Network]\nDHCP=yes\n")
        wants = root / "etc/systemd/system/multi-user.target.wants"
        wants.mkdir(parents=True, exist_ok=True)
        link = wants / "systemd-networkd.service"
        if not link.is_symlink():
            link.symlink_to("/lib/systemd/system/systemd-networkd.service")
        (root / "var/tmp/file-upload").mkdir(parents=True, exist_ok=True)
        for leftover in (root / "var/lib/file-upload-agent").glob("*"):
            leftover.unlink() if leftover.is_file() else shutil.rmtree(leftover)
        # An operator account, in adm as the README says.
        if run(["chroot", str(root), "id", "ops"], check=False).returncode != 0:
            run(["chroot", str(root), "useradd", "-m", "-G", "adm", "-s", "/bin/sh", "ops"])
        if run(["chroot", str(root), "id", "visitor"], check=False).returncode != 0:
            run(["chroot", str(root), "useradd", "-m", "-s", "/bin/sh", "visitor"])
        if not self.key.exists():
            run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(self.key)])
        ssh = root / "root/.ssh"
        ssh.mkdir(mode=0o700, exist_ok=True)
        (ssh / "authorized_keys").write_text(self.key.with_suffix(".pub").read_text())
        (root / "etc/machine-id").write_text("")
        kernels = sorted((root / "boot").glob("vmlinuz-*"))
        shutil.copy(kernels[-1], self.kernel)
        shutil.copy(root / "boot" / kernels[-1].name.replace("vmlinuz", "initrd.img"), self.initrd)
        self.disk.unlink(missing_ok=True)
        run(["mke2fs", "-q", "-t", "ext4", "-d", str(root), "-L", "gateway", str(self.disk), "3G"])
        return self


def use_kvm() -> bool:
    """KVM only when asked (GATEWAY_KVM=1) and present: on the nested KVM of the machines this
    was made on, a stock Debian kernel hangs at boot, so software emulation is the default."""
    return os.environ.get("GATEWAY_KVM") == "1" and os.access("/dev/kvm", os.R_OK | os.W_OK)


class GatewayVM:
    """One boot of the image; `power_cut()` kills qemu, `boot()` starts it again on the same disk."""

    def __init__(self, image: GatewayImage):
        self.image = image
        self.process: subprocess.Popen | None = None
        self.ssh_port = 0
        self.console = image.work / "console.log"
        self.boots = 0

    def boot(self, timeout: float = 300) -> "GatewayVM":
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.ssh_port = probe.getsockname()[1]
        accel = ["-enable-kvm", "-cpu", "host"] if use_kvm() else ["-accel", "tcg", "-cpu", "max"]
        command = ["qemu-system-x86_64", *accel, "-m", "1024", "-smp", "2", "-nographic", "-no-reboot",
                   "-kernel", str(self.image.kernel), "-initrd", str(self.image.initrd),
                   "-append", "root=/dev/vda rw console=ttyS0 panic=-1 quiet systemd.show_status=0",
                   "-drive", f"file={self.image.disk},if=virtio,format=raw,cache=none",
                   "-netdev", f"user,id=net0,hostfwd=tcp:127.0.0.1:{self.ssh_port}-:22",
                   "-device", "virtio-net-pci,netdev=net0", "-serial", f"file:{self.console}.{self.boots}",
                   "-monitor", "none", "-display", "none"]
        self.process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                        stderr=subprocess.PIPE)
        self.boots += 1
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"qemu exited: {self.process.stderr.read().decode()[-2000:]}\n{self.console_tail()}")
            if self.ssh("true", timeout=15, check=False).returncode == 0:
                return self
            time.sleep(2)
        raise AssertionError(f"the gateway did not answer ssh within {timeout}s\n{self.console_tail()}")

    def console_tail(self) -> str:
        path = Path(f"{self.console}.{self.boots - 1}")
        return path.read_text(errors="replace")[-3000:] if path.exists() else ""

    def ssh(self, command: str, timeout: float = 120, check: bool = True) -> subprocess.CompletedProcess:
        return run(["ssh", "-q", "-i", str(self.image.key), "-p", str(self.ssh_port),
                    "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
                    "-o", "ConnectTimeout=10", "-o", "BatchMode=yes", "root@127.0.0.1", command],
                   timeout=timeout, check=check)

    def power_cut(self) -> None:
        """No shutdown, no sync: qemu is killed, as a gateway loses its power."""
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(30)
        self.process = None

    def shutdown(self) -> None:
        if self.process is None:
            return
        self.ssh("systemctl poweroff", timeout=20, check=False)
        try:
            self.process.wait(120)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(30)
        self.process = None


if __name__ == "__main__":
    # `make test-gateway` makes the cached root first, with the machine's network: the test
    # itself runs in a network namespace with nothing but loopback.
    print(base_root())
