"""Generic HTTP(S) uploads that survive real networks: bandwidth caps, proxies, TLS,
endpoint conventions, the concurrency limit, stall detection and progress across retries.

The real binary runs against real servers on 127.0.0.1, through the `upload` command or
the daemon (MQTT trigger + start). What a user checks: the bytes that arrived (size and
SHA-256), how long it took, what the server saw (headers, handshakes, proxied request
lines), the exit status and message, and what the status file and lastUpload say.
"""
from __future__ import annotations

import re
import ssl
import time

import pytest

from servers.http_faults import Fault
from servers.tls_upload_server import old_tls_available
from support.core_fixtures import make_file
from support.core_flow import MiB, assert_progress_sequence, find_upload, start_generic, trigger
from support.net import wait_until

SAS_SECRET = "Zm9vYmFyU2VjcmV0U2lnbmF0dXJlPT0"
AMZ_SECRET = "d7c1a4be0fb0b2f6e3c9a1e0f2b4c6d8e0f2a4c6e8f0a2c4e6f8a0c2e4f6a8c0"


def arrival_span(records) -> float:
    """Seconds from the first body byte to the last one, over `records` (server clock)."""
    return max(r.last_byte_at for r in records) - min(r.first_byte_at for r in records)


# --------------------------------------------------------------------------------------
# 1. Bandwidth caps
# --------------------------------------------------------------------------------------

@pytest.mark.parametrize("config, options", [
    ({"maxBandwidth": "2MB"}, {}),
    (None, {"https.max.bandwidth": "2MB"}),
], ids=["config-maxBandwidth", "option-https.max.bandwidth"])
def test_bandwidth_cap_paces_a_6_mib_upload(tmp_path, fault_server, run_upload, config, options):
    source = tmp_path / "capped.bin"
    digest = make_file(source, 6 * MiB, seed=11)
    run = run_upload(source, {"https.url": fault_server.url("/cap/capped.bin"), **options}, config=config)
    assert run.returncode == 0, run.stderr
    assert fault_server.stored("/cap/capped.bin") == (6 * MiB, digest)
    [record] = fault_server.uploads("/cap/capped.bin")
    span = arrival_span([record])
    # 6 MiB at 2,000,000 bytes/s is 3.15 s.
    assert 2.5 <= span <= 4.0, f"6 MiB under a 2MB/s cap arrived in {span:.2f}s"


def test_max_bandwidth_is_shared_by_concurrent_daemon_uploads(cloud, agent, files_dir, fault_server):
    digests = {name: make_file(files_dir / name, 3 * MiB, seed=seed)
               for seed, name in enumerate(("left.bin", "right.bin"), start=20)}
    agent(maxBandwidth="2MB")
    requests = trigger(cloud, "shared-cap", 2)
    for request in requests:
        name = request.value["options"]["file.path"].rsplit("/", 1)[1]
        start_generic(cloud, request.value["correlationId"], fault_server.url(f"/shared/{name}"))
    final = cloud.wait_last_upload("shared-cap", timeout=20)
    assert final["state"] == "SUCCESS", final
    for name, digest in digests.items():
        assert fault_server.stored(f"/shared/{name}") == (3 * MiB, digest)
    left, right = fault_server.uploads("/shared/left.bin") + fault_server.uploads("/shared/right.bin")
    assert left.first_byte_at < right.last_byte_at and right.first_byte_at < left.last_byte_at, \
        "the two uploads did not run at the same time"
    span = arrival_span([left, right])
    # 6 MiB in total through one 2,000,000 bytes/s bucket: 3.15 s; two separate caps: 1.6 s.
    assert 2.5 <= span <= 4.5, f"2 x 3 MiB under a shared 2MB/s cap arrived in {span:.2f}s"


# --------------------------------------------------------------------------------------
# 2. Proxies
# --------------------------------------------------------------------------------------

