"""The Debian package, installed as a gateway would install it.

Why: a gateway has no Swift toolchain, installs software as packages, and expects the
package to follow Debian's conventions: Depends that pull in what the binary links, a
conffile that survives upgrades, a unit enabled on install, and nothing left after purge.
`make deb` is run once per session (a release build); every test then works on that .deb
in a mount namespace where /opt/swift is hidden, so a binary that still needed the
toolchain's libswiftCore.so would fail there.

- the package's fields and lintian;
- `dpkg -x` + `--version` + a one-shot `upload` whose bytes are hashed at the sink;
- `dpkg -i` / upgrade / `-r` / `-P` on a copy-on-write clone of this machine, maintainer
  scripts included;
- opt-in (`make test-deb-root`, FUA_TEST_DEB_ROOT=1): the same in a fresh debootstrap'd
  Debian, where apt resolves the package's Depends from the mirror.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from support.core_fixtures import make_file
from support.namespace_root import NamespaceRoot

REPO = Path(__file__).resolve().parents[2]
NAME = "file-upload-agent"
UNIT_LINK = f"/etc/systemd/system/multi-user.target.wants/{NAME}.service"

# The first test waits for a release build (minutes on 2 cores); the rest take seconds.
pytestmark = [
    pytest.mark.timeout(1500),
    pytest.mark.skipif(os.geteuid() != 0 or not shutil.which("unshare"),
                       reason="needs root and unshare (mount namespaces)"),
]


@dataclass
class Package:
    deb: Path
    dbgsym: Path
    version: str
    arch: str

    def field(self, name: str, deb: Path | None = None) -> str:
        return run(["dpkg-deb", "-f", str(deb or self.deb), name]).stdout.strip()


def run(argv, **kwargs) -> subprocess.CompletedProcess:
    # errors="replace": readelf prints sections such as .gnu_debuglink (a name, then a CRC)
    # whose bytes are not always UTF-8.
    return subprocess.run(argv, capture_output=True, text=True, errors="replace",
                          timeout=kwargs.pop("timeout", 120), **kwargs)


def agent_version() -> str:
    source = (REPO / "Sources/UploadAgent/Support/AgentVersion.swift").read_text()
    return re.search(r'static let current = "([^"]+)"', source).group(1)


@pytest.fixture(scope="session")
def package() -> Package:
    """`make deb`, once per session (the release build is incremental)."""
    env = dict(os.environ, PATH=os.environ.get("PATH", "") + ":/opt/swift/usr/bin")
    build = run(["make", "-C", str(REPO), "deb"], env=env, timeout=1400)
    assert build.returncode == 0, build.stdout[-3000:] + build.stderr[-3000:]
    version, arch = agent_version(), run(["dpkg", "--print-architecture"]).stdout.strip()
    out = REPO / "build" / "deb"
    return Package(out / f"{NAME}_{version}_{arch}.deb", out / f"{NAME}-dbgsym_{version}_{arch}.deb",
                   version, arch)


def upload_and_check(root: NamespaceRoot, sink, binary: str, tmp: str, size: int = 3 * 1024 * 1024 + 17) -> None:
    """Runs the packaged binary's one-shot `upload` in `root` and checks the bytes that arrived."""
    sha = make_file(root.path(f"{tmp}/payload.bin"), size, seed=12)
    root.path(f"{tmp}/options.json").write_text(json.dumps({"https.url": sink.url("/gateway/payload.bin")}))
    result = root.run(f"{binary} upload {tmp}/payload.bin --provider generic --options-file {tmp}/options.json")
    assert result.returncode == 0, result.stderr
    [request] = sink.wait_for(1)
    assert (request.method, request.path, request.bytes, request.sha256) == ("PUT", "/gateway/payload.bin", size, sha)


def assert_runs_without_toolchain(root: NamespaceRoot, binary: str, version: str) -> None:
    assert not root.path("/opt/swift/usr/lib/swift/linux/libswiftCore.so").exists()
    linked = root.run(f"ldd {binary}")
    assert linked.returncode == 0 and "not found" not in linked.stdout and "/opt/swift" not in linked.stdout, linked.stdout
    shown = root.run(f"{binary} --version")
    assert shown.returncode == 0 and shown.stdout.strip() == f"{NAME} {version}", shown.stdout + shown.stderr


# ---- the package itself -------------------------------------------------------------------

