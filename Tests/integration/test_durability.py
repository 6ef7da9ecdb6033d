"""What survives (issue 8): the activation window across kill -9, the final status across a
storm of broker restarts, the twin's `lastUpload` across re-registrations, and a state
folder mangled in every way."""
import hashlib
import json
import re
import time
import zlib

import pytest

from support.backend import StartingBackend
from support.core_fixtures import make_file
from support.core_flow import MiB, expect_ok, find_upload, start_generic, trigger
from support.net import holds_for, wait_until

from test_core_registration import is_registration


def auto_upload_of(registration):
    return registration.value["properties"]["autoUpload"]


def test_activation_survives_kill_9_and_periodic_uploads_go_on(cloud, agent, files_dir, http_sink):
    make_file(files_dir / "a.log", 100)
    process = agent(period="2s")
    backend = StartingBackend(cloud, http_sink)
    try:
        now = int(time.time())
        mark = cloud.mark()
        expect_ok(cloud, "activate", {"from": now - 5, "to": now + 120})
        window = cloud.wait_event(lambda m: m.path == "/features/AutoUploadable/properties/autoUpload",
                                  since=mark).value
        assert window["active"] is True
        http_sink.wait_for(2, timeout=10)  # two periodic runs
        process.kill()  # kill -9: no chance to write anything more
        before_kill = {m.value["correlationId"].split("#")[0] for m in cloud.upload_requests()}
        mark = cloud.mark()
        restarted = agent(period="2s")
        registration = cloud.wait_event(is_registration, since=mark, what="registration after the restart")
        assert auto_upload_of(registration) == window
        feature = wait_until(lambda: (f := restarted.status()["feature"])["nextRunAt"] and f, 5,
                             message="status file: nextRunAt after the restart")
        assert feature["active"] is True and feature["startTime"] == window["startTime"], feature

        # Periodic runs go on: new uploads (new ids) arrive at the sink and succeed.
        def new_successes():
            return {v["correlationId"] for v in (m.value for m in cloud.property_updates("lastUpload", mark))
                    if v["state"] == "SUCCESS" and v["correlationId"] not in before_kill}
        wait_until(lambda: len(new_successes()) >= 2, 10, message="two periodic uploads after the restart")
        assert len(http_sink.finished) >= 4
    finally:
        backend.close()


