"""A root file system seen from a private mount namespace, where the Swift toolchain
(/opt/swift) does not exist, for installing the .deb as a gateway would.

Why: the package must work on a machine that never had the toolchain, and its maintainer
scripts must run for real (dpkg -i, -r, -P), without touching this machine's own /usr or
dpkg database. One long-lived `unshare -m` process holds the namespace; every step enters
it with `nsenter` and runs chrooted in the root, and the test reads the root's files
through /proc/<pid>/root. When the process ends, the namespace and its mounts go with it.

Two kinds of root:
- `NamespaceRoot.clone_of_host(dir)`: an overlay whose lower layer is this machine's /
  (read-only) and whose upper layer is a tmpfs, so installs land in memory;
- `NamespaceRoot.of_directory(dir)`: an existing root, e.g. made by debootstrap;
- `NamespaceRoot.host()`: this machine's / itself, for running binaries only.
"""
from __future__ import annotations

import shlex
import subprocess
import time
from pathlib import Path
from typing import Optional

HIDDEN = "/opt/swift"


class NamespaceRoot:
    def __init__(self, root: Path, setup: str):
        self.root = root
        root.mkdir(parents=True, exist_ok=True)
        script = f"set -e\n{setup}\necho ready\nexec sleep 3600\n"
        self.process = subprocess.Popen(["unshare", "--mount", "--propagation", "private", "sh", "-c", script],
                                        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        line = self.process.stdout.readline().strip() if self.process.stdout else ""
        if line != "ready":
            self.process.kill()
            _, error = self.process.communicate(timeout=10)
            raise RuntimeError(f"setting up the namespace failed: {error.strip() or line}")

    @classmethod
    def clone_of_host(cls, directory: Path) -> "NamespaceRoot":
        """This machine's / as a copy-on-write overlay (upper layer in memory)."""
        root, layers = directory / "root", directory / "layers"
        layers.mkdir(parents=True, exist_ok=True)
        setup = "\n".join([
            f"mount -t tmpfs -o size=512m tmpfs {q(layers)}",
            f"mkdir {q(layers / 'upper')} {q(layers / 'work')}",
            f"mount -t overlay overlay -o lowerdir=/,upperdir={q(layers / 'upper')},workdir={q(layers / 'work')} {q(root)}",
            cls._mounts(root),
        ])
        return cls(root, setup)

    @classmethod
    def of_directory(cls, root: Path) -> "NamespaceRoot":
        return cls(root, cls._mounts(root))

    @classmethod
    def host(cls) -> "NamespaceRoot":
        """This machine's own / (nothing else changed but /opt/swift hidden): for running
        binaries only, never for installing."""
        return cls(Path("/"), cls._hide(Path("/")))

    @staticmethod
    def _hide(root: Path) -> str:
        return "\n".join(f"if [ -d {q(path)} ]; then mount -t tmpfs tmpfs {q(path)}; fi"
                         for path in sorted({HIDDEN, f"{root}{HIDDEN}".replace("//", "/")}))

    @classmethod
    def _mounts(cls, root: Path) -> str:
        """Hides /opt/swift on the host and in the root; gives the root /proc, /dev and an
        empty /run (so maintainer scripts see no running systemd and start nothing)."""
        return "\n".join([
            cls._hide(root),
            f"mkdir -p {q(root)}/proc {q(root)}/dev {q(root)}/run",
            f"mount -t proc proc {q(root)}/proc",
            f"mount --rbind /dev {q(root)}/dev",
            f"mount -t tmpfs tmpfs {q(root)}/run",
        ])

    # ---- use ----------------------------------------------------------------------------
    def run(self, command: str, timeout: float = 120.0, check: bool = False,
            env: Optional[dict] = None) -> subprocess.CompletedProcess:
        """Runs a shell command chrooted in the root, inside the namespace, with a clean
        environment (plus `env`)."""
        variables = [f"{name}={value}" for name, value in (env or {}).items()]
        argv = ["nsenter", f"--target={self.process.pid}", "--mount", "chroot", str(self.root),
                "/usr/bin/env", "-i", "PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL=C.UTF-8",
                "DEBIAN_FRONTEND=noninteractive", *variables, "sh", "-c", command]
        result = subprocess.run(argv, capture_output=True, text=True, timeout=timeout)
        if check and result.returncode != 0:
            raise AssertionError(f"`{command}` exited {result.returncode}:\n{result.stdout}\n{result.stderr}")
        return result

    def path(self, inside: str) -> Path:
        """A path of the root, as this process can read and write it."""
        return Path(f"/proc/{self.process.pid}/root") / str(self.root).lstrip("/") / inside.lstrip("/")

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        try:
            self.process.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            pass
        # The mounts die with the namespace; give the kernel a moment before tmp_path cleanup.
        time.sleep(0.05)


def q(path) -> str:
    return shlex.quote(str(path))