def test_fields_contents_and_lintian(package, tmp_path):
    assert package.field("Package") == NAME
    assert package.field("Version") == package.version
    assert package.field("Architecture") == package.arch
    depends = package.field("Depends")
    for library in ("libc6", "libcurl4", "libmosquitto1", "libssl3", "libarchive13", "libstdc++6"):
        assert re.search(rf"\b{re.escape(library)} \(>= [^)]+\)", depends), depends
    assert "swift" not in depends.lower()
    listing = run(["dpkg-deb", "-c", str(package.deb)]).stdout
    for path in (f"./usr/bin/{NAME}", f"./lib/systemd/system/{NAME}.service", f"./etc/{NAME}/config.json",
                 f"./usr/share/doc/{NAME}/copyright", f"./usr/share/man/man1/{NAME}.1.gz"):
        assert f" {path}\n" in listing + "\n", f"{path} not in the package:\n{listing}"
    assert not re.search(r"\./usr/local|\./opt", listing), listing
    run(["dpkg-deb", "-e", str(package.deb), str(tmp_path / "control")])
    assert (tmp_path / "control/conffiles").read_text() == f"/etc/{NAME}/config.json\n"
    for script in ("postinst", "prerm", "postrm"):
        assert "deb-systemd-" in (tmp_path / "control" / script).read_text(), script
    # lintian: no error or warning (info and pedantic tags are justified in the README).
    lint = run(["lintian", "--fail-on", "error,warning", str(package.deb), str(package.dbgsym)], timeout=300)
    assert lint.returncode == 0, lint.stdout + lint.stderr
    assert not [line for line in lint.stdout.splitlines() if line[:2] in ("E:", "W:")], lint.stdout


def test_debug_symbols_are_in_the_dbgsym_package_by_build_id(package, tmp_path):
    run(["dpkg-deb", "-x", str(package.deb), str(tmp_path / "main")])
    run(["dpkg-deb", "-x", str(package.dbgsym), str(tmp_path / "dbg")])
    binary = tmp_path / "main/usr/bin" / NAME
    notes = run(["readelf", "-n", str(binary)]).stdout
    build_id = re.search(r"Build ID: ([0-9a-f]+)", notes).group(1)
    assert package.field("Build-Ids", package.dbgsym) == build_id
    debug = tmp_path / "dbg/usr/lib/debug/.build-id" / build_id[:2] / f"{build_id[2:]}.debug"
    sections = run(["readelf", "-S", "-W", str(debug)]).stdout
    assert ".debug_info" in sections and ".debug_line" in sections, sections
    assert ".debug_info" not in run(["readelf", "-S", "-W", str(binary)]).stdout, "the binary is not stripped"
    assert f"{NAME}.debug" in run(["readelf", "-p", ".gnu_debuglink", str(binary)]).stdout


# ---- installed where there is no Swift toolchain ------------------------------------------

def test_unpacked_binary_runs_and_uploads_without_the_toolchain(package, http_sink, tmp_path):
    unpacked = tmp_path / "unpacked"
    run(["dpkg-deb", "-x", str(package.deb), str(unpacked)])
    binary = str(unpacked / "usr/bin" / NAME)
    root = NamespaceRoot.host()
    try:
        assert_runs_without_toolchain(root, binary, package.version)
        upload_and_check(root, http_sink, binary, str(tmp_path))
        # The control: the debug build needs the toolchain's runtime, and finds none here.
        debug_build = REPO / ".build/debug" / NAME
        if debug_build.exists():
            refused = root.run(f"{debug_build} --version")
            assert refused.returncode == 127 and "libswift" in refused.stderr, refused.stderr
    finally:
        root.close()


def test_install_upgrade_remove_purge_on_a_clone_of_this_machine(package, http_sink, tmp_path):
    try:
        root = NamespaceRoot.clone_of_host(tmp_path / "ns")
    except RuntimeError as error:
        pytest.skip(f"no overlay clone here: {error}")
    try:
        installed_before = root.run(f"dpkg-query -W -f='${{Status}}' {NAME}").stdout
        assert "installed" not in installed_before.replace("not-installed", ""), \
            f"{NAME} is installed on this machine already: {installed_before}"
        root.path("/tmp/pkg").mkdir(parents=True)
        shutil.copy(package.deb, root.path("/tmp/pkg/agent.deb"))
        check_install_cycle(root, http_sink, package, "dpkg -i /tmp/pkg/agent.deb", "dpkg -i /tmp/pkg/agent.deb")
    finally:
        root.close()


