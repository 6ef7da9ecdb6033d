"""`make test-gateway`: the .deb on a Debian gateway booted in qemu (see gateway_vm.py).
The host side reuses the integration suite's broker, backend client and storage sink."""
import os
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "integration"))

from gateway_vm import REPO, GatewayImage, GatewayVM  # noqa: E402
from support.cloud_client import CloudClient  # noqa: E402
from support.http_sink import HttpSink  # noqa: E402
from support.mosquitto_broker import MosquittoBroker  # noqa: E402


def pytest_configure(config):
    if os.geteuid() != 0:
        raise pytest.UsageError("make test-gateway needs root (debootstrap, chroot, mke2fs -d)")


@pytest.fixture(scope="module")
def broker(tmp_path_factory):
    instance = MosquittoBroker(tmp_path_factory.mktemp("broker")).start()
    yield instance
    instance.stop()


@pytest.fixture(scope="module")
def cloud(broker):
    client = CloudClient(broker, extra_subscriptions=["edge/thing/request"]).connect()
    yield client
    client.close()


@pytest.fixture(scope="module")
def sink():
    instance = HttpSink()
    yield instance
    instance.close()


@pytest.fixture(scope="module")
def gateway(tmp_path_factory, broker):
    deb = Path(os.environ.get("GATEWAY_DEB", "")) if os.environ.get("GATEWAY_DEB") else \
        max((REPO / "build" / "deb").glob("file-upload-agent_*_*.deb"), key=lambda p: p.stat().st_mtime)
    image = GatewayImage(tmp_path_factory.mktemp("gateway"), deb, broker.port).build()
    vm = GatewayVM(image).boot()
    yield vm
    if vm.process is not None:
        vm.process.kill()
        vm.process.wait(30)
