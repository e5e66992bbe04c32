"""Calls that may rightly take longer than the call timeout (prune, commit,
rmi of a big image, tar transfers, pull/push) use a client without a read
timeout: a daemon that answers late still gets its answer through, while
everyday calls still give up."""

from __future__ import annotations

import threading

import pytest

from tests.integration.test_hung_daemon import HangingRelay, relay  # noqa: F401 (fixture)
from tui.docker import images as image_ops
from tui.docker.client import DockerService, Endpoint
from tui.docker.errors import describe_error

SHORT = 2  # seconds: the everyday call timeout of this test's service


@pytest.fixture
def service(relay: HangingRelay):  # noqa: F811
    svc = DockerService(Endpoint(f"unix://{relay.path}", "test relay"), timeout=SHORT)
    # connect (and negotiate the API version) before the daemon turns slow
    svc.api.ping()
    svc.patient_api.ping()
    yield svc
    svc.close()


def test_a_late_answer_reaches_a_long_call_but_not_an_everyday_one(service, relay: HangingRelay):  # noqa: F811
    relay.hang()
    # the daemon answers after twice the call timeout
    threading.Timer(2 * SHORT, relay.release).start()
    result = image_ops.prune_dangling(service.patient_api)
    assert isinstance(result, image_ops.PruneResult)
    assert service.patient_api.timeout is None and service.api.timeout == SHORT

    relay.hang()
    releaser = threading.Timer(2 * SHORT, relay.release)
    releaser.start()
    try:
        with pytest.raises(Exception) as raised:
            service.api.version()
        assert f"did not answer within {SHORT} s" in describe_error(raised.value)
    finally:
        releaser.join()


def test_reset_drops_both_clients(service):
    first, patient = service.api, service.patient_api
    service.reset()
    assert service.api is not first and service.patient_api is not patient
