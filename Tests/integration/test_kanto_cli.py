"""Kanto's command line on our binary: `-version` wherever it stands, and boolean flags in
Go's spellings (`-delete=1`, `-checksum=t`), as service files written for Kanto use them."""
import re
import subprocess
from pathlib import Path

import pytest

from support.agent_process import run_cli
from support.core_flow import MiB, start_generic, trigger
from support.core_fixtures import make_file


@pytest.mark.parametrize("arguments", [
    ["-configFile", "/nonexistent/config.json", "-version"],
    ["-files=/var/tmp/file-upload/*.*", "-delete", "-version"],
    ["--period", "1h", "-version=true"],
])
def test_version_anywhere_prints_it_before_reading_the_config(arguments):
    result = run_cli(*arguments)
    assert result.returncode == 0, result.stderr
    assert re.fullmatch(r"file-upload-agent \d+\.\d+\.\d+\S*\n", result.stdout), result.stdout


def test_go_booleans_switch_delete_and_checksum_on(cloud, agent, files_dir, http_sink):
    make_file(files_dir / "gone.bin", 1 * MiB)
    process = agent(args=["-delete=1", "-checksum=t", "-singleUpload=F"])
    (request,) = trigger(cloud, "go-bools", 1)
    start_generic(cloud, request.value["correlationId"], http_sink.url("/gone.bin"))
    assert cloud.wait_last_upload("go-bools", timeout=30)["state"] == "SUCCESS"
    (received,) = http_sink.wait_for(1)
    assert received.header("Content-MD5"), "-checksum=t did not switch checksums on"
    assert not (files_dir / "gone.bin").exists(), "-delete=1 did not switch delete on"
    assert f"config file {process.config_path}" in process.log_text()


def test_a_boolean_flag_with_another_word_exits_2_naming_it(agent):
    process = agent(start=False, args=["-delete=yes"]).start()
    assert process.wait_exit(15) == 2, process.log_tail()
    assert "'delete'" in process.log_text() and "yes" in process.log_text(), process.log_text()


def test_make_install_leaves_kantos_config_in_charge(tmp_path):
    """On a gateway that ran Kanto, installing puts no example config in front of Kanto's."""
    repo = Path(__file__).resolve().parents[2]
    destdir = tmp_path / "root"
    kanto_config = destdir / "etc/file-upload/config.json"
    kanto_config.parent.mkdir(parents=True)
    kanto_config.write_text('{"logFile": "/var/log/file-upload/file-upload.log", "files": "/var/tmp/file-upload/*.*"}')
    run = subprocess.run(["make", "-C", str(repo), "install", f"DESTDIR={destdir}", "PREFIX=/usr",
                          "CONFIGURATION=debug"], capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stdout + run.stderr
    assert not (destdir / "etc/file-upload-agent/config.json").exists()
    assert "Kanto's" in run.stdout and "config.json is present" in run.stdout, run.stdout
