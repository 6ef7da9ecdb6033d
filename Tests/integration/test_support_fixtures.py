"""Self-tests of the shared fixtures that need no agent: broker, sink, cloud client."""
import hashlib
import json
import socket
import ssl
import threading
import time
import urllib.request

import paho.mqtt.client as mqtt

from support.cloud_client import CloudClient
from support.core_fixtures import make_file
from support.net import port_accepts, wait_until


def _listen(broker, topic, username=None, password=None, tls_ca=None):
    got = []
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv311)
    if username:
        client.username_pw_set(username, password)
    if tls_ca:
        client.tls_set(ca_certs=str(tls_ca))
    subscribed = threading.Event()
    client.on_connect = lambda c, u, f, rc, p: c.subscribe(topic, 1)
    client.on_subscribe = lambda c, u, mid, rc, p: subscribed.set()
    client.on_message = lambda c, u, m: got.append((m.topic, m.payload))
    client.connect(broker.host, broker.port)
    client.loop_start()
    assert subscribed.wait(5)
    return client, got


def test_broker_restart_keeps_port_and_cloud_reconnects(broker, cloud):
    port = broker.port
    assert port_accepts(port)
    broker.restart()
    assert broker.port == port and port_accepts(port)
    wait_until(lambda: cloud.connects >= 2, 10, message="cloud reconnect")
    cloud.wait_connected()
    mark = cloud.mark()
    cloud.publish("e", json.dumps({"path": "/x"}))
    msg = cloud.wait_event(lambda m: m.path == "/x", since=mark)
    assert msg.json == {"path": "/x"}


def test_broker_stop_closes_port(broker):
    broker.stop()
    assert not port_accepts(broker.port)
    broker.start()
    assert port_accepts(broker.port)


def test_cloud_send_matches_seed_shape(broker, cloud):
    listener, got = _listen(broker, "command/+/+/req/#")
    try:
        cid = cloud.send("start", {"correlationID": "upload-id-1704439450#1", "options": {}})
        wait_until(lambda: got, 5, message="command")
        topic, payload = got[0]
        assert topic == "command//edge:device/req//start"
        body = json.loads(payload)
        assert body == {
            "topic": "edge/device/things/live/messages/start",
            "headers": {"response-required": True, "content-type": "application/json", "correlation-id": cid},
            "path": "/features/AutoUploadable/inbox/messages/start",
            "value": {"correlationID": "upload-id-1704439450#1", "options": {}},
        }
    finally:
        listener.loop_stop()


def test_cloud_records_responses_and_events(broker, cloud):
    cloud.publish("command//edge:device/res//204",
                  json.dumps({"headers": {"correlation-id": "abc"}, "status": 204}))
    assert cloud.wait_response("abc").json["status"] == 204
    cloud.publish("e", json.dumps({"path": "/features/AutoUploadable/properties/lastUpload",
                                   "value": {"correlationId": "u1", "state": "SUCCESS", "progress": 100}}))
    assert cloud.wait_last_upload("u1")["progress"] == 100
    assert cloud.last_uploads("u1") == [{"correlationId": "u1", "state": "SUCCESS", "progress": 100}]


def test_broker_with_password(broker_auth):
    client = CloudClient(broker_auth).connect()
    client.close()
    refused = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv311)
    codes = []
    refused.on_connect = lambda c, u, f, rc, p: codes.append(rc)
    refused.connect(broker_auth.host, broker_auth.port)
    refused.loop_start()
    wait_until(lambda: codes, 5, message="CONNACK")
    refused.loop_stop()
    assert codes[0].is_failure


def test_broker_with_tls(broker_tls):
    assert broker_tls.url.startswith("ssl://127.0.0.1:")
    context = ssl.create_default_context(cafile=str(broker_tls.tls.ca_cert))
    with socket.create_connection((broker_tls.host, broker_tls.port), timeout=5) as raw:
        with context.wrap_socket(raw, server_hostname="127.0.0.1") as tls:
            assert tls.version()
    client = CloudClient(broker_tls).connect()
    client.close()


def test_sink_hashes_put_and_post(http_sink, tmp_path):
    path = tmp_path / "blob.bin"
    digest = make_file(path, 3 * 1024 * 1024 + 7)
    data = path.read_bytes()
    request = urllib.request.Request(http_sink.url("/a/b.bin?x=1&sig=z"), data=data, method="PUT",
                                     headers={"X-Custom": "v"})
    with urllib.request.urlopen(request) as response:
        assert response.status == 201
    http_sink.status = 500
    request = urllib.request.Request(http_sink.url("/p"), data=b"hello", method="POST")
    try:
        urllib.request.urlopen(request)
        raise AssertionError("expected HTTPError")
    except urllib.error.HTTPError as error:
        assert error.code == 500
    put, post = http_sink.wait_for(2)
    assert (put.method, put.path, put.query_params) == ("PUT", "/a/b.bin", {"x": ["1"], "sig": ["z"]})
    assert put.bytes == len(data) and put.sha256 == digest and put.complete
    assert put.header("x-custom") == "v"
    assert put.md5_base64 and put.status == 201
    assert post.sha256 == hashlib.sha256(b"hello").hexdigest() and post.status == 500


def test_sink_chunked_and_throttled(http_sink):
    http_sink.rate = 200_000
    body = b"x" * 100_000
    sock = socket.create_connection(("127.0.0.1", http_sink.port))
    head = (b"PUT /c HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n")
    sock.sendall(head + b"%x\r\n" % len(body) + body + b"\r\n0\r\n\r\n")
    started = time.monotonic()
    (req,) = http_sink.wait_for(1)
    assert time.monotonic() - started > 0.3
    assert req.bytes == len(body) and req.sha256 == hashlib.sha256(body).hexdigest()
    assert sock.recv(100).startswith(b"HTTP/1.1 201")
    sock.close()


def test_sink_records_aborted_upload(http_sink):
    http_sink.stall_after = 10_000
    sock = socket.create_connection(("127.0.0.1", http_sink.port))
    sock.sendall(b"PUT /big HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000\r\n\r\n" + b"y" * 50_000)
    http_sink.wait_bytes(10_000)
    sock.close()
    http_sink.release()
    (req,) = http_sink.wait_for(1)
    assert not req.complete and req.bytes < 1_000_000