def check_install_cycle(root: NamespaceRoot, sink, package: Package, install: str, reinstall: str) -> None:
    """install -> files, conffile, enabled unit, a working binary -> upgrade keeps the
    admin's config, the state and a disabled unit disabled -> remove keeps the config and
    the state -> purge leaves nothing."""
    root.run(install, timeout=600, check=True)
    binary = f"/usr/bin/{NAME}"
    assert_runs_without_toolchain(root, binary, package.version)
    assert root.run(f"dpkg-query -W -f='${{Status}} ${{Version}}' {NAME}").stdout == f"install ok installed {package.version}"
    unit = root.path(f"/lib/systemd/system/{NAME}.service").read_text()
    assert f"ExecStart=/usr/bin/{NAME} --config /etc/{NAME}/config.json" in unit
    assert os.readlink(root.path(UNIT_LINK)) == f"/lib/systemd/system/{NAME}.service"
    config = root.path(f"/etc/{NAME}/config.json")
    assert oct(config.stat().st_mode & 0o777) == "0o640"
    assert f"/etc/{NAME}/config.json" in root.run(f"dpkg-query -W -f='${{Conffiles}}' {NAME}").stdout
    upload_and_check(root, sink, binary, "/tmp/pkg")

    # Upgrade (same version again: prerm upgrade, postinst configure <old-version>).
    config.write_text('{"files": "/srv/gateway/*.log"}')
    state = root.path(f"/var/lib/{NAME}/status.json")
    state.parent.mkdir(parents=True, exist_ok=True)
    state.write_text("{}")
    root.run(reinstall, timeout=600, check=True)
    assert config.read_text() == '{"files": "/srv/gateway/*.log"}', "the admin's config was replaced"
    assert state.exists() and root.path(UNIT_LINK).is_symlink()
    # A unit the admin disabled (what `systemctl disable` does) stays disabled on upgrade.
    root.path(UNIT_LINK).unlink()
    root.run(reinstall, timeout=600, check=True)
    assert not os.path.lexists(root.path(UNIT_LINK)), "an upgrade enabled a disabled unit"
    root.path(UNIT_LINK).symlink_to(f"/lib/systemd/system/{NAME}.service")  # `systemctl enable`

    root.run(f"dpkg --remove {NAME}", check=True)
    assert not root.path(binary).exists() and not root.path(f"/lib/systemd/system/{NAME}.service").exists()
    assert config.exists() and state.exists(), "remove keeps the config and the state"

    root.run(f"dpkg --purge {NAME}", check=True)
    for leftover in (f"/etc/{NAME}", f"/var/lib/{NAME}", UNIT_LINK, f"/etc/systemd/system/{NAME}.service"):
        assert not os.path.lexists(root.path(leftover)), f"{leftover} left after purge"
    assert "ok installed" not in root.run(f"dpkg-query -W -f='${{Status}}' {NAME}").stdout


# ---- opt-in: a fresh Debian made with debootstrap -----------------------------------------

def host_mirror() -> str:
    """The Debian mirror this machine's apt uses (DEBOOTSTRAP_MIRROR overrides)."""
    if os.environ.get("DEBOOTSTRAP_MIRROR"):
        return os.environ["DEBOOTSTRAP_MIRROR"]
    for source in [Path("/etc/apt/sources.list"), *sorted(Path("/etc/apt/sources.list.d").glob("*"))]:
        for line in (source.read_text() if source.is_file() else "").splitlines():
            words = line.split()
            if words[:1] == ["URIs:"]:
                uris = words[1:]
            elif words[:1] == ["deb"]:
                uris = [word for word in words[1:] if "://" in word][:1]
            else:
                continue
            for uri in uris:
                if uri.rstrip("/").endswith("/debian"):
                    return uri
    pytest.skip("no Debian mirror in /etc/apt (set DEBOOTSTRAP_MIRROR)")


@pytest.mark.skipif(os.environ.get("FUA_TEST_DEB_ROOT") != "1",
                    reason="opt-in: make test-deb-root (debootstrap downloads a Debian base system)")
def test_debootstrap_fresh_debian_installs_with_apt(package, http_sink, tmp_path):
    codename = re.search(r"^VERSION_CODENAME=(\S+)", Path("/etc/os-release").read_text(), re.MULTILINE).group(1)
    target = tmp_path / "debian"
    bootstrap = run(["debootstrap", "--variant=minbase", codename, str(target), host_mirror()], timeout=1200)
    assert bootstrap.returncode == 0, bootstrap.stdout[-2000:] + bootstrap.stderr[-2000:]
    assert not (target / "opt/swift").exists()
    shutil.copy("/etc/resolv.conf", target / "etc/resolv.conf")
    root = NamespaceRoot.of_directory(target)
    try:
        root.path("/tmp/pkg").mkdir(parents=True)
        shutil.copy(package.deb, root.path("/tmp/pkg/agent.deb"))
        root.run("apt-get update -qq", timeout=300, check=True)
        # apt resolves the package's Depends (libmosquitto1, libcurl4, ...) from the mirror.
        check_install_cycle(root, http_sink, package, "apt-get install -y -qq /tmp/pkg/agent.deb",
                            "apt-get install -y -qq --reinstall /tmp/pkg/agent.deb")
    finally:
        root.close()
