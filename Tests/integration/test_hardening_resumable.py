"""Issue 11 item 2: no SUCCESS without confirmed bytes.

Why: a generic URL that merely contained `upload_id=` used to be taken for a GCS resumable
session whose first step was an empty `bytes */N` probe; a plain server answered 201 and
the agent reported SUCCESS (and, with `delete`, removed the file) without sending a byte.
"""
import pytest

from support.core_flow import start_generic, trigger
from support.core_fixtures import make_file


def test_upload_id_in_a_plain_url_is_one_put_of_the_whole_file(cloud, agent, files_dir, http_sink):
    size = 700_000
    digest = make_file(files_dir / "plain.bin", size)
    agent(delete=True)
    (request,) = trigger(cloud, "plain", 1)
    start_generic(cloud, request.value["correlationId"], http_sink.url("/put?upload_id=abc&uploadType=resumable"))
    final = cloud.wait_last_upload("plain", timeout=30)
    assert final["state"] == "SUCCESS", final
    (received,) = http_sink.wait_for(1)
    assert received.method == "PUT" and received.header("Content-Range") is None
    assert received.bytes == size and received.sha256 == digest
    assert len(http_sink.requests) == 1


@pytest.mark.parametrize("first_chunk_status", [201, 503])
def test_a_session_claiming_bytes_never_sent_fails(cloud, agent, files_dir, http_sink, first_chunk_status):
    """A server answering 201 to everything (or to the probe after a failed first chunk)
    has not stored the file: the upload is FAILED, and `delete` keeps the file."""
    make_file(files_dir / "big.bin", 1024 * 1024)
    answered = []

    def responder(sink_request):
        status = first_chunk_status if not answered else 201
        answered.append(status)
        return status, {}, b""

    http_sink.responder = responder
    agent(delete=True, retryAttempts=2)
    (request,) = trigger(cloud, "liar", 1)
    start_generic(cloud, request.value["correlationId"], http_sink.url("/session"),
                  **{"https.resumable": "gcs", "https.chunk.size": "256KiB"})
    final = cloud.wait_last_upload("liar", timeout=30)
    assert final["state"] == "FAILED", final
    assert "sent only" in final["message"], final
    first = http_sink.requests[0]
    assert first.header("Content-Range") == "bytes 0-262143/1048576", "a fresh session starts with data"
    assert first.bytes == 256 * 1024
    assert (files_dir / "big.bin").exists(), "a failed upload deleted the file"
