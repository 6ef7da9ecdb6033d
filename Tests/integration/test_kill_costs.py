"""What ten kills cost on a slow link: `maxBandwidth` 3 MB/s, kill -9 at ten random moments of
one upload, a restart after each; the bytes that reached the storage server (a counting proxy
in front of it) stay within 1.3 times the file, for S3, Azure and a GCS resumable session.

Why: a kill throws away what is in flight and not yet confirmed. With parts of 8 MiB, four at
a time, ten kills on a cellular link sent 2.3 times the file; sized to the link (about a second
of it in flight) they cost a few MiB each. S3's 5 MiB minimum part is why its file is larger.
"""
from __future__ import annotations

import hashlib
import random
import time

import pytest

from support.azure_fixtures import AZURE_CONTAINER
from support.core_fixtures import make_file
from support.resume_fixtures import MiB, restart, start_one

RATE = 3_000_000
KILLS = 10
# A kill costs what is in flight: about a second of the link (3 MB) for Azure blocks and
# GCS chunks, half of S3's 5 MiB minimum part on average. Ten of them stay within 0.3 of
# files this large.
SIZES = {"aws": 128 * MiB, "azure": 64 * MiB, "gcs": 64 * MiB}


@pytest.mark.parametrize("provider", list(SIZES))
def test_ten_kills_on_a_3_mb_s_link_cost_less_than_a_third_of_the_file(
        provider, request, agent, cloud, counting_proxy, files_dir):
    size = SIZES[provider]
    name = "kills.bin"
    digest = make_file(files_dir / name, size)
    if provider == "aws":
        target = request.getfixturevalue("s3_target")
        proxy = counting_proxy(target.server.port)
        options = target.options(aws_endpoint=proxy.endpoint, aws_object_key="kills/" + name)

        def stored():
            body = target.s3.get_object(Bucket=target.bucket, Key="kills/" + name)["Body"].read()
            return hashlib.sha256(body).hexdigest()
    elif provider == "azure":
        server = request.getfixturevalue("azure_server")
        proxy = counting_proxy(server.port)
        options = {"storage.provider": "azure", "azure.storage.endpoint": f"{proxy.endpoint}/{server.account}/",
                   "azure.shared.access.signature": request.getfixturevalue("azure_sas"),
                   "azure.blob.container": AZURE_CONTAINER}

        def stored():
            return hashlib.sha256(server.blob_content(AZURE_CONTAINER, name) or b"").hexdigest()
    else:
        server = request.getfixturevalue("gcs_server")
        proxy = counting_proxy(server.port)
        session = server.session_id(server.create_session(name=name))
        options = {"storage.provider": "generic", "https.resumable": "gcs",
                   "https.url": f"{proxy.endpoint}/v1/files/gcs_proxy/{session}"}

        def stored():
            return hashlib.sha256(server.body(session) or b"").hexdigest()

    # Ten moments within the time the upload would take without kills: each restart only
    # delays it, so every kill lands before its end.
    rng = random.Random(f"kills-{provider}")
    duration = size / RATE
    moments = sorted(rng.uniform(0.5, duration - 1.5) for _ in range(KILLS))
    process = agent(maxBandwidth="3MB")
    began = time.monotonic()
    start_one(cloud, "kills", options)
    for moment in moments:
        time.sleep(max(0.0, began + moment - time.monotonic()))  # the chosen moment, not a wait
        process.kill()
        process = restart(agent, maxBandwidth="3MB")
    final = cloud.wait_last_upload("kills", timeout=duration * 2 + 30)
    assert final["state"] == "SUCCESS", final
    assert stored() == digest
    sent = proxy.body_bytes()
    ratio = sent / size
    print(f"\n{provider}: {KILLS} kills, {sent} bytes sent for a {size}-byte file: {ratio:.2f}x")
    assert ratio <= 1.3, f"{provider}: sent {ratio:.2f} times the file over {KILLS} kills"
