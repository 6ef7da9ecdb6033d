"""Issue 11 item 1: symbolic links in the upload folder never carry a file outside the scope.

Why: the agent usually runs as root, and anyone who can write to the log folder could place
`leak.log -> /some/secret`; a trigger must not upload the secret, while a rotated log
(`app.log -> app.log.1` in the same folder) keeps uploading.
"""
import hashlib
import os

from support.core_flow import expect_error, start_generic, trigger
from support.core_fixtures import make_file


def test_link_out_of_scope_never_reaches_the_sink(cloud, agent, tmp_path, http_sink):
    logs = tmp_path / "logs"
    logs.mkdir()
    outside = tmp_path / "outside"
    outside.mkdir()
    secret = b"root-only secret " * 1000
    (outside / "secret").write_bytes(secret)
    os.symlink(outside / "secret", logs / "leak.log")
    rotated_digest = make_file(logs / "app.log.1", 300_000, seed=3)
    os.symlink("app.log.1", logs / "app.log")
    process = agent(files=str(logs / "*.log"), mode="strict")

    (request,) = trigger(cloud, "links", 1)
    assert request.value["options"]["file.path"] == str(logs / "app.log")
    start_generic(cloud, request.value["correlationId"], http_sink.url("/up/app.log"))
    final = cloud.wait_last_upload("links", timeout=30)
    assert final["state"] == "SUCCESS", final
    received = http_sink.wait_for(1)
    assert [r.sha256 for r in received] == [rotated_digest]
    assert hashlib.sha256(secret).hexdigest() not in {r.sha256 for r in http_sink.requests}
    assert "leak.log" in process.log_text() and "outside" in process.log_text()

    # Only the link left: the trigger is refused, nothing is requested or sent.
    os.remove(logs / "app.log")
    os.remove(logs / "app.log.1")
    value = expect_error(cloud, "trigger", {"correlationID": "only-leak", "options": {}}, (400, 500))
    assert "outside the upload scope" in value["message"], value
    assert len(http_sink.requests) == 1
