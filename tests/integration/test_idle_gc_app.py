"""Started the way the command line starts it (collector off until the first
list), the app freezes what startup built, turns the collector back on with
full collections left to its idle collector, and gives the thresholds back
when it ends."""

from __future__ import annotations

import gc

from tests.integration.app_driver import containers_pane, wait_for
from tui.app import create_app


async def test_full_collections_wait_for_idle_after_a_cli_start(docker_client):
    saved = gc.get_threshold()
    frozen_before = gc.get_freeze_count()
    gc.disable()
    try:
        app = create_app()
        async with app.run_test(size=(120, 40)) as pilot:
            await wait_for(pilot, lambda: containers_pane(app)._loaded, what="the first container list")
            await wait_for(pilot, lambda: gc.isenabled(), what="the collector back on")
            assert app.idle_collector is not None
            assert gc.get_freeze_count() > frozen_before
            assert gc.get_threshold()[:2] == saved[:2] and gc.get_threshold()[2] > 10_000
            # A key counts as input: the next full collection waits for a pause after it.
            before = app.idle_collector.last_input
            await pilot.press("down")
            assert app.idle_collector.last_input > before
        assert gc.get_threshold() == saved
    finally:
        gc.enable()
        gc.unfreeze()
        gc.set_threshold(*saved)
