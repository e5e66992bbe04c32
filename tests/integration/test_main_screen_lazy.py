"""The main screen builds only its first pane at start: every other pane is
built, mounted and listed the first time it is shown (number key, tab,
palette), the tab strip names all of them from the start, and a pane shown
late still has what it would have had from the start."""

from __future__ import annotations

import asyncio

from textual.widgets import Footer

from tests.integration.app_driver import containers_pane, screen_text, wait_for
from tui.app import create_app
from tui.panes.registry import pane_entries
from tui.screens.main import MainScreen, PendingPane

NO_NETWORK = {"network_mode": "none"}
TITLES = [entry.title for entry in pane_entries()]


def _main(app) -> MainScreen:
    return next(screen for screen in app.screen_stack if isinstance(screen, MainScreen))


def _mounted_ids(app) -> list[str]:
    return [pane.id for pane in _main(app).query(".pane")]


async def _started(pilot, app) -> None:
    await wait_for(pilot, lambda: containers_pane(app)._loaded, what="the first container list")


async def test_only_the_first_pane_is_built_and_every_tab_is_named(docker_client):
    app = create_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await _started(pilot, app)
        main = _main(app)
        assert _mounted_ids(app) == ["pane-containers"]
        tabs = next(line for line in screen_text(app).splitlines() if "1 Containers" in line)
        assert [title for number, title in enumerate(TITLES, start=1) if f"{number} {title}" in tabs] == TITLES
        panes = main.panes
        assert [pane.title for pane in panes] == TITLES
        assert panes[0] is containers_pane(app)
        assert all(isinstance(pane, PendingPane) for pane in panes[1:])
        # the footer comes once the list is there
        await wait_for(pilot, lambda: main.query(Footer), what="the footer")
        await wait_for(pilot, lambda: "Filter" in screen_text(app).strip().splitlines()[-1], what="the pane's keys in the footer")


async def test_every_listed_pane_mounts_lists_and_takes_the_keys_when_first_shown(docker_client):
    app = create_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await _started(pilot, app)
        main = _main(app)
        for number, entry in enumerate(pane_entries(), start=1):
            await pilot.press(str(number))
            pane = main.active_pane
            assert pane.id == f"pane-{entry.pane_id}"
            assert main.panes[number - 1] is pane
            assert pane.has_focus_within, f"{entry.title}: focus stayed outside the pane"
            if hasattr(pane, "_loaded"):
                await wait_for(pilot, lambda pane=pane: pane._loaded, timeout=20, what=f"the {entry.title} list")
        assert _mounted_ids(app) == [f"pane-{entry.pane_id}" for entry in pane_entries()]
        # shown again: the same widget, not a second one
        first = main.panes[0]
        await pilot.press("1")
        assert main.active_pane is first
        assert len(main.query(".pane")) == len(TITLES)


async def test_a_key_right_after_the_number_lands_in_the_new_pane(docker_client):
    app = create_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await _started(pilot, app)
        await pilot.press("3", "slash")
        assert app.focused is not None and app.focused.id == "volumes-filter"


async def test_tab_and_the_palette_build_panes_too(docker_client):
    app = create_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await _started(pilot, app)
        main = _main(app)
        await pilot.press("shift+tab")  # from the first pane round to the last
        assert main.active_pane.id == f"pane-{pane_entries()[-1].pane_id}"
        await pilot.press("tab", "tab")
        assert main.active_pane.id == f"pane-{pane_entries()[1].pane_id}"
        await pilot.press("colon")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "CommandPalette", what="the palette")
        await pilot.press(*"go to networks")
        await pilot.pause(0.3)  # the palette searches off the key handler
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.screen is main and main.active_pane.id == "pane-networks", what="the networks pane")
        await wait_for(pilot, lambda: main.active_pane._loaded, what="the network list")
        assert "bridge" in screen_text(app)


async def test_a_pane_shown_late_has_the_events_from_before_it_was_built(docker_client, run_container):
    app = create_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await _started(pilot, app)
        await wait_for(pilot, lambda: app.connected, what="the event stream")
        assert "pane-system" not in _mounted_ids(app)
        container = await asyncio.to_thread(run_container, command=["sleep", "300"], **NO_NETWORK)
        await asyncio.to_thread(container.stop, timeout=1)
        # the containers list has seen the stop: the app got the events
        await wait_for(pilot, lambda: containers_pane(app)._by_key.get(container.id) and containers_pane(app)._by_key[container.id].state == "exited", what="the stopped container")
        await pilot.press("5", "e")
        system = _main(app).active_pane

        def logged(action: str) -> bool:
            log = system.query_one("#system-events-log")
            return any(action in line and container.name in line for line in (strip.text for strip in log.lines))

        await wait_for(pilot, lambda: logged("start") and logged("die"), what="events from before the System pane existed in its log")


async def test_a_list_pane_shown_late_lists_what_changed_before(docker_client, create_volume):
    app = create_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await _started(pilot, app)
        await wait_for(pilot, lambda: app.connected, what="the event stream")
        volume = await asyncio.to_thread(create_volume)
        await pilot.press("3")
        pane = _main(app).active_pane
        await wait_for(pilot, lambda: volume.name in pane._by_key, what="the volume created before the pane was shown")
