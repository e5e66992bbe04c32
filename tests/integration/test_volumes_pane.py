"""The Volumes pane against the private daemon: create through the form, see
who uses a volume, removal refused while in use, remove, prune."""

from __future__ import annotations

import asyncio
import re

import docker
import docker.errors

from tests.integration.app_driver import (
    notifications,
    screen_text,
    wait_for,
    wait_thread,
)
from tui.app import create_app
from tui.docker import volumes as volume_ops
from tui.panes.volumes import VolumesPane

# the containers here only mount volumes: network_mode="none" keeps them
# independent of the daemon's default bridge
NO_NETWORK = {"network_mode": "none"}


def _volume(client: docker.DockerClient, name: str) -> dict | None:
    try:
        return client.api.inspect_volume(name)
    except docker.errors.NotFound:
        return None


def _pane(app) -> VolumesPane:
    return app.screen.query_one(VolumesPane)


async def _open(pilot, app) -> VolumesPane:
    await pilot.press("3")
    pane = _pane(app)
    await wait_for(pilot, lambda: pane._loaded, what="the first volume list")
    return pane


async def _select(pilot, pane: VolumesPane, name: str) -> None:
    await wait_for(pilot, lambda: name in pane.table.keys, what=f"row of {name}")
    pane.table.select_key(name)
    pane.focus_table()
    await pilot.pause(0.05)
    assert pane.table.current_key == name


async def test_create_use_and_remove_a_volume_through_the_ui(docker_client, run_container, session_token, unique_name):
    client = docker_client
    name = unique_name("v")
    app = create_app()
    async with app.run_test(size=(120, 40)) as pilot:
        pane = await _open(pilot, app)

        await pilot.press("n")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "VolumeCreateScreen", what="create form")
        await pilot.press(*name, "enter", "enter", *f"dtui.test={session_token}, tier=db", "enter")
        created = await wait_thread(lambda: _volume(client, name), what="volume on the daemon")
        assert created["Labels"] == {"dtui.test": session_token, "tier": "db"}
        assert created["Driver"] == "local"
        await wait_for(pilot, lambda: name in pane.table.keys, what="new row")
        assert "unused" in screen_text(app)

        # a container started elsewhere that mounts it shows up as its user
        container = await asyncio.to_thread(
            run_container, command=["sleep", "300"], volumes={name: {"bind": "/data", "mode": "rw"}}, **NO_NETWORK
        )
        await wait_for(pilot, lambda: [u.name for u in pane._by_key[name].users] == [container.name], what="user shown")
        await wait_for(pilot, lambda: container.name[:24] in screen_text(app), what="user on screen")

        # removal while in use: the daemon refuses and the user reads why
        await _select(pilot, pane, name)
        await pilot.press("d")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "ConfirmScreen", what="remove confirmation")
        assert container.name in screen_text(app)
        await pilot.press("y")
        await wait_for(pilot, lambda: any("in use" in n for n in notifications(app)), what="in-use error")
        assert _volume(client, name) is not None

        await asyncio.to_thread(container.remove, force=True)
        await wait_for(pilot, lambda: not pane._by_key[name].users, what="volume unused again")
        await _select(pilot, pane, name)
        await pilot.press("d")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "ConfirmScreen", what="remove confirmation")
        await pilot.press("y")
        await wait_thread(lambda: _volume(client, name) is None, what="volume removed on the daemon")
        await wait_for(pilot, lambda: name not in pane.table.keys, what="row gone")


async def test_invalid_name_is_refused_in_the_form(docker_client):
    client = docker_client
    app = create_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await _open(pilot, app)
        await pilot.press("n")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "VolumeCreateScreen", what="create form")
        await pilot.press(*"bad name!", "ctrl+s")
        await wait_for(pilot, lambda: "is invalid" in screen_text(app), what="validation message")
        assert type(app.screen).__name__ == "VolumeCreateScreen"
        assert _volume(client, "bad name!") is None
        await pilot.press("escape")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "MainScreen", what="form closed")


async def test_prune_states_what_goes_and_reports_space(docker_client, run_container, create_volume, session_token, monkeypatch):
    client = docker_client
    # the UI prunes everything unused; on a shared daemon the test scopes the
    # same call to its own label
    real_prune = volume_ops.prune_volumes
    monkeypatch.setattr(volume_ops, "prune_volumes", lambda api, *_: real_prune(api, f"dtui.test={session_token}"))
    unused = create_volume("unused")
    used = create_volume("used")
    writer = run_container(command=["sh", "-c", "head -c 300000 /dev/zero > /data/f"], volumes={unused.name: {"bind": "/data"}}, **NO_NETWORK)
    writer.wait(timeout=20)
    writer.remove()
    run_container(command=["true"], start=False, volumes={used.name: {"bind": "/data"}})
    app = create_app()
    async with app.run_test(size=(120, 40)) as pilot:
        pane = await _open(pilot, app)
        await wait_for(pilot, lambda: used.name in pane.table.keys and unused.name in pane.table.keys, what="rows")
        await wait_for(pilot, lambda: pane._by_key[used.name].in_use, what="user of the used volume")
        await pilot.press("x")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "ConfirmScreen", what="prune confirmation")
        text = screen_text(app)
        assert "not used by at least one container" in text
        assert unused.name in text and used.name not in text
        await pilot.press("y")
        await wait_thread(lambda: _volume(client, unused.name) is None, what="unused volume pruned")
        # 300kB written into it, more if other unused volumes of this session went too
        await wait_for(pilot, lambda: any(re.search(r"reclaimed \d{3}(\.\d+)?kB|reclaimed [\d.]+MB", n) for n in notifications(app)), what="reclaimed space reported")
        assert _volume(client, used.name) is not None
