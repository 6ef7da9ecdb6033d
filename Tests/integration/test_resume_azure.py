"""Resume of Azure block uploads after kill -9, on the Azure test server behind a counting proxy.

The agent cuts files into 8 MiB blocks, four in flight; a 24 MiB file is three blocks. The
proxy holds the upload at one point, the agent is killed there and started again with the
same stateDir: the blob must end with the file's bytes, no uncommitted block may be left,
and after the restart the agent sends at most what Azure was missing plus one block (Get
Block List keeps the uncommitted blocks Azure holds).
"""
from __future__ import annotations

import base64
import hashlib

import pytest

from support.azure_fixtures import AZURE_CONTAINER
from support.core_fixtures import make_file
from support.resume_fixtures import (POINTS, MiB, assert_secrets_confined, hold_at, kill_at_hold, restart,
                                     start_one, wait_journal, wait_until)

BLOCK = 8 * MiB
SIZE = 3 * BLOCK
NAME = "big.bin"


def is_block(record, number=None) -> bool:
    """Put Block `number` (1-based), or any Put Block."""
    if not (record.method == "PUT" and record.query.get("comp") == ["block"]):
        return False
    if number is None:
        return True
    return record.query["blockid"] == [block_id(number)]


def block_id(number: int) -> str:
    """The agent's id of block `number` (1-based): base64 of the index padded to 48 digits."""
    return base64.b64encode(str(number - 1).zfill(48).encode()).decode()


def is_commit(record) -> bool:
    return record.method == "PUT" and record.query.get("comp") == ["blocklist"]


def options_through(proxy, azure_server, sas: str) -> dict:
    return {
        "storage.provider": "azure",
        "azure.storage.endpoint": f"{proxy.endpoint}/{azure_server.account}/",
        "azure.shared.access.signature": sas,
        "azure.blob.container": AZURE_CONTAINER,
    }


def held_at(proxy, point: str):
    return hold_at(proxy, point, is_piece=is_block, stored=201, is_commit=is_commit)


def uncommitted_bytes(azure_server) -> int:
    """Bytes of whole blocks Azure holds uncommitted. The test server may keep a block whose
    body a kill cut short; no resume can use that (the agent checks each block's size), so it
    does not count as held."""
    blob = azure_server.blob(AZURE_CONTAINER, NAME)
    return sum(len(data) for data in blob.uncommitted.values() if len(data) == BLOCK) if blob else 0


def block_bodies(record) -> bool:
    return record.method == "PUT" and record.query.get("comp") in (None, ["block"])


@pytest.mark.parametrize("point", [
    *POINTS[:-1],
    pytest.param(POINTS[-1], marks=pytest.mark.xfail(
        strict=False, reason="a blob committed just before the kill is uploaded again: Get Block List "
                             "(uncommitted) is empty then, and the committed list alone cannot prove "
                             "the blob holds this file (reported to the lead)")),
])
def test_kill_9_then_restart_resumes_azure_blocks(point, agent, cloud, azure_server, azure_sas,
                                                  azure_signature, counting_proxy, files_dir):
    proxy = counting_proxy(azure_server.port)
    path = files_dir / NAME
    digest = make_file(path, SIZE)
    arrived = held_at(proxy, point)
    delete = point == "after_commit"
    first = agent(delete=delete)
    start_one(cloud, "up-az", options_through(proxy, azure_server, azure_sas))
    arrived()
    if point != "first_in_flight":  # blocks 1 and 2 journaled as stored
        wait_journal(agent, block_id(2))
    else:
        # A block that slipped past the hold and is stored reaches the journal a few ms
        # after Azure confirmed it: the resume promise covers what was journaled.
        blob = azure_server.blob(AZURE_CONTAINER, NAME)
        for stored in list(blob.uncommitted) if blob else []:
            wait_journal(agent, stored)
    assert_secrets_confined(agent, [azure_signature], uploads_ended=False)

    kill_at_hold(first, proxy)
    missing = 0 if point == "after_commit" else SIZE - uncommitted_bytes(azure_server)
    mark, since = proxy.mark(), cloud.mark()
    restart(agent, delete=delete)

    final = cloud.wait_last_upload("up-az", timeout=30, since=since)
    assert final["state"] == "SUCCESS", final
    content = azure_server.blob_content(AZURE_CONTAINER, NAME)
    assert content is not None and hashlib.sha256(content).hexdigest() == digest
    assert azure_server.blob(AZURE_CONTAINER, NAME).uncommitted == {}, "uncommitted blocks left behind"
    if delete:
        wait_until(lambda: not path.exists(), 5, "file deleted after its upload")
    assert_secrets_confined(agent, [azure_signature], uploads_ended=True)
    resent = proxy.body_bytes(mark, block_bodies)
    assert resent <= missing + BLOCK, f"sent {resent} bytes after the restart; Azure was missing {missing}"
