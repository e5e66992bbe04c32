"""Plain helpers for tests: the naming and labelling convention for what tests
create in the daemon, and a polling wait for conditions that settle later."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")

TEST_LABEL = "dtui.test"
"""Every container, image, volume and network a test creates carries
``dtui.test=<session token>``; teardown removes by it and touches nothing else."""

NAME_PREFIX = "dtui-test-"
"""Names of test objects start with this, followed by the session token."""

BUSYBOX_IMAGE = "busybox:local"
"""The image scripts/daemon.sh imports into the private daemon (no registry
outside the machine is reachable, so every test container runs it)."""


def wait_until(
    predicate: Callable[[], T],
    timeout: float = 10.0,
    interval: float = 0.05,
    what: str = "condition",
) -> T:
    """Call ``predicate`` until it returns something truthy and return that.

    Raises AssertionError naming ``what`` after ``timeout`` seconds. Blocks the
    calling thread: inside an async test use it through ``asyncio.to_thread``
    or use the pilot-aware waits in tests/integration/app_driver.py.
    """
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(interval)