def test_every_final_status_reaches_a_persistent_backend_through_10_broker_restarts(
        persistent_broker, persistent_cloud, agent, files_dir, http_sink):
    broker, cloud = persistent_broker, persistent_cloud
    # Three uploads ending at about 3, 5 and 6.5 s: during the restarts, not after them.
    sizes = {"slow-1": 1 * MiB, "slow-2": MiB * 8 // 5, "slow-3": MiB * 11 // 5}
    digests = {}
    for index, (parent, size) in enumerate(sizes.items()):
        (files_dir / parent).mkdir()
        digests[parent] = make_file(files_dir / parent / "data.bin", size, seed=index)
    agent(broker=broker, files=str(files_dir / "*" / "data.bin"), mode="scoped")
    http_sink.rate = 340 * 1024
    for parent in sizes:
        (request,) = trigger(cloud, parent, 1, {"upload.files": str(files_dir / parent / "data.bin")})
        start_generic(cloud, request.value["correlationId"], http_sink.url("/" + parent))
    http_sink.wait_bytes(64 * 1024)
    began = time.monotonic()
    for _ in range(10):
        broker.restart()
        time.sleep(0.6)
    storm = time.monotonic() - began
    assert storm < 12, f"10 broker restarts took {storm:.1f} s"
    received = http_sink.wait_for(3, timeout=30)
    assert {r.path: r.sha256 for r in received} == {f"/{p}": d for p, d in digests.items()}
    during = [r.path for r in received if r.ended_at < began + storm]
    assert len(during) >= 2, f"only {during} ended during the {storm:.1f} s of restarts: the test would prove little"
    cloud.wait_connected(20)
    for parent in sizes:
        final = cloud.wait_last_upload(parent, timeout=30)
        assert final["state"] == "SUCCESS" and final["progress"] == 100, final


def successes(cloud, parent):
    """The SUCCESS lastUpload messages the agent sent: a copy the broker delivers again after
    its own restart (DUP set, the backend's acknowledgement lost with the broker) is the
    broker's, not the agent's."""
    return [m.value for m in cloud.property_updates("lastUpload")
            if not m.dup and m.value.get("correlationId") == parent and m.value["state"] == "SUCCESS"]


def registered_last_upload(registration):
    return registration.value["properties"].get("lastUpload")


def wait_end_acknowledged(agent):
    """The broker acknowledged the final lastUpload: the agent then drops the upload from its
    journal at once. Until then a restart rightly sends it again (at least once)."""
    journal = agent.tmp_path / "state" / "journal.log"

    def forgotten():
        lines = journal.read_bytes().splitlines() if journal.exists() else []
        return not any(line[9:].startswith(b'{"upload"') for line in lines)
    wait_until(forgotten, 5, message="the upload left the journal after its end was acknowledged")


def test_the_end_is_told_once_and_registrations_after_a_broker_restart_carry_it(
        persistent_broker, persistent_cloud, agent, files_dir, http_sink):
    """The backend hears SUCCESS once; each re-registration replaces the feature with the
    latest lastUpload inside it, so the twin keeps it without another lastUpload message."""
    broker, cloud = persistent_broker, persistent_cloud
    make_file(files_dir / "a.log", 1000)
    agent(broker=broker)
    (request,) = trigger(cloud, "twin", 1)
    start_generic(cloud, request.value["correlationId"], http_sink.url("/twin"))
    assert cloud.wait_last_upload("twin")["state"] == "SUCCESS"
    wait_end_acknowledged(agent)
    for _ in range(2):
        mark = cloud.mark()
        broker.restart()
        cloud.wait_connected(15)
        registration = cloud.wait_event(is_registration, since=mark, timeout=30, what="registration")
        latest = registered_last_upload(registration)
        assert latest and latest["correlationId"] == "twin", registration.value
        assert latest["state"] == "SUCCESS" and latest["progress"] == 100, latest
    told = [(m.index, m.dup, m.value["state"]) for m in cloud.property_updates("lastUpload")]
    assert holds_for(lambda: len(successes(cloud, "twin")) == 1, 1.0), told


def test_registrations_after_agent_restarts_carry_the_end_without_telling_it_again(
        cloud, agent, files_dir, http_sink):
    make_file(files_dir / "a.log", 1000)
    agent()
    (request,) = trigger(cloud, "twin", 1)
    start_generic(cloud, request.value["correlationId"], http_sink.url("/twin"))
    assert cloud.wait_last_upload("twin")["state"] == "SUCCESS"
    wait_end_acknowledged(agent)
    for restart in range(3):
        agent.instances[-1].kill() if restart % 2 else agent.instances[-1].stop()
        mark = cloud.mark()
        agent()
        registration = cloud.wait_event(is_registration, since=mark, what=f"registration after restart {restart + 1}")
        latest = registered_last_upload(registration)
        assert latest and latest["state"] == "SUCCESS" and latest["progress"] == 100, (restart, registration.value)
    assert holds_for(lambda: len(successes(cloud, "twin")) == 1, 1.0), successes(cloud, "twin")


def framed(payload: bytes) -> bytes:
    """One journal line as the agent writes it: `<crc32 hex> <json>\\n`."""
    return f"{zlib.crc32(payload):08x} ".encode() + payload + b"\n"


SOUND_CREDENTIALS = (framed(b'{"header":{"version":1}}')
                     + framed(b'{"set":{"file":"old#1","options":{"https.url":"http://127.0.0.1:9/x"}}}'))

# What is in each file, and what the agent must do about it: "aside" = an error line
# naming the file and the file moved to <name>.damaged-<time>; "noted" = an error line
# naming it, the sound records used; None = nothing to say (the status file is output).
MANGLED = {
    "garbage": {
        "journal.log": (b"\x00\xff\xfegarbage\nnot a record at all\n\x89PNG\r\n", "aside"),
        # Only a torn last line: harmless (a write cut short), noted, nothing to keep.
        "credentials.log": (b'0badf00d {"set":{"file":"old#1","options":{"https.u', "noted"),
        "status.json": (b"{\"agent\": [1, 2,", None),
    },
    "wrong-version-and-truncated": {
        "journal.log": (framed(b'{"header":{"version":99}}') + framed(b'{"removeUpload":{"id":"x"}}'), "aside"),
        "credentials.log": (SOUND_CREDENTIALS + SOUND_CREDENTIALS[:30], "noted"),
        "status.json": (b"\x00" * 64, None),
    },
    "folders": {
        "journal.log": ("dir", "aside"),
        "credentials.log": ("dir", "aside"),
        "status.json": (b"[]", None),
    },
}


@pytest.mark.parametrize("damage", list(MANGLED))
def test_a_mangled_state_folder_never_stops_the_agent(cloud, agent, files_dir, http_sink, tmp_path, damage):
    state = tmp_path / "state"
    state.mkdir()
    for name, (content, _) in MANGLED[damage].items():
        if content == "dir":
            (state / name).mkdir()
            (state / name / "inside").write_text("a folder where a file should be")
        else:
            (state / name).write_bytes(content)
    digest = make_file(files_dir / "a.log", 5000)
    process = agent(statusFile=str(state / "status.json"))
    status = process.status()  # parses: the garbage was replaced by a real document
    assert status["mqtt"]["connected"] is True
    log = process.log_text()
    for name, (_, expected) in MANGLED[damage].items():
        if expected is None:
            continue
        path = state / name
        assert any(str(path) in line and "ERROR" in line.upper() for line in log.splitlines()), \
            f"no error line naming {path}:\n{log[-3000:]}"
        aside = [p for p in state.iterdir() if p.name.startswith(name + ".damaged-")]
        assert len(aside) == (1 if expected == "aside" else 0), \
            f"{name}: expected {expected}, the folder holds {sorted(p.name for p in state.iterdir())}"
    # It answers and uploads, and journals again.
    (request,) = trigger(cloud, "after-damage", 1)
    start_generic(cloud, request.value["correlationId"], http_sink.url("/after"))
    assert cloud.wait_last_upload("after-damage")["state"] == "SUCCESS"
    (received,) = http_sink.wait_for(1)
    assert received.sha256 == digest
    journal = state / "journal.log"
    wait_until(lambda: journal.is_file() and journal.stat().st_size > 0, 5, message="journal.log written again")
    assert json.loads(journal.read_bytes().split(b"\n")[0][9:]), "the new journal starts with a sound record"
    # No start options (secrets) are left behind once no upload needs them, old ones neither.
    wait_until(lambda: not (state / "credentials.log").exists(), 5,
               message="credentials.log removed once no upload is unfinished")
    assert process.alive()


@pytest.mark.parametrize("how", ["kill-9", "sigterm"])
def test_a_stop_in_the_middle_of_a_large_trigger_loses_no_file(cloud, agent, files_dir, http_sink, how):
    count = 200
    digests = set()
    for index in range(count):
        body = f"file {index:04d} ".encode() * 8
        (files_dir / f"f{index:04d}.log").write_bytes(body)
        digests.add(hashlib.sha256(body).hexdigest())
    # Small files kept to the 4 slots: at most 4 + the window of 8 are in flight at the stop,
    # the bound on what may be uploaded again below.
    process = agent(stopTimeout="1s", maxConcurrentSmallUploads=4)
    http_sink.rate = 1600  # about 0.05 s a file: the trigger lasts a few seconds
    backend = StartingBackend(cloud, http_sink)
    try:
        expect_ok(cloud, "trigger", {"correlationID": "many", "options": {}})
        wait_until(lambda: len([r for r in http_sink.finished if r.complete]) >= 60, 30,
                   message="60 files uploaded")
        if how == "kill-9":
            process.kill()
        else:
            # The server stops reading: the transfers in flight outlast stopTimeout and are
            # suspended, the started files waiting for a slot are paused with them.
            http_sink.stall_after = 1
            wait_until(lambda: len(http_sink.requests) - len(http_sink.finished) >= 4, 10,
                       message="four transfers stalled")
            assert process.stop(15) == 0, process.log_tail()
            assert cloud.wait_last_upload("many", states="PAUSED", timeout=5)["progress"] < 100
            http_sink.stall_after = None
            http_sink.release()
        done_before = len([r for r in http_sink.finished if r.complete])
        assert done_before < count - 40, "the stop came too late to prove anything"
        mark = cloud.mark()
        http_sink.rate = None
        restarted = agent(stopTimeout="1s", maxConcurrentSmallUploads=4)
        if how == "sigterm":
            wait_until(lambda: re.search(r"[1-9]\d* file\(s\) resume with their credentials", restarted.log_text()), 5,
                       message="the paused files resume with their stored start options")
        final = cloud.wait_last_upload("many", since=mark, timeout=60)
    finally:
        backend.close()
    assert final["state"] == "SUCCESS", final
    arrived = {r.sha256 for r in http_sink.finished if r.complete}
    assert arrived == digests, f"{len(digests - arrived)} file(s) never arrived"
    # Files that had succeeded before the kill are not uploaded again; only those in flight may be.
    uploads = len([r for r in http_sink.finished if r.complete])
    assert uploads <= count + 12, f"{uploads} uploads for {count} files"
    row = wait_until(lambda: find_upload(restarted.status(), "many", "recent"), 5, message="status row")
    assert row["fileStates"] == {"SUCCESS": count}, row