@pytest.mark.parametrize("how", ["config-proxy", "env-http_proxy"])
def test_uploads_go_through_the_proxy(tmp_path, fault_server, forward_proxy, run_upload, how):
    size = 1 * MiB + 3
    source = tmp_path / "proxied.bin"
    digest = make_file(source, size, seed=3)
    url = fault_server.url("/via/proxied.bin")
    if how == "config-proxy":
        run = run_upload(source, {"https.url": url}, config={"proxy": forward_proxy.url})
    else:
        run = run_upload(source, {"https.url": url}, env={"http_proxy": forward_proxy.url})
    assert run.returncode == 0, run.stderr
    [seen] = forward_proxy.seen
    assert (seen.method, seen.target) == ("PUT", url), "the proxy did not get the absolute-URI request"
    assert seen.body_bytes == size and seen.status == 201
    assert fault_server.stored("/via/proxied.bin") == (size, digest)


def test_no_proxy_bypasses_the_environment_proxy(tmp_path, fault_server, forward_proxy, run_upload):
    source = tmp_path / "direct.bin"
    digest = make_file(source, 512 * 1024, seed=4)
    run = run_upload(source, {"https.url": fault_server.url("/direct.bin")},
                     env={"http_proxy": forward_proxy.url, "no_proxy": "127.0.0.1"})
    assert run.returncode == 0, run.stderr
    assert forward_proxy.seen == []
    assert fault_server.stored("/direct.bin") == (512 * 1024, digest)


def test_https_upload_tunnels_through_https_proxy(tmp_path, https_server, upload_pki, forward_proxy,
                                                  run_upload):
    server = https_server()
    source = tmp_path / "tunnel.bin"
    digest = make_file(source, 1 * MiB, seed=5)
    run = run_upload(source, {"https.url": server.url("/tunnel.bin")},
                     config={"serverCert": str(upload_pki.ca_cert)},
                     env={"https_proxy": forward_proxy.url})
    assert run.returncode == 0, run.stderr
    [seen] = forward_proxy.seen
    assert (seen.method, seen.target) == ("CONNECT", f"127.0.0.1:{server.port}")
    assert server.stored("/tunnel.bin") == (1 * MiB, digest)


# --------------------------------------------------------------------------------------
# 3. TLS
# --------------------------------------------------------------------------------------

def test_https_server_not_trusted_fails_verification_and_sends_nothing(tmp_path, https_server, run_upload):
    server = https_server()
    source = tmp_path / "secret.bin"
    make_file(source, 1 * MiB, seed=6)
    run = run_upload(source, {"https.url": server.url("/tls/secret.bin")})
    assert run.returncode == 1, run.stderr
    assert re.search(r"certificate", run.stderr, re.I) and re.search(r"verif|issuer", run.stderr, re.I), \
        f"no certificate-verification reason in: {run.stderr}"
    assert server.requests == [], "body bytes reached a server the agent could not verify"
    handshakes = server.handshakes
    assert handshakes and not any(h.ok for h in handshakes), handshakes
    assert len(handshakes) == 1, f"a verification failure is not transient, yet it was tried {len(handshakes)} times"


def test_https_with_server_cert_succeeds(tmp_path, https_server, upload_pki, run_upload):
    server = https_server()
    size = 2 * MiB + 7
    source = tmp_path / "trusted.bin"
    digest = make_file(source, size, seed=7)
    run = run_upload(source, {"https.url": server.url("/tls/trusted.bin")},
                     config={"serverCert": str(upload_pki.ca_cert)})
    assert run.returncode == 0, run.stderr
    assert server.stored("/tls/trusted.bin") == (size, digest)
    assert server.handshakes[0].version in ("TLSv1.2", "TLSv1.3")


