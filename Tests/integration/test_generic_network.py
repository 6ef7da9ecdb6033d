"""The generic HTTP(S) provider against networks that misbehave, through the agent's
`upload` command: dropped connections, 503/429/408 with Retry-After, expired URLs,
stalls, idle timeouts, required headers, and a GCS resumable session URL.

What a user checks: the bytes that arrived (size and SHA-256), the exit status, the
message on stderr (which never holds the URL's secret)."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
from pathlib import Path

import pytest

from servers.fault_server import FaultServer
from servers.gcs_resumable_server import GCSResumableServer
from servers.http_faults import Fault
from support.agent_process import agent_binary

SECRET = "sig=Zm9vYmFyc2VjcmV0"

@pytest.fixture
def big_file(tmp_path) -> tuple[Path, str, int]:
    """A 12 MiB file of random bytes: larger than the loopback socket buffers."""
    data = os.urandom(12 * 1024 * 1024)
    path = tmp_path / "device.log"
    path.write_bytes(data)
    return path, hashlib.sha256(data).hexdigest(), len(data)


def upload(tmp_path: Path, source: Path, options: dict, timeout: float = 120) -> subprocess.CompletedProcess:
    options_file = tmp_path / "options.json"
    options_file.write_text(json.dumps(options))
    environment = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
    return subprocess.run([str(agent_binary()), "upload", str(source), "--provider", "generic",
                           "--options-file", str(options_file)],
                          capture_output=True, text=True, timeout=timeout, env=environment)


def test_upload_survives_a_connection_reset_mid_body(tmp_path, fault_server, big_file):
    source, digest, size = big_file
    fault_server.set_script([Fault.drop(after_bytes=3_000_000)])
    done = upload(tmp_path, source, {"https.url": fault_server.url(f"/up/device.log?{SECRET}")})
    assert done.returncode == 0, done.stderr
    assert fault_server.stored("/up/device.log") == (size, digest)
    outcomes = [r.outcome for r in fault_server.uploads("/up/device.log")]
    assert outcomes == ["dropped", "stored"]
    assert SECRET not in done.stderr and SECRET not in done.stdout


def test_upload_survives_a_reset_before_the_body(tmp_path, fault_server, big_file):
    source, digest, size = big_file
    fault_server.set_script([Fault.drop(after_bytes=0, rst=True)])
    done = upload(tmp_path, source, {"https.url": fault_server.url("/up/a")})
    assert done.returncode == 0, done.stderr
    assert fault_server.stored("/up/a") == (size, digest)


@pytest.mark.parametrize("status", [503, 429])
def test_retry_after_is_honoured(tmp_path, fault_server, big_file, status):
    source, digest, size = big_file
    fault_server.set_script([Fault.respond(status, headers={"Retry-After": "1"})])
    done = upload(tmp_path, source, {"https.url": fault_server.url("/up/r")})
    assert done.returncode == 0, done.stderr
    assert fault_server.stored("/up/r") == (size, digest)
    first, second = fault_server.uploads("/up/r")
    assert first.status == status and second.status == 201
    assert second.started_at - first.finished_at >= 0.9  # waited as told


def test_request_timeout_408_is_retried(tmp_path, fault_server, big_file):
    source, digest, size = big_file
    fault_server.set_script([Fault.respond(408)])
    done = upload(tmp_path, source, {"https.url": fault_server.url("/up/t")})
    assert done.returncode == 0, done.stderr
    assert fault_server.stored("/up/t") == (size, digest)


def test_early_503_instead_of_100_continue_is_retried(tmp_path, fault_server, big_file):
    source, digest, size = big_file
    fault_server.set_script([Fault.respond(503, headers={"Retry-After": "1"}, early=True)])
    done = upload(tmp_path, source, {"https.url": fault_server.url("/up/e")})
    assert done.returncode == 0, done.stderr
    assert fault_server.stored("/up/e") == (size, digest)


def test_expired_url_fails_at_once_with_the_servers_reason_and_no_secret(tmp_path, fault_server,
                                                                         big_file):
    source, _, _ = big_file
    fault_server.set_script([Fault.respond(403, body="Request has expired",
                                           headers={"Content-Type": "text/plain"})])
    done = upload(tmp_path, source, {"https.url": fault_server.url(f"/up/x?{SECRET}")})
    assert done.returncode == 1
    assert "403" in done.stderr and "Request has expired" in done.stderr
    assert SECRET not in done.stderr
    assert len(fault_server.uploads()) == 1  # a 403 is not retried
    assert fault_server.stored("/up/x") is None


def test_a_stall_shorter_than_the_timeouts_is_waited_out(tmp_path, fault_server, big_file):
    source, digest, size = big_file
    fault_server.set_script([Fault.stall(seconds=3, after_bytes=1_000_000)])
    done = upload(tmp_path, source, {"https.url": fault_server.url("/up/s")})
    assert done.returncode == 0, done.stderr
    assert [r.outcome for r in fault_server.uploads()] == ["stored"]
    assert fault_server.stored("/up/s") == (size, digest)


def test_bytes_flow_at_once_for_an_endpoint_with_an_idle_timeout(tmp_path, big_file):
    """Seed 000: an endpoint that gives up when no byte arrived for a while.  The agent
    must stream from the file at once, not read it whole first."""
    source, digest, size = big_file
    with FaultServer.start(idle_timeout=2.0) as server:
        done = upload(tmp_path, source, {"https.url": server.url("/edge/upload/1/license")})
        assert done.returncode == 0, done.stderr
        [record] = server.uploads()
        assert record.outcome == "stored"
        assert record.first_byte_at - record.started_at < 1.0
        assert server.stored("/edge/upload/1/license") == (size, digest)


def test_extra_headers_and_post(tmp_path, fault_server, big_file):
    source, digest, size = big_file
    fault_server.require_header("Content-Disposition", r'attachment; filename="device\.log"')
    done = upload(tmp_path, source, {
        "https.url": fault_server.url("/edge/upload/1/certificate_key"),
        "https.method": "POST",
        "https.header.Content-Disposition": 'attachment; filename="device.log"',
        "https.header.Content-Type": "application/octet-stream"})
    assert done.returncode == 0, done.stderr
    [record] = fault_server.uploads()
    assert record.method == "POST" and record.headers["content-type"] == "application/octet-stream"
    assert fault_server.stored("/edge/upload/1/certificate_key") == (size, digest)


def test_upload_to_a_gcs_session_url(tmp_path, gcs_server, big_file):
    source, digest, size = big_file
    url = gcs_server.create_session(name="device.log")
    done = upload(tmp_path, source, {"https.url": url})
    assert done.returncode == 0, done.stderr
    assert gcs_server.stored(gcs_server.session_id(url)) == (size, digest)


def test_gcs_session_resumes_at_the_persisted_offset(tmp_path, big_file):
    """Like GCS, the server keeps whole 256 KiB blocks of a broken request; the agent
    asks the session what it holds (`bytes */TOTAL`) and sends only the rest."""
    source, digest, size = big_file
    with GCSResumableServer.start(persist_partial=True) as server:
        url = server.create_session(name="device.log", form="upload")
        session = server.session_id(url)
        broken_at = 6 * 1024 * 1024 + 1000
        server.set_script([Fault.drop(after_bytes=broken_at)])
        # The `upload_id=` form is a session only when the options say so.
        done = upload(tmp_path, source, {"https.url": url, "https.resumable": "gcs"})
        assert done.returncode == 0, done.stderr
        assert server.stored(session) == (size, digest)
        chunks = server.chunks(session)
        assert chunks[0].status is None and chunks[0].bytes_received == broken_at
        assert chunks[1].start == 6 * 1024 * 1024  # resumed where the session said
        assert server.queries(session), "the agent never asked the session what it stored"
        assert server.resent_bytes(session) == 1000


def test_gcs_broken_chunk_costs_at_most_that_chunk(tmp_path, big_file):
    """The server keeps nothing of a broken chunk: the agent re-sends that chunk only."""
    source, digest, size = big_file
    with GCSResumableServer.start() as server:
        url = server.create_session(name="device.log", form="gcs_proxy")
        session = server.session_id(url)
        server.set_script([Fault.normal(), Fault.drop(after_bytes=1000)])
        done = upload(tmp_path, source, {"https.url": url})
        assert done.returncode == 0, done.stderr
        assert server.stored(session) == (size, digest)
        statuses = [c.status for c in server.chunks(session)]
        assert statuses[0] == 308 and None in statuses, statuses  # chunked, one broken
        assert server.resent_bytes(session) == 1000


def test_gcs_503_on_a_chunk_is_retried_from_the_persisted_offset(tmp_path, big_file):
    source, digest, size = big_file
    with GCSResumableServer.start() as server:
        url = server.create_session(name="device.log")
        session = server.session_id(url)
        server.set_script([Fault.normal(), Fault.respond(503, headers={"Retry-After": "1"})])
        done = upload(tmp_path, source, {"https.url": url})
        assert done.returncode == 0, done.stderr
        assert server.stored(session) == (size, digest)
        chunks = server.chunks(session)
        assert [c.status for c in chunks][:2] == [308, 503]
        assert chunks[2].start == chunks[1].start  # the refused chunk again, not the file
