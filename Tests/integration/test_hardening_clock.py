"""Issue 11 item 3: a gateway clock hours off (no real-time clock, no NTP yet).

Why: S3 refuses SigV4 requests more than 15 minutes off (`RequestTimeTooSkewed`); the agent
takes the offset from the server's `Date`, signs again and keeps the offset. A pre-signed
URL is judged by its server, not refused on the gateway's clock alone. The agent's clock
is shifted by the hook of the test-only debug build (FILE_UPLOAD_AGENT_CLOCK_OFFSET; the
shipped binary has none); the moto server refuses skewed requests as S3 does
(servers/moto_clock_server.py).
"""
import datetime as dt
import hashlib
import os
import pytest

from support.agent_process import hooks_binary
from support.azure_fixtures import AZURE_CONTAINER, make_azure_sas
from support.s3_fixtures import make_file

HOUR = 3600
MIB = 1024 * 1024


@pytest.fixture(autouse=True)
def binary_with_hooks(monkeypatch):
    monkeypatch.setenv("AGENT_BIN", str(hooks_binary()))


def shifted_clock(seconds: int) -> dict:
    """The environment that runs the (debug) agent with its wall clock moved by `seconds`.
    libfaketime cannot be used: preloaded into the Swift binary, the binary loses its
    command-line arguments and its timers, so the agent's debug-only hook moves the clock."""
    env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
    env["FILE_UPLOAD_AGENT_CLOCK_OFFSET"] = str(seconds)
    return env


@pytest.mark.parametrize("offset", [-3 * HOUR, 5 * HOUR], ids=["3h-behind", "5h-ahead"])
def test_s3_upload_succeeds_with_the_clock_hours_off(tmp_path, s3_target, s3_upload, offset):
    source = make_file(tmp_path / "skewed.bin", 11 * MIB + 17, seed=5)  # multipart: three parts
    refused_before = s3_target.server.refused_for_skew()
    done = s3_upload.run(source, s3_target.options(aws_object_key="skewed.bin"), env=shifted_clock(offset))
    assert done.returncode == 0, done.stderr
    assert hashlib.sha256(s3_target.object_bytes("skewed.bin")).hexdigest() == \
        hashlib.sha256(source.read_bytes()).hexdigest()
    refused = s3_target.server.refused_for_skew() - refused_before
    # The clock really was off (the server refused), and the offset, once learned, served
    # the requests after it: far fewer refusals than requests (create, 3 parts, complete).
    assert 1 <= refused <= 3, refused


def test_s3_skew_check_is_in_force(s3_target):
    """The test server refuses a request stamped three hours off, as S3 would, with its
    own time in `Date`; one on time passes on to moto."""
    import time
    import urllib.error
    import urllib.request
    from email.utils import parsedate_to_datetime

    def put(stamp: float):
        request = urllib.request.Request(f"{s3_target.server.endpoint}/{s3_target.bucket}/probe", data=b"x",
                                         method="PUT", headers={"x-amz-date": time.strftime("%Y%m%dT%H%M%SZ",
                                                                                            time.gmtime(stamp))})
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status, response.headers, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.headers, error.read()

    status, headers, body = put(time.time() + 3 * HOUR)
    assert status == 403 and b"<Code>RequestTimeTooSkewed</Code>" in body
    assert abs(parsedate_to_datetime(headers["Date"]).timestamp() - time.time()) < 5
    status, _, body = put(time.time())
    assert b"RequestTimeTooSkewed" not in body  # moto's own answer (unsigned: refused by moto)


def test_a_valid_sas_is_used_while_the_gateway_clock_runs_ahead(tmp_path, azure_server, azure_signature,
                                                                azure_agent_upload):
    path = tmp_path / "ahead.bin"
    path.write_bytes(os.urandom(3 * MIB))
    sas = make_azure_sas(azure_signature, expires_in=dt.timedelta(hours=1))
    options = {"azure.storage.endpoint": azure_server.endpoint + "/", "azure.shared.access.signature": sas,
               "azure.blob.container": AZURE_CONTAINER}
    done = azure_agent_upload(path, options, env=shifted_clock(3 * HOUR))
    assert done.returncode == 0, done.stderr
    assert azure_server.blob_content(AZURE_CONTAINER, "ahead.bin") == path.read_bytes()


def test_a_recently_expired_sas_is_judged_by_the_server(tmp_path, azure_server, azure_signature, azure_agent_upload):
    path = tmp_path / "late.bin"
    path.write_bytes(os.urandom(MIB))
    sas = make_azure_sas(azure_signature, expires_in=-dt.timedelta(minutes=5))
    options = {"azure.storage.endpoint": azure_server.endpoint + "/", "azure.shared.access.signature": sas,
               "azure.blob.container": AZURE_CONTAINER}
    done = azure_agent_upload(path, options)
    assert done.returncode == 1
    assert "403 AuthenticationFailed" in done.stderr, done.stderr
    assert azure_signature not in done.stderr
    assert azure_server.blob_content(AZURE_CONTAINER, "late.bin") is None
