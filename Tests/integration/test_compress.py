"""`upload.compress: gzip`: each file goes out gzip-compressed, named `<path>.gz` in its
request, written to the state folder when its slot comes and removed after; a kill -9 in
the middle of a compressed file's S3 multipart upload resumes without sending again what
S3 holds. Checked by un-gzipping the objects on moto's S3."""
from __future__ import annotations

import gzip
import hashlib
import os

from support.core_flow import expect_ok, trigger
from support.resume_fixtures import kill_at_hold, restart, state_dir, wait_journal, wait_until
from test_resume_s3 import PART, SIZE, held_at, upload_bodies, upload_id_of


def copies(agent) -> list:
    folder = state_dir(agent) / "archives"
    return sorted(os.listdir(folder)) if folder.exists() else []


def test_each_file_goes_out_gzip_compressed_as_name_gz(cloud, agent, s3_target, files_dir):
    texts = {f"{name}.log": (f"{name} line\n" * (2000 * (n + 1))).encode() for n, name in enumerate(["a", "b", "c"])}
    for name, data in texts.items():
        (files_dir / name).write_bytes(data)
    agent(uploadCompress="gzip", delete=True)
    requests = trigger(cloud, "gz", 3)
    paths = [r.value["options"]["file.path"] for r in requests]
    assert [os.path.basename(p) for p in paths] == ["a.log.gz", "b.log.gz", "c.log.gz"], paths
    for request, path in zip(requests, paths):
        expect_ok(cloud, "start", {"correlationID": request.value["correlationId"],
                                   "options": s3_target.options(aws_object_key=os.path.basename(path))})
    final = cloud.wait_last_upload("gz", timeout=30)
    assert final["state"] == "SUCCESS", final
    for name, data in texts.items():
        stored = s3_target.object_bytes(name + ".gz")
        assert len(stored) < len(data) / 10 and gzip.decompress(stored) == data, name
    wait_until(lambda: copies(agent) == [], 5, "the compressed copies removed")
    wait_until(lambda: not any(files_dir.iterdir()), 5, "delete removed the originals")


def test_kill_9_in_the_middle_of_a_compressed_upload_resumes_it(agent, cloud, s3_target, counting_proxy, files_dir):
    proxy = counting_proxy(s3_target.server.port)
    path = files_dir / "trace.bin"
    path.write_bytes(os.urandom(SIZE - PART // 2))  # random: its gzip copy is as long, three 8 MiB parts
    original = path.read_bytes()
    arrived = held_at(proxy, "half_way")
    first = agent(uploadCompress="gzip")
    [request] = trigger(cloud, "gz-kill", 1)
    expect_ok(cloud, "start", {"correlationID": request.value["correlationId"], "options": s3_target.options(
        aws_endpoint=proxy.endpoint, aws_object_key="trace.bin.gz")})
    arrived()
    upload_id = upload_id_of(proxy)
    wait_journal(agent, upload_id)
    kill_at_hold(first, proxy)
    [copy] = copies(agent)
    size = os.path.getsize(state_dir(agent) / "archives" / copy)
    missing = size - parts_held_by_s3_key(s3_target, upload_id)

    mark, since = proxy.mark(), cloud.mark()
    restart(agent, uploadCompress="gzip")
    final = cloud.wait_last_upload("gz-kill", timeout=30, since=since)
    assert final["state"] == "SUCCESS", final
    assert hashlib.sha256(gzip.decompress(s3_target.object_bytes("trace.bin.gz"))).digest() == \
        hashlib.sha256(original).digest()
    resent = proxy.body_bytes(mark, upload_bodies)
    assert resent <= missing + PART, f"sent {resent} bytes again; S3 was missing {missing}"
    wait_until(lambda: copies(agent) == [], 5, "the compressed copy removed")


def parts_held_by_s3_key(s3_target, upload_id: str) -> int:
    listed = s3_target.s3.list_parts(Bucket=s3_target.bucket, Key="trace.bin.gz", UploadId=upload_id)
    return sum(part["Size"] for part in listed.get("Parts", []))
