"""Docker contexts inside the app (k9s ``:ctx``): the ``:`` palette lists
every context of the Docker CLI's store with the current one marked, and
choosing one moves dtui to that daemon, with no row of the old one left.

The store is a throwaway DOCKER_CONFIG: ``live`` points at the private test
daemon's socket, ``dead`` at a socket nobody listens on."""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
from pathlib import Path

import pytest

from tests.integration.app_driver import containers_pane, notifications, screen_text, shown_names, wait_for
from tui.app import create_app


def add_context(config_dir: Path, name: str, host: str, description: str) -> None:
    """A context as ``docker context create`` stores it."""
    meta_dir = config_dir / "contexts" / "meta" / hashlib.sha256(name.encode()).hexdigest()
    meta_dir.mkdir(parents=True)
    meta = {"Name": name, "Metadata": {"Description": description}, "Endpoints": {"docker": {"Host": host, "SkipTLSVerify": False}}}
    (meta_dir / "meta.json").write_text(json.dumps(meta))


@pytest.fixture
def contexts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    config_dir = tmp_path / "docker-config"
    # short, and the tests are wide: the whole status line, with the reason
    # the daemon is unreachable, fits on one line
    hosts = {"live": os.environ["DOCKER_HOST"], "dead": f"unix:///tmp/dtui-nobody-{os.getpid()}.sock"}
    add_context(config_dir, "live", hosts["live"], "the private test daemon")
    add_context(config_dir, "dead", hosts["dead"], "nobody listens [here]")
    monkeypatch.setenv("DOCKER_CONFIG", str(config_dir))
    return hosts


def palette_options(app) -> list[str]:
    from textual.command import CommandList

    if type(app.screen).__name__ != "CommandPalette":
        return []
    return [str(option.prompt) for option in app.screen.query_one(CommandList).options]


async def choose_in_palette(pilot, app, query: str, wanted: str) -> None:
    """``:``, type ``query``, highlight the option containing ``wanted``, enter."""
    from textual.command import CommandList

    await pilot.press("colon")
    await wait_for(pilot, lambda: type(app.screen).__name__ == "CommandPalette", what="the palette")
    await pilot.press(*query)
    await wait_for(pilot, lambda: any(wanted in option for option in palette_options(app)), what=f"{wanted!r} in the palette")
    command_list = app.screen.query_one(CommandList)
    command_list.highlighted = next(i for i, option in enumerate(palette_options(app)) if wanted in option)
    await pilot.press("enter")


async def test_palette_lists_contexts_and_switching_moves_every_pane(contexts, run_container):
    container = run_container(command=["sleep", "300"])
    app = create_app(context="live")
    async with app.run_test(size=(160, 36)) as pilot:
        await wait_for(pilot, lambda: container.name in shown_names(app), what="the container on the live context")
        assert "(context live)" in screen_text(app)

        await pilot.press("colon")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "CommandPalette", what="the palette")
        await pilot.press(*"ctx")
        await wait_for(pilot, lambda: len([o for o in palette_options(app) if "Switch to context" in o]) == 3, what="three contexts")
        options = [o for o in palette_options(app) if "Switch to context" in o]
        live = next(o for o in options if "context live" in o)
        assert contexts["live"] in live and "current" in live
        assert not any("current" in o for o in options if "context live" not in o)
        assert any("context default" in o for o in options)
        # a description with brackets is shown as written, not read as markup
        assert any("nobody listens [here]" in o for o in options)
        await pilot.press("escape")

        await choose_in_palette(pilot, app, "context dead", "Switch to context dead")
        await wait_for(pilot, lambda: app.connected is False, what="the dead context's disconnected state")
        await wait_for(pilot, lambda: "waiting for the daemon" in screen_text(app), what="the pane saying it waits")
        text = screen_text(app)
        assert "disconnected" in text and "(context dead)" in text and contexts["dead"] in text
        # not one row of the daemon that was left
        assert shown_names(app) == [] and container.name not in text

        await choose_in_palette(pilot, app, "context live", "Switch to context live")
        await wait_for(pilot, lambda: container.name in shown_names(app), what="the live daemon's containers again")
        assert app.connected is True
        assert "(context live)" in screen_text(app)
        await pilot.press("q")
    assert app.return_code == 0


async def test_switching_closes_the_old_daemons_screens_and_keeps_the_pane(contexts, run_container, docker_client):
    container = run_container(command=["sleep", "300"])
    app = create_app(context="live")
    async with app.run_test(size=(160, 36)) as pilot:
        pane = containers_pane(app)
        await wait_for(pilot, lambda: container.id in pane.table.keys, what="the container's row")
        pane.table.select_key(container.id)
        pane.focus_table()
        await pilot.press("d")  # a confirmation for the live daemon's container is pending
        await wait_for(pilot, lambda: type(app.screen).__name__ == "ConfirmScreen", what="the confirmation")
        await app.switch_context("dead")
        await wait_for(pilot, lambda: app.connected is False, what="disconnected")
        assert type(app.screen).__name__ == "MainScreen"
        await pilot.press("2")
        await app.switch_context("live")
        await wait_for(pilot, lambda: app.connected is True, what="connected again")
        assert app.screen.active_pane.title == "Images"
        await pilot.press("y")  # had the confirmation survived, this would answer it
        await pilot.press("1")
        await wait_for(pilot, lambda: container.id in containers_pane(app).table.keys, what="the row again")
        # the confirmation went with the daemon it was asked on: nothing was removed
        await asyncio.to_thread(container.reload)
        assert container.status == "running"


async def test_an_unknown_context_is_refused_and_nothing_changes(contexts, run_container):
    container = run_container(command=["sleep", "300"])
    app = create_app(context="live")
    async with app.run_test(size=(160, 36)) as pilot:
        await wait_for(pilot, lambda: container.name in shown_names(app), what="the container")
        await app.switch_context("gone")
        await wait_for(pilot, lambda: any("'gone' not found" in n for n in notifications(app)), what="the refusal")
        assert app.endpoint.context == "live" and container.name in shown_names(app)
