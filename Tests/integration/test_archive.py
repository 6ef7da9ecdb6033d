"""`upload.archive`: the files a trigger selects go out as one archive (one request, one
object), made in the state folder before its request and removed after the upload ended.

Checked as a backend would: the object on moto's S3 (signatures checked) and the Azure test
server is unpacked and every member's bytes, path and modification time compared with the
files; a kill -9 in the middle of the archive's upload resumes on S3 parts and Azure blocks
without sending again what the server holds; `delete` removes only members unchanged since
they were archived; an archive beyond `archiveMaxSize` fails with a message and leaves
nothing behind.
"""
from __future__ import annotations

import hashlib
import io
import os
import tarfile
import time
import zipfile
from pathlib import Path

import pytest

from support.azure_fixtures import AZURE_CONTAINER
from support.core_flow import expect_error, expect_ok, find_upload, start_generic, trigger
from support.resume_fixtures import (MiB, hold_at, kill_at_hold, restart, state_dir, wait_journal,
                                     wait_until)
from test_resume_azure import block_bodies, block_id, is_block, is_commit, options_through
from test_resume_s3 import is_complete, is_part, upload_bodies

PART = 8 * MiB


def log_tree(root: Path, count: int, size_of=lambda n: 1000 + n % 3000, random: bool = False) -> dict:
    """`count` files in 10 folders, modification times spread over three days; returns
    {relative name: (bytes, mtime seconds)}."""
    files = {}
    now = time.time()
    for n in range(count):
        name = f"app{n % 10}/part-{n:05d}.log"
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        size = size_of(n)
        data = os.urandom(size) if random else (f"line {n} " * (size // 7 + 1)).encode()[:size]
        path.write_bytes(data)
        moment = int(now - (n * 97) % (72 * 3600))
        os.utime(path, (moment, moment))
        files[name] = (data, moment)
    return files


def members_of(data: bytes, archive_format: str) -> dict:
    """{name: (bytes, mtime seconds)} of a tar.gz or zip archive."""
    if archive_format == "zip":
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            # zip keeps local time in its main header; the extended timestamp holds UTC
            return {info.filename: (archive.read(info), zip_mtime(info)) for info in archive.infolist()}
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as archive:
        return {m.name: (archive.extractfile(m).read(), int(m.mtime)) for m in archive.getmembers() if m.isfile()}


def zip_mtime(info: zipfile.ZipInfo) -> int:
    """The UTC modification time of the extended-timestamp extra field (0x5455)."""
    extra = info.extra
    while len(extra) >= 4:
        tag, length = int.from_bytes(extra[:2], "little"), int.from_bytes(extra[2:4], "little")
        if tag == 0x5455 and length >= 5 and extra[4] & 1:
            return int.from_bytes(extra[5:9], "little")
        extra = extra[4 + length:]
    raise AssertionError(f"{info.filename}: no extended timestamp")


def archive_request(cloud, parent: str, options: dict):
    """trigger with `options` -> exactly one request; returns (file id, requested path)."""
    [request] = trigger(cloud, parent, 1, options, timeout=30)
    return request.value["correlationId"], request.value["options"]["file.path"]


def staged(agent) -> list:
    folder = state_dir(agent) / "archives"
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def test_two_thousand_files_go_out_as_one_tar_gz(cloud, agent, s3_target, files_dir):
    files = log_tree(files_dir, 2000)
    process = agent(files=str(files_dir / "*" / "*.log"))
    child, path = archive_request(cloud, "logs-2000", {"upload.archive": "tar.gz"})
    name = os.path.basename(path)
    assert name.startswith("edge_device_logs-2000_") and name.endswith(".tar.gz"), name
    expect_ok(cloud, "start", {"correlationID": child, "options": s3_target.options(aws_object_key="logs.tar.gz")})
    final = cloud.wait_last_upload("logs-2000", timeout=60)
    assert final["state"] == "SUCCESS", final
    total = sum(len(data) for data, _ in files.values())
    assert final["archive"] == {"format": "tar.gz", "members": 2000, "memberBytes": total}, final
    time.sleep(0.3)
    assert len(cloud.upload_requests()) == 1, "one request for the whole archive"

    body = s3_target.object_bytes("logs.tar.gz")
    assert len(body) < total / 3, "the archive is compressed"
    assert members_of(body, "tar.gz") == files
    wait_until(lambda: staged(agent) == [], 5, "the staged archive removed after SUCCESS")
    recent = find_upload(process.status(), "logs-2000", "recent")
    assert recent["archive"]["members"] == 2000 and recent["fileCount"] == 1, recent
    assert all(p.exists() for p in files_dir.glob("*/*.log")), "no delete: the members stay"


def test_zip_with_delete_removes_only_the_members_unchanged_since_they_were_archived(cloud, agent, s3_target, files_dir):
    files = log_tree(files_dir, 6)
    agent(files=str(files_dir / "*" / "*.log"), delete=True)
    child, path = archive_request(cloud, "logs-zip", {"upload.archive": "zip"})
    assert path.endswith(".zip")
    grown = files_dir / "app3" / "part-00003.log"
    with open(grown, "ab") as out:  # written into the archive as it was selected
        out.write(b"a line that came after the archive was made\n")
    expect_ok(cloud, "start", {"correlationID": child, "options": s3_target.options(aws_object_key="logs.zip")})
    final = cloud.wait_last_upload("logs-zip", timeout=30)
    assert final["state"] == "SUCCESS", final
    assert members_of(s3_target.object_bytes("logs.zip"), "zip") == files
    wait_until(lambda: sorted(p.name for p in files_dir.glob("*/*.log")) == ["part-00003.log"], 5,
               "every member deleted but the one that grew")
    wait_until(lambda: staged(agent) == [], 5, "the staged archive removed")


def kill_mid_archive(agent, cloud, proxy, is_piece, stored, is_commit_request, options, files_dir):
    """An archive of 23 incompressible MiB (three 8 MiB pieces), held with pieces 1 and 2
    stored and piece 3 on the wire, killed there; returns (files, file id, archive path)."""
    files = log_tree(files_dir, 23, size_of=lambda n: MiB, random=True)
    arrived = hold_at(proxy, "half_way", is_piece=is_piece, stored=stored, is_commit=is_commit_request)
    first = agent(files=str(files_dir / "*" / "*.log"))
    child, path = archive_request(cloud, "logs-kill", {"upload.archive": "tar.gz"})
    expect_ok(cloud, "start", {"correlationID": child, "options": options(os.path.basename(path))})
    arrived()
    return files, first, path


def restart_after_kill(agent, cloud, proxy, first, path, files_dir, bodies) -> None:
    """kill -9 at the hold, start again: SUCCESS, and of the archive's bytes only what the
    server was missing (all but two pieces) plus at most one piece sent again."""
    size = os.path.getsize(path)
    kill_at_hold(first, proxy)
    mark, since = proxy.mark(), cloud.mark()
    restart(agent, files=str(files_dir / "*" / "*.log"))
    final = cloud.wait_last_upload("logs-kill", timeout=60, since=since)
    assert final["state"] == "SUCCESS", final
    resent = proxy.body_bytes(mark, bodies)
    assert resent <= size - 2 * PART + PART, f"sent {resent} of {size} bytes again; the server held 2 pieces"


def test_kill_9_in_the_middle_of_an_archive_resumes_its_s3_multipart_upload(cloud, agent, s3_target,
                                                                               counting_proxy, files_dir):
    proxy = counting_proxy(s3_target.server.port)
    files, first, path = kill_mid_archive(
        agent, cloud, proxy, is_part, 200, is_complete,
        lambda name: s3_target.options(aws_endpoint=proxy.endpoint, aws_object_key="kill.tar.gz"), files_dir)
    wait_journal(agent, "uploadId")
    restart_after_kill(agent, cloud, proxy, first, path, files_dir, upload_bodies)
    assert members_of(s3_target.object_bytes("kill.tar.gz"), "tar.gz") == files
    wait_until(lambda: staged(agent) == [], 5, "the staged archive removed")


def test_kill_9_in_the_middle_of_an_archive_resumes_its_azure_blocks(cloud, agent, azure_server, azure_sas,
                                                                        counting_proxy, files_dir):
    proxy = counting_proxy(azure_server.port)
    names = []

    def options(name):
        names.append(name)
        return options_through(proxy, azure_server, azure_sas)
    files, first, path = kill_mid_archive(agent, cloud, proxy, is_block, 201, is_commit, options, files_dir)
    wait_journal(agent, block_id(2))
    restart_after_kill(agent, cloud, proxy, first, path, files_dir, block_bodies)
    content = azure_server.blob_content(AZURE_CONTAINER, names[0])
    assert content is not None and members_of(content, "tar.gz") == files


def test_an_archive_beyond_archive_max_size_fails_and_leaves_nothing(cloud, agent, files_dir):
    log_tree(files_dir, 4, size_of=lambda n: 200_000, random=True)
    agent(files=str(files_dir / "*" / "*.log"), archiveMaxSize="300KB")
    since = cloud.mark()
    expect_ok(cloud, "trigger", {"correlationID": "too-big", "options": {"upload.archive": "tar.gz"}})
    final = cloud.wait_last_upload("too-big", timeout=20, since=since)
    assert final["state"] == "FAILED", final
    assert "grew beyond 300000 bytes (archiveMaxSize)" in final["message"], final
    assert cloud.upload_requests(since) == [], "no request for an archive that was never whole"
    assert staged(agent) == []


def test_a_bad_archive_option_is_refused_before_anything_runs(cloud, agent, files_dir):
    log_tree(files_dir, 2)
    agent(files=str(files_dir / "*" / "*.log"))
    error = expect_error(cloud, "trigger", {"correlationID": "rar", "options": {"upload.archive": "rar"}}, 400)
    assert error["message"] == "'upload.archive' 'rar' is not one of tar.gz, zip, none", error
    error = expect_error(cloud, "trigger", {"correlationID": "both", "options": {
        "upload.archive": "zip", "upload.compress": "gzip"}}, 400)
    assert "exclude each other" in error["message"], error


def test_kill_9_while_the_archive_is_written_makes_it_again_after_the_restart(cloud, agent, files_dir, http_sink):
    log_tree(files_dir, 30, size_of=lambda n: 4 * MiB, random=True)  # seconds of gzip
    config = {"files": str(files_dir / "*" / "*.log")}
    first = agent(**config)
    since = cloud.mark()
    expect_ok(cloud, "trigger", {"correlationID": "half-made", "options": {"upload.archive": "tar.gz"}})
    wait_until(lambda: any(name.endswith(".part") for name in staged(agent)), 10, "the archive being written")
    first.kill()
    assert cloud.upload_requests(since) == [], "no request before the archive is whole"

    restart(agent, **config)
    child = cloud.wait_requests(1, "half-made", timeout=30, since=since)[0].value["correlationId"]
    [archive] = [name for name in staged(agent) if name.endswith(".tar.gz")]
    digest = hashlib.sha256((state_dir(agent) / "archives" / archive).read_bytes()).hexdigest()
    start_generic(cloud, child, http_sink.url("/half-made.tar.gz"))
    assert cloud.wait_last_upload("half-made", timeout=60, since=since)["state"] == "SUCCESS"
    [received] = http_sink.wait_for(1)
    assert received.sha256 == digest
    assert len(cloud.upload_requests(since)) == 1
    wait_until(lambda: staged(agent) == [], 5, "nothing left in the stage")
