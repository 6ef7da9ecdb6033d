"""Tests of the network test peers themselves: each fault does what it says, and the
GCS endpoint follows the resumable-upload protocol.  If these are wrong, every agent
test built on them proves nothing."""

from __future__ import annotations

import hashlib
import http.client
import json
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from servers.gcs_resumable_server import CHUNK_GRANULARITY
from servers.http_faults import Fault

SERVERS = Path(__file__).parent / "servers"


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def payload(size: int, seed: int = 7) -> bytes:
    block = hashlib.sha256(str(seed).encode()).digest() * 2048  # 64 KiB, not all one byte
    return (block * (size // len(block) + 1))[:size]


# --------------------------------------------------------------------------------------
# fault_server
# --------------------------------------------------------------------------------------

def test_normal_put_is_stored_and_recorded(fault_server):
    data = payload(300_000)
    response = requests.put(fault_server.url("/bucket/a.bin?sig=x"), data=data,
                            headers={"Content-Type": "application/octet-stream"})
    assert response.status_code == 201
    assert fault_server.stored("/bucket/a.bin") == (len(data), sha(data))
    assert fault_server.body("/bucket/a.bin") == data
    [record] = fault_server.requests
    assert (record.method, record.path, record.query) == ("PUT", "/bucket/a.bin", "sig=x")
    assert record.completed and record.outcome == "stored" and record.status == 201
    assert record.bytes_received == len(data) and record.sha256 == sha(data)
    assert record.headers["content-type"] == "application/octet-stream"
    assert record.started_at <= record.first_byte_at <= record.last_byte_at <= record.finished_at


def test_chunked_post_is_stored(fault_server):
    data = payload(200_000)
    response = requests.post(fault_server.url("/in"),
                             data=(data[i:i + 7000] for i in range(0, len(data), 7000)))
    assert response.status_code == 201
    assert fault_server.stored("/in") == (len(data), sha(data))
    assert fault_server.requests[0].headers["transfer-encoding"] == "chunked"


def test_second_put_overwrites_with_200(fault_server):
    assert requests.put(fault_server.url("/x"), data=b"one").status_code == 201
    assert requests.put(fault_server.url("/x"), data=b"two!").status_code == 200
    assert fault_server.stored("/x") == (4, sha(b"two!"))


@pytest.mark.parametrize("rst", [True, False])
def test_drop_after_n_bytes_breaks_the_connection_and_stores_nothing(fault_server, rst):
    fault_server.set_script([Fault.drop(after_bytes=100_000, rst=rst)])
    data = payload(5_000_000)
    with pytest.raises(requests.ConnectionError):
        requests.put(fault_server.url("/f"), data=data)
    [record] = fault_server.requests
    assert record.outcome == "dropped" and record.status is None and not record.completed
    assert record.bytes_received == 100_000
    assert fault_server.stored("/f") is None
    # the script is used up: the next upload succeeds
    assert requests.put(fault_server.url("/f"), data=data).status_code == 201
    assert fault_server.stored("/f") == (len(data), sha(data))


def test_drop_resets_the_connection_when_rst(fault_server):
    fault_server.set_script([Fault.drop(after_bytes=10)])
    with socket.create_connection(("127.0.0.1", fault_server.port)) as conn:
        conn.sendall(b"PUT /r HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n" + b"a" * 100)
        conn.settimeout(5)
        with pytest.raises(ConnectionResetError):
            conn.recv(1024)
            conn.recv(1024)


@pytest.mark.parametrize("status,headers,body", [
    (503, {"Retry-After": "1"}, ""),
    (429, {"Retry-After": "2"}, "slow down"),
    (408, {}, ""),
    (500, {}, "internal error"),
    (403, {"Content-Type": "text/plain"}, "Request has expired"),
])
def test_status_fault_answers_once(fault_server, status, headers, body):
    fault_server.set_script([Fault.respond(status, body=body, headers=headers)])
    data = payload(50_000)
    first = requests.put(fault_server.url("/s"), data=data)
    assert first.status_code == status
    assert first.text == body
    for name, value in headers.items():
        assert first.headers[name] == value
    assert fault_server.stored("/s") is None
    assert fault_server.requests[0].completed  # body was read, not stored
    second = requests.put(fault_server.url("/s"), data=data)
    assert second.status_code == 201
    assert fault_server.stored("/s") == (len(data), sha(data))


def test_early_status_replaces_100_continue(fault_server):
    fault_server.set_script([Fault.respond(503, headers={"Retry-After": "1"}, early=True)])
    conn = http.client.HTTPConnection("127.0.0.1", fault_server.port, timeout=5)
    conn.putrequest("PUT", "/early")
    conn.putheader("Content-Length", "1000000")
    conn.putheader("Expect", "100-continue")
    conn.endheaders()
    response = conn.getresponse()  # no body sent: the server must answer at once
    assert response.status == 503 and response.getheader("Retry-After") == "1"
    conn.close()
    assert fault_server.requests[0].bytes_received == 0


def test_expect_100_continue_is_honoured_for_normal_uploads(fault_server):
    conn = http.client.HTTPConnection("127.0.0.1", fault_server.port, timeout=5)
    conn.putrequest("PUT", "/cont")
    conn.putheader("Content-Length", "5")
    conn.putheader("Expect", "100-continue")
    conn.endheaders()
    conn.sock.settimeout(5)
    interim = conn.sock.recv(100)
    assert interim.startswith(b"HTTP/1.1 100")
    conn.send(b"hello")
    assert conn.getresponse().status == 201
    assert fault_server.stored("/cont") == (5, sha(b"hello"))


def test_stall_stops_reading_then_completes(fault_server):
    fault_server.set_script([Fault.stall(seconds=0.6, after_bytes=65536)])
    data = payload(32 * 1024 * 1024)  # more than the loopback socket buffers hold
    started = time.monotonic()
    response = requests.put(fault_server.url("/stall"), data=data)
    assert response.status_code == 201
    assert time.monotonic() - started >= 0.6
    [record] = fault_server.requests
    assert record.last_byte_at - record.first_byte_at >= 0.55
    assert fault_server.stored("/stall") == (len(data), sha(data))


def test_delay_answers_late(fault_server):
    fault_server.set_script([Fault.delay(0.5)])
    started = time.monotonic()
    assert requests.put(fault_server.url("/d"), data=b"abc").status_code == 201
    assert time.monotonic() - started >= 0.5
    [record] = fault_server.requests
    assert record.finished_at - record.last_byte_at >= 0.45


def test_idle_timeout_answers_404_when_bytes_stop():
    from servers.fault_server import FaultServer
    with FaultServer.start(idle_timeout=0.4) as server:
        with socket.create_connection(("127.0.0.1", server.port)) as conn:
            conn.sendall(b"PUT /idle HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n"
                         + b"a" * 10)
            conn.settimeout(5)
            answer = conn.recv(4096)
        assert answer.startswith(b"HTTP/1.1 404")
        [record] = server.requests
        assert record.outcome == "idle-timeout" and record.bytes_received == 10
        assert server.stored("/idle") is None


def test_expired_url_is_refused(fault_server):
    past, future = int(time.time()) - 5, int(time.time()) + 3600
    refused = requests.put(fault_server.url(f"/e?expires={past}"), data=b"abc")
    assert refused.status_code == 403 and "expired" in refused.text
    assert requests.put(fault_server.url(f"/e?expires={future}"), data=b"abc").status_code == 201


def test_required_header(fault_server):
    fault_server.require_header("Content-Disposition", r'attachment; filename="[^"/]+"')
    assert requests.post(fault_server.url("/u"), data=b"abc").status_code == 400
    ok = requests.post(fault_server.url("/u"), data=b"abc",
                       headers={"Content-Disposition": 'attachment; filename="a.log"'})
    assert ok.status_code == 201
    assert fault_server.stored_headers("/u")["content-disposition"] == 'attachment; filename="a.log"'


def test_script_is_consumed_in_order(fault_server):
    fault_server.set_script([{"action": "status", "status": 500},
                             {"action": "status", "status": 429, "headers": {"Retry-After": "1"}},
                             "normal"])
    codes = [requests.put(fault_server.url("/o"), data=b"z").status_code for _ in range(4)]
    assert codes == [500, 429, 201, 200]
    assert fault_server.script_remaining() == 0


def test_fault_server_runs_standalone(tmp_path):
    process = subprocess.Popen(
        [sys.executable, str(SERVERS / "fault_server.py"), "--port", "0", "--quiet",
         "--script", json.dumps([{"action": "status", "status": 503}])],
        stdout=subprocess.PIPE, text=True)
    try:
        line = process.stdout.readline()
        assert "listening on http://127.0.0.1:" in line
        base = line.rsplit(" ", 1)[1].strip().rstrip("/")
        assert requests.put(base + "/a", data=b"1").status_code == 503
        assert requests.put(base + "/a", data=b"1").status_code == 201
        assert requests.get(base + "/a").content == b"1"
    finally:
        process.terminate()
        process.wait(timeout=5)


# --------------------------------------------------------------------------------------
# gcs_resumable_server: a small client, written from the GCS documentation
# --------------------------------------------------------------------------------------

def put_chunk(url: str, data: bytes, start: int, total: "int | str"):
    end = start + len(data) - 1
    return requests.put(url, data=data, allow_redirects=False,
                        headers={"Content-Range": f"bytes {start}-{end}/{total}"})


def query(url: str, total: "int | str" = "*"):
    return requests.put(url, data=b"", allow_redirects=False,
                        headers={"Content-Range": f"bytes */{total}"})


def persisted_from(response) -> int:
    """Bytes persisted according to a 308 (no Range header means none)."""
    assert response.status_code == 308
    header = response.headers.get("Range")
    if header is None:
        return 0
    assert header.startswith("bytes=0-")
    return int(header.split("-")[1]) + 1


def resumable_upload(url: str, data: bytes, chunk: int) -> dict:
    """Uploads `data` in chunks, querying and resuming after each failure.

    Returns counters so tests can check what was re-sent."""
    offset, failures, total = 0, 0, len(data)
    while True:
        piece = data[offset:offset + chunk]
        try:
            response = put_chunk(url, piece, offset, total)
        except requests.ConnectionError:
            failures += 1
            offset = persisted_from(query(url, total))
            continue
        if response.status_code in (200, 201):
            return {"failures": failures, "object": response.json()}
        if response.status_code == 308:
            offset = persisted_from(response)
            continue
        if response.status_code >= 500 or response.status_code in (408, 429):
            failures += 1
            offset = persisted_from(query(url, total))
            continue
        raise AssertionError(f"unexpected {response.status_code}: {response.text}")


def test_gcs_protocol_chunks_308_and_final_200(gcs_server):
    url = gcs_server.create_session(name="logs/a.bin")
    session = gcs_server.session_id(url)
    data = payload(2 * CHUNK_GRANULARITY + 1000)

    nothing = query(url, len(data))
    assert nothing.status_code == 308 and "Range" not in nothing.headers

    first = put_chunk(url, data[:2 * CHUNK_GRANULARITY], 0, len(data))
    assert first.status_code == 308
    assert first.headers["Range"] == f"bytes=0-{2 * CHUNK_GRANULARITY - 1}"

    status = query(url, len(data))
    assert status.status_code == 308 and persisted_from(status) == 2 * CHUNK_GRANULARITY

    final = put_chunk(url, data[2 * CHUNK_GRANULARITY:], 2 * CHUNK_GRANULARITY, len(data))
    assert final.status_code == 200
    metadata = final.json()
    assert metadata["name"] == "logs/a.bin" and metadata["size"] == str(len(data))
    assert gcs_server.stored(session) == (len(data), sha(data))

    done = query(url, len(data))
    assert done.status_code == 200 and done.json()["size"] == str(len(data))
    assert [c.status for c in gcs_server.chunks(session)] == [308, 200]
    assert gcs_server.resent_bytes(session) == 0


def test_gcs_rejects_unaligned_non_final_chunk(gcs_server):
    url = gcs_server.create_session()
    response = put_chunk(url, payload(CHUNK_GRANULARITY + 1), 0, 10 * CHUNK_GRANULARITY)
    assert response.status_code == 400
    assert "multiple" in response.json()["error"]["message"]
    assert persisted_from(query(url)) == 0


def test_gcs_rejects_a_gap(gcs_server):
    url = gcs_server.create_session()
    response = put_chunk(url, payload(CHUNK_GRANULARITY), CHUNK_GRANULARITY, 4 * CHUNK_GRANULARITY)
    assert response.status_code == 400


def test_gcs_resumes_after_dropped_chunk_and_resends_only_the_broken_part(gcs_server):
    chunk = 4 * CHUNK_GRANULARITY  # 1 MiB
    data = payload(3 * chunk + 12345)
    url = gcs_server.create_session(form="upload")
    session = gcs_server.session_id(url)
    gcs_server.set_script([Fault.normal(), Fault.drop(after_bytes=300_000)])

    result = resumable_upload(url, data, chunk)

    assert result["failures"] == 1
    assert result["object"]["size"] == str(len(data))
    assert gcs_server.stored(session) == (len(data), sha(data))
    chunks = gcs_server.chunks(session)
    assert [(c.start, c.status) for c in chunks] == [
        (0, 308), (chunk, None), (chunk, 308), (2 * chunk, 308), (3 * chunk, 200)]
    assert chunks[1].bytes_received == 300_000 and chunks[1].persisted_after == chunk
    # the broken chunk persisted nothing: exactly its 300000 bytes were sent twice
    assert gcs_server.resent_bytes(session) == 300_000
    [status_query] = gcs_server.queries(session)
    assert status_query.range_header == f"bytes=0-{chunk - 1}"


def test_gcs_503_then_query_and_resume(gcs_server):
    chunk = CHUNK_GRANULARITY
    data = payload(2 * chunk + 5)
    url = gcs_server.create_session(form="gcs_proxy")
    session = gcs_server.session_id(url)
    gcs_server.set_script([Fault.normal(), Fault.respond(503, headers={"Retry-After": "1"})])
    result = resumable_upload(url, data, chunk)
    assert result["failures"] == 1
    assert gcs_server.stored(session) == (len(data), sha(data))
    assert [c.status for c in gcs_server.chunks(session)] == [308, 503, 308, 200]


def test_gcs_drop_in_first_chunk_leaves_no_range(gcs_server):
    url = gcs_server.create_session()
    gcs_server.set_script([Fault.drop(after_bytes=1000)])
    with pytest.raises(requests.ConnectionError):
        put_chunk(url, payload(CHUNK_GRANULARITY), 0, 2 * CHUNK_GRANULARITY)
    answer = query(url)
    assert answer.status_code == 308 and "Range" not in answer.headers


def test_gcs_accepts_resent_persisted_bytes(gcs_server):
    chunk = CHUNK_GRANULARITY
    data = payload(3 * chunk)
    url = gcs_server.create_session()
    session = gcs_server.session_id(url)
    assert put_chunk(url, data[:2 * chunk], 0, len(data)).status_code == 308
    again = put_chunk(url, data[chunk:], chunk, len(data))  # overlaps one persisted chunk
    assert again.status_code == 200
    assert gcs_server.stored(session) == (len(data), sha(data))
    assert gcs_server.resent_bytes(session) == chunk


def test_gcs_unknown_total_then_finalise_with_status_query(gcs_server):
    data = payload(2 * CHUNK_GRANULARITY)
    url = gcs_server.create_session()
    session = gcs_server.session_id(url)
    assert put_chunk(url, data, 0, "*").status_code == 308
    assert query(url).status_code == 308
    final = query(url, len(data))
    assert final.status_code == 200
    assert gcs_server.stored(session) == (len(data), sha(data))


def test_gcs_single_request_upload_without_content_range(gcs_server):
    data = payload(1_000_003)
    url = gcs_server.create_session(form="json", name="one shot.bin")
    response = requests.put(url, data=data)
    assert response.status_code == 200 and response.json()["name"] == "one shot.bin"
    assert gcs_server.stored(gcs_server.session_id(url)) == (len(data), sha(data))


def test_gcs_initiate_with_post_returns_a_working_session_url(gcs_server):
    data = payload(1000)
    initiated = requests.post(
        gcs_server.url("/upload/storage/v1/b/my-bucket/o?uploadType=resumable&name=dir%2Fx.log"),
        json={}, headers={"X-Upload-Content-Type": "text/plain"})
    assert initiated.status_code == 200
    location = initiated.headers["Location"]
    assert "upload_id=" in location and location.startswith(gcs_server.url("/upload/"))
    done = put_chunk(location, data, 0, len(data))
    assert done.status_code == 200 and done.json()["contentType"] == "text/plain"
    media = requests.get(gcs_server.url("/storage/v1/b/my-bucket/o/dir/x.log?alt=media"))
    assert media.content == data


def test_gcs_url_forms_and_unknown_sessions(gcs_server):
    for form in ("gcs_proxy", "upload", "json"):
        url = gcs_server.create_session(form=form)
        assert gcs_server.session_id(url)
        assert query(url).status_code == 308
    assert "/v1/files/gcs_proxy/" in gcs_server.create_session(form="gcs_proxy")
    assert query(gcs_server.url("/v1/files/gcs_proxy/nope")).status_code == 404
    assert query(gcs_server.url("/upload?upload_id=nope&uploadType=resumable")).status_code == 404


def test_gcs_cancel(gcs_server):
    url = gcs_server.create_session()
    assert requests.delete(url).status_code == 499
    assert query(url).status_code == 410


def test_gcs_server_runs_standalone():
    process = subprocess.Popen(
        [sys.executable, str(SERVERS / "gcs_resumable_server.py"), "--port", "0", "--quiet",
         "--session", "abc"], stdout=subprocess.PIPE, text=True)
    try:
        assert "listening on" in process.stdout.readline()
        url = process.stdout.readline().split(" ", 1)[1].strip()
        assert url.endswith("/v1/files/gcs_proxy/abc")
        assert put_chunk(url, b"hello", 0, 5).status_code == 200
    finally:
        process.terminate()
        process.wait(timeout=5)


def test_gcs_persist_partial_keeps_whole_256k_blocks_of_a_broken_request():
    from servers.gcs_resumable_server import GCSResumableServer
    with GCSResumableServer.start(persist_partial=True) as server:
        data = payload(3 * CHUNK_GRANULARITY)
        url = server.create_session()
        session = server.session_id(url)
        server.set_script([Fault.drop(after_bytes=CHUNK_GRANULARITY * 2 + 1000)])
        with pytest.raises(requests.ConnectionError):
            requests.put(url, data=data)  # the whole object in one request
        # The server's handler thread stores the partial body a moment after the client saw
        # the connection drop; on a loaded machine the first query can come before that.
        deadline = time.monotonic() + 5
        while (persisted := persisted_from(query(url, len(data)))) == 0 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert persisted == 2 * CHUNK_GRANULARITY
        assert put_chunk(url, data[persisted:], persisted, len(data)).status_code == 200
        assert server.stored(session) == (len(data), sha(data))
        assert server.resent_bytes(session) == 1000