def test_client_certificate_is_presented_and_required(tmp_path, https_server, upload_pki, run_upload):
    server = https_server(client_certificate=True)
    source = tmp_path / "mtls.bin"
    digest = make_file(source, 1 * MiB, seed=8)
    trusted = {"serverCert": str(upload_pki.ca_cert)}

    run = run_upload(source, {"https.url": server.url("/mtls/with.bin")},
                     config={**trusted, "uploadCert": str(upload_pki.client_cert),
                             "uploadKey": str(upload_pki.client_key)})
    assert run.returncode == 0, run.stderr
    assert server.stored("/mtls/with.bin") == (1 * MiB, digest)
    assert server.handshakes[-1].client_subject == "itest-upload-client"

    # Without a certificate the server ends the handshake; libcurl only sees the connection
    # break (as with any reset), so it is retried like one: two attempts keep this short.
    before = len(server.handshakes)
    run = run_upload(source, {"https.url": server.url("/mtls/without.bin")},
                     config={**trusted, "retryAttempts": 2})
    assert run.returncode == 1, run.stderr
    assert "failed: " in run.stderr and server.url("/mtls/without.bin") in run.stderr, run.stderr
    assert server.stored("/mtls/without.bin") is None and server.uploads() == server.uploads("/mtls/with.bin")
    refused = server.handshakes[before:]
    assert refused and not any(h.ok for h in refused), refused


def test_server_offering_only_tls_1_1_is_refused(tmp_path, https_server, upload_pki, run_upload):
    server = https_server(max_version=ssl.TLSVersion.TLSv1_1)
    reason = old_tls_available(server.ssl_context)
    if reason:
        pytest.skip(f"cannot offer TLS <= 1.1 on this machine: {reason}")
    source = tmp_path / "old.bin"
    make_file(source, 256 * 1024, seed=9)
    run = run_upload(source, {"https.url": server.url("/old.bin")},
                     config={"serverCert": str(upload_pki.ca_cert)})
    assert run.returncode == 1, run.stderr
    assert re.search(r"protocol version|unsupported protocol", run.stderr, re.I) and "TLS 1.2" in run.stderr, \
        run.stderr
    assert server.requests == []
    handshakes = server.handshakes
    assert handshakes and not any(h.ok for h in handshakes), handshakes
    assert len(handshakes) == 1 and run.elapsed < 5, \
        f"a version refusal cannot heal, yet it was tried {len(handshakes)} times in {run.elapsed:.1f}s"


def test_upload_cert_without_upload_key_is_a_config_error(tmp_path, agent, upload_pki, run_upload):
    process = agent(start=False, uploadCert=str(upload_pki.client_cert)).start()
    assert process.wait_exit(15) == 2, process.log_tail()
    assert "uploadKey" in process.log_text(), process.log_text()

    source = tmp_path / "any.bin"
    make_file(source, 10)
    run = run_upload(source, {"https.url": "http://127.0.0.1:9/any.bin"},
                     config={"uploadCert": str(upload_pki.client_cert)})
    assert run.returncode == 2, run.stderr
    assert "uploadKey" in run.stderr


# --------------------------------------------------------------------------------------
# 4. Endpoint conventions
# --------------------------------------------------------------------------------------

def test_content_disposition_and_default_content_type(tmp_path, fault_server, run_upload):
    source = tmp_path / "gateway-report.log"
    digest = make_file(source, 300 * 1024, seed=12)
    run = run_upload(source, {"https.url": fault_server.url("/edge/upload/7/log"),
                              "https.content.disposition": "true"})
    assert run.returncode == 0, run.stderr
    assert fault_server.stored("/edge/upload/7/log") == (300 * 1024, digest)
    headers = fault_server.stored_headers("/edge/upload/7/log")
    assert headers["content-disposition"] == 'attachment; filename="gateway-report.log"'
    assert headers["content-type"] == "application/x-binary"  # Kanto's: a URL signed for Kanto may cover it


@pytest.mark.parametrize("header", ["Content-Type", "content-type"])
def test_content_type_header_overrides_the_default(tmp_path, fault_server, run_upload, header):
    source = tmp_path / "notes.txt"
    make_file(source, 1000, seed=13)
    run = run_upload(source, {"https.url": fault_server.url("/notes.txt"),
                              f"https.header.{header}": "text/plain; charset=utf-8"})
    assert run.returncode == 0, run.stderr
    [record] = fault_server.uploads("/notes.txt")
    content_types = [value for name, value in record.header_list if name.lower() == "content-type"]
    assert content_types == ["text/plain; charset=utf-8"]
    assert "content-disposition" not in record.headers


