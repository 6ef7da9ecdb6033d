"""Active logs: a file that only grows while it waits or while it is uploaded goes out as it
was selected (its first N bytes, N in the journal), a resume after kill -9 continues that,
and the next trigger takes the new size; a file truncated while the agent was down fails
saying so; `delete` never deletes a file that grew.

Checked at the servers: the hash of what the HTTP sink received, the object on moto's S3.
"""
from __future__ import annotations

import hashlib

from support.core_fixtures import make_file
from support.core_flow import expect_ok, start_generic, trigger
from support.net import holds_for
from support.resume_fixtures import MiB, kill_at_hold, restart, start_one, wait_journal
from test_resume_s3 import KEY, SIZE, held_at, upload_bodies, upload_id_of, PART


def append(path, data: bytes) -> None:
    with open(path, "ab") as out:
        out.write(data)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def killed_half_way(agent, cloud, s3_target, counting_proxy, files_dir, parent: str):
    """A 24 MiB file's S3 upload killed (kill -9) with parts 1 and 2 stored; returns (proxy, path)."""
    proxy = counting_proxy(s3_target.server.port)
    path = files_dir / "big.bin"
    make_file(path, SIZE)
    arrived = held_at(proxy, "half_way")
    first = agent()
    start_one(cloud, parent, s3_target.options(aws_endpoint=proxy.endpoint, aws_object_key=KEY))
    arrived()
    wait_journal(agent, upload_id_of(proxy))
    kill_at_hold(first, proxy)
    return proxy, path


def test_a_log_that_grows_during_its_upload_goes_out_as_selected_and_the_next_trigger_takes_the_rest(
        cloud, agent, files_dir, http_sink):
    path = files_dir / "app.log"
    make_file(path, 2 * MiB)
    selected = path.read_bytes()
    agent(delete=True)
    http_sink.rate = 2 * MiB  # about a second on the wire
    [request] = trigger(cloud, "live", 1)
    append(path, b"written before the start\n")
    start_generic(cloud, request.value["correlationId"], http_sink.url("/first"))
    http_sink.wait_bytes(256 * 1024)
    append(path, b"written while it was uploaded\n" * 1000)
    final = cloud.wait_last_upload("live", timeout=30)
    assert final["state"] == "SUCCESS", final
    [received] = http_sink.wait_for(1)
    assert received.bytes == len(selected) and received.sha256 == sha256(selected), "the log as it was selected"
    assert holds_for(lambda: path.exists(), 0.5), "delete removed a log that grew"

    http_sink.rate = None
    whole = path.read_bytes()
    [request] = trigger(cloud, "next", 1)
    start_generic(cloud, request.value["correlationId"], http_sink.url("/second"))
    assert cloud.wait_last_upload("next", timeout=30)["state"] == "SUCCESS"
    second = http_sink.wait_for(2)[1]
    assert second.bytes == len(whole) and second.sha256 == sha256(whole), "the next trigger takes the new size"


def test_a_log_appended_to_while_the_agent_was_down_resumes_as_selected(agent, cloud, s3_target, counting_proxy,
                                                                         files_dir):
    proxy, path = killed_half_way(agent, cloud, s3_target, counting_proxy, files_dir, "up-grown")
    selected = path.read_bytes()
    append(path, b"appended while the agent was down\n")

    mark, since = proxy.mark(), cloud.mark()
    restart(agent)
    final = cloud.wait_last_upload("up-grown", timeout=30, since=since)
    assert final["state"] == "SUCCESS", final
    assert sha256(s3_target.object_bytes(KEY)) == sha256(selected)
    assert proxy.body_bytes(mark, upload_bodies) <= 2 * PART, "the resume sent again what S3 held"


def test_a_log_truncated_while_the_agent_was_down_fails_saying_so(agent, cloud, s3_target, counting_proxy, files_dir):
    _, path = killed_half_way(agent, cloud, s3_target, counting_proxy, files_dir, "up-cut")
    with open(path, "r+b") as out:
        out.truncate(MiB)

    since = cloud.mark()
    restart(agent)
    final = cloud.wait_last_upload("up-cut", timeout=20, since=since)
    assert final["state"] == "FAILED", final
    assert f"truncated from {SIZE} to {MiB} bytes" in final["message"] and "big.bin" in final["message"], final