@pytest.mark.parametrize("query, expired_at", [
    (f"X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Date=20200101T000000Z&X-Amz-Expires=3600"
     f"&X-Amz-SignedHeaders=host&X-Amz-Signature={AMZ_SECRET}", "2020-01-01T01:00:00"),
    (f"sv=2022-11-02&sr=b&sp=cw&se=2020-01-02T00:00:00Z&sig={SAS_SECRET}", "2020-01-02T00:00:00"),
    (f"Expires=1577836800&Signature={SAS_SECRET}&Key-Pair-Id=K2JCJMDEHXQW5F", "2020-01-01T00:00:00"),
], ids=["x-amz", "azure-se", "expires"])
def test_expired_presigned_url_fails_before_any_request(tmp_path, fault_server, run_upload, query, expired_at):
    source = tmp_path / "late.bin"
    make_file(source, 2 * MiB, seed=14)
    run = run_upload(source, {"https.url": fault_server.url(f"/late.bin?{query}")})
    assert run.returncode == 1, run.stderr
    assert "upload URL expired at" in run.stderr and expired_at in run.stderr, run.stderr
    assert run.elapsed < 3, f"an expired URL took {run.elapsed:.1f}s to fail"
    assert fault_server.requests == [], "the server got a request for an expired URL"
    assert SAS_SECRET not in run.stderr + run.stdout and AMZ_SECRET not in run.stderr + run.stdout


def test_signatures_stay_out_of_the_daemons_log_status_and_messages(cloud, agent, files_dir, fault_server):
    make_file(files_dir / "expired.bin", 100 * 1024, seed=15)
    process = agent(files=str(files_dir / "expired.bin"))
    [request] = trigger(cloud, "sig-expired", 1)
    start_generic(cloud, request.value["correlationId"],
                  fault_server.url(f"/c/expired.bin?sv=2022-11-02&se=2020-01-01T00:00:00Z&sr=b&sp=cw&sig={SAS_SECRET}"))
    failed = cloud.wait_last_upload("sig-expired", timeout=10)
    assert failed["state"] == "FAILED" and "upload URL expired at" in failed["message"], failed
    assert fault_server.requests == []

    size = 100 * 1024
    digest = make_file(files_dir / "expired.bin", size, seed=16)
    [request] = trigger(cloud, "sig-ok", 1)
    start_generic(cloud, request.value["correlationId"],
                  fault_server.url(f"/c/ok.bin?sv=2022-11-02&se=2099-01-01T00:00:00Z&sr=b&sp=cw&sig={SAS_SECRET}"
                                   f"&X-Amz-Signature={AMZ_SECRET}"))
    done = cloud.wait_last_upload("sig-ok", timeout=10)
    assert done["state"] == "SUCCESS", done
    assert fault_server.stored("/c/ok.bin") == (size, digest)
    [stored] = fault_server.uploads("/c/ok.bin")
    assert SAS_SECRET in stored.query, "the test did not send the signature to the server at all"

    wait_until(lambda: find_upload(process.status(), "sig-ok", "recent"), 5, message="sig-ok in status.recent")
    for where, text in (("log", process.log_text()), ("status file", process.status_text()),
                        ("MQTT messages", cloud.all_text())):
        assert text, f"{where} is empty"
        assert SAS_SECRET not in text and AMZ_SECRET not in text, f"a signature leaked into the {where}"


# --------------------------------------------------------------------------------------
# 5. Concurrency limit
# --------------------------------------------------------------------------------------

def test_max_concurrent_uploads_1_runs_uploads_one_after_the_other_in_start_order(cloud, agent, files_dir,
                                                                                   fault_server):
    digests = {f"q{n}.bin": make_file(files_dir / f"q{n}.bin", 1 * MiB, seed=30 + n) for n in (1, 2, 3)}
    # Each upload is held up for 0.4 s at the server, long enough for the others to overlap it.
    fault_server.set_script([Fault.stall(seconds=0.4, after_bytes=256 * 1024)] * 3)
    agent(maxConcurrentUploads=1)
    requests = trigger(cloud, "one-by-one", 3)
    order = []
    for request in requests:
        name = request.value["options"]["file.path"].rsplit("/", 1)[1]
        order.append(f"/seq/{name}")
        start_generic(cloud, request.value["correlationId"], fault_server.url(f"/seq/{name}"))
    final = cloud.wait_last_upload("one-by-one", timeout=20)
    assert final["state"] == "SUCCESS", final
    uploads = sorted(fault_server.uploads(), key=lambda r: r.first_byte_at)
    assert [r.path for r in uploads] == order, "uploads did not run in start order"
    for earlier, later in zip(uploads, uploads[1:]):
        assert earlier.last_byte_at <= later.first_byte_at, \
            f"{later.path} got bytes while {earlier.path} was still uploading"
    for name, digest in digests.items():
        assert fault_server.stored(f"/seq/{name}") == (1 * MiB, digest)


# --------------------------------------------------------------------------------------
# 6. Stall detection
# --------------------------------------------------------------------------------------

def test_stalled_upload_is_aborted_after_stall_timeout_and_retried(tmp_path, fault_server, run_upload):
    size = 12 * MiB  # more than the loopback socket buffers hold, so the sender really stalls
    source = tmp_path / "stalled.bin"
    digest = make_file(source, size, seed=40)
    fault_server.set_script([Fault.stall(seconds=10, after_bytes=1 * MiB)])
    run = run_upload(source, {"https.url": fault_server.url("/stall/stalled.bin")},
                     config={"stallTimeout": "2s"})
    assert run.returncode == 0, run.stderr
    retry = run.first_line_containing("retrying (attempt 2)")
    assert retry and re.search(r"stall|timed? ?out", retry[1], re.I), run.stderr
    assert fault_server.stored("/stall/stalled.bin") == (size, digest)
    stalled, retried = fault_server.uploads("/stall/stalled.bin")[:2]
    # from the last byte the server read to the next attempt: the 2 s stall timeout
    # (plus the first backoff of 0.5-1 s), not the 10 s the server stayed silent
    waited = retried.started_at - stalled.last_byte_at
    assert 2.0 <= waited <= 5.0, f"the stalled attempt was given up after {waited:.1f}s"
    assert run.elapsed < 10, f"the upload took {run.elapsed:.1f}s"


# --------------------------------------------------------------------------------------
# 7. Progress across a retry
# --------------------------------------------------------------------------------------

def test_progress_never_goes_back_across_a_dropped_connection(cloud, agent, files_dir, fault_server):
    size = 8 * MiB
    digest = make_file(files_dir / "big.bin", size, seed=50)
    fault_server.set_script([Fault.drop(after_bytes=4 * MiB)])
    process = agent(files=str(files_dir / "big.bin"))
    [request] = trigger(cloud, "no-going-back", 1)
    child = request.value["correlationId"]
    start_generic(cloud, child, fault_server.url("/p/big.bin"))
    final = cloud.wait_last_upload("no-going-back", timeout=20)
    assert final["state"] == "SUCCESS", final
    values = cloud.last_uploads("no-going-back")
    assert_progress_sequence(values)
    dropped, retried = fault_server.uploads("/p/big.bin")
    assert (dropped.outcome, retried.outcome) == ("dropped", "stored")
    # The sequence must span the retry with real progress before it, or it proves nothing.
    wall_minus_monotonic = time.time() - time.monotonic()
    before_retry = [m.value["progress"] for m in cloud.property_updates("lastUpload")
                    if m.value.get("correlationId") == "no-going-back"
                    and m.received_at + wall_minus_monotonic < retried.started_at]
    assert max(before_retry, default=0) >= 25, f"progress before the retry: {before_retry}"
    assert fault_server.stored("/p/big.bin") == (size, digest)
    status = wait_until(lambda: find_upload(process.status(), "no-going-back", "recent"), 5,
                        message="upload in status.recent")
    [entry] = status["files"]
    assert entry["correlationId"] == child and entry["state"] == "SUCCESS"
    assert entry["attempts"] >= 2, entry
    assert entry["transferred"] == size, entry
