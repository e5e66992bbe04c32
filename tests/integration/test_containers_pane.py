"""The containers pane against the private daemon: listing, live updates,
filter, details, inspect and every action, as a user drives them."""

from __future__ import annotations

import asyncio

import docker.errors
import pytest
from textual import events

from tests.integration.app_driver import containers_pane, notifications, screen_text, shown_names, wait_for, wait_thread
from tui.app import create_app


def _state(client, container_id: str) -> str | None:
    try:
        return client.api.inspect_container(container_id)["State"]["Status"]
    except docker.errors.NotFound:
        return None


async def _open(pilot, app) -> None:
    await wait_for(pilot, lambda: containers_pane(app)._loaded, what="the first container list")


async def _select(pilot, app, container_id: str) -> None:
    pane = containers_pane(app)
    await wait_for(pilot, lambda: container_id in pane.table.keys, what="the container's row")
    pane.table.select_key(container_id)
    pane.focus_table()
    await pilot.pause(0.05)
    assert pane.table.current_key == container_id


async def test_containers_created_elsewhere_appear_and_go_without_a_key(docker_client, run_container):
    app = create_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await _open(pilot, app)
        container = await asyncio.to_thread(run_container, command=["sleep", "300"])
        await wait_for(pilot, lambda: container.name in shown_names(app), timeout=15, what="new container in the list")
        await asyncio.to_thread(container.kill)
        pane = containers_pane(app)
        await wait_for(pilot, lambda: pane._by_key[container.id].state == "exited", timeout=15, what="exited state")
        await asyncio.to_thread(container.remove)
        await wait_for(pilot, lambda: container.name not in shown_names(app), timeout=15, what="row removed")


async def test_lifecycle_keys_change_daemon_state(docker_client, run_container):
    container = run_container(command=["sleep", "300"])
    app = create_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await _open(pilot, app)
        await _select(pilot, app, container.id)

        await pilot.press("p")
        await wait_thread(lambda: _state(docker_client, container.id) == "paused", what="pause")
        await wait_for(pilot, lambda: containers_pane(app)._by_key[container.id].state == "paused", what="paused row")
        await pilot.press("p")
        await wait_thread(lambda: _state(docker_client, container.id) == "running", what="unpause")

        await pilot.press("s")
        await wait_thread(lambda: _state(docker_client, container.id) == "exited", timeout=20, what="stop")
        await pilot.press("u")
        await wait_thread(lambda: _state(docker_client, container.id) == "running", what="start")

        started = docker_client.api.inspect_container(container.id)["State"]["StartedAt"]
        await pilot.press("r")
        await wait_thread(
            lambda: docker_client.api.inspect_container(container.id)["State"]["StartedAt"] != started,
            timeout=20,
            what="restart",
        )

        await pilot.press("k")  # kill asks first
        await wait_for(pilot, lambda: type(app.screen).__name__ == "ConfirmScreen", what="kill confirmation")
        await pilot.press("n")
        await pilot.pause(0.3)
        assert _state(docker_client, container.id) == "running"
        await pilot.press("k")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "ConfirmScreen", what="kill confirmation")
        await pilot.press("y")
        await wait_thread(lambda: _state(docker_client, container.id) == "exited", what="kill")

        await _select(pilot, app, container.id)
        await pilot.press("d")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "ConfirmScreen", what="remove confirmation")
        await pilot.press("y")
        await wait_thread(lambda: _state(docker_client, container.id) is None, what="remove")
        await wait_for(pilot, lambda: container.id not in containers_pane(app).table.keys, what="row gone")


async def test_force_remove_of_running_container(docker_client, run_container):
    container = run_container(command=["sleep", "300"])
    app = create_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await _open(pilot, app)
        await _select(pilot, app, container.id)
        await pilot.press("D")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "ConfirmScreen", what="force remove confirmation")
        assert "running" in screen_text(app)
        await pilot.press("y")
        await wait_thread(lambda: _state(docker_client, container.id) is None, what="force remove")


async def test_remove_all_exited_keeps_running_ones(docker_client, run_container):
    running = run_container(command=["sleep", "300"])
    exited = [run_container(command=["sh", "-c", "exit 1"]) for _ in range(2)]
    for container in exited:
        container.wait(timeout=20)
    app = create_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await _open(pilot, app)
        await pilot.press("x")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "ConfirmScreen", what="confirmation")
        text = screen_text(app)
        assert exited[0].name in text and running.name not in text
        await pilot.press("y")
        await wait_thread(lambda: all(_state(docker_client, c.id) is None for c in exited), what="exited removed")
        assert _state(docker_client, running.id) == "running"


async def test_filter_narrows_live_and_enter_selects_first_match(docker_client, run_container):
    alpha = run_container(command=["sleep", "300"], name_suffix="alpha-filter")
    run_container(command=["sleep", "300"], name_suffix="beta-filter")
    app = create_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await _open(pilot, app)
        await wait_for(pilot, lambda: alpha.name in shown_names(app), what="rows")
        await pilot.press("slash", *"alpha-fil")
        await wait_for(pilot, lambda: shown_names(app) == [alpha.name], what="filtered list")
        await pilot.press("enter")
        pane = containers_pane(app)
        assert app.focused is pane.table
        assert pane.table.current_key == alpha.id
        assert "filter: alpha-fil" in screen_text(app)
        await pilot.press("escape")
        await wait_for(pilot, lambda: len(shown_names(app)) >= 2, what="filter cleared")
        # the status line follows without a layout of the screen
        await wait_for(pilot, lambda: "filter:" not in screen_text(app), what="status without the filter")


async def test_cursor_stays_on_its_container_when_others_appear(docker_client, run_container):
    first = [run_container(command=["sleep", "300"]) for _ in range(3)]
    app = create_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await _open(pilot, app)
        await _select(pilot, app, first[1].id)
        newcomer = await asyncio.to_thread(run_container, command=["sleep", "300"])
        await wait_for(pilot, lambda: newcomer.name in shown_names(app), what="newcomer")
        assert containers_pane(app).table.current_key == first[1].id


async def test_details_mask_secrets_until_asked(docker_client, run_container):
    container = run_container(
        command=["sleep", "300"],
        environment={"DB_PASSWORD": "hunter2", "MODE": "demo"},
        labels={"tier": "front"},
        ports={"80/tcp": ("127.0.0.1", None)},
        restart_policy={"Name": "on-failure", "MaximumRetryCount": 2},
    )
    app = create_app()
    async with app.run_test(size=(120, 60)) as pilot:
        await _open(pilot, app)
        await _select(pilot, app, container.id)
        await pilot.press("enter")
        await wait_for(pilot, lambda: "Restart policy" in screen_text(app), what="details")
        await wait_for(pilot, lambda: "MODE" in screen_text(app), what="env section")
        text = screen_text(app)
        assert "on-failure:2" in text
        assert "127.0.0.1:" in text
        assert "tier" in text and "front" in text
        assert "hunter2" not in text and "••••••" in text
        await pilot.press("m")
        await wait_for(pilot, lambda: "hunter2" in screen_text(app), what="revealed secret")
        await pilot.press("escape")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "MainScreen", what="back to list")


async def test_inspect_shows_json_and_search_finds(docker_client, run_container):
    container = run_container(command=["sleep", "300"])
    app = create_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await _open(pilot, app)
        await _select(pilot, app, container.id)
        await pilot.press("i")
        await wait_for(pilot, lambda: getattr(app.screen, "text", "").count(container.id) > 0, what="inspect JSON")
        await pilot.press("slash", *"RestartPolicy", "enter")
        await wait_for(pilot, lambda: "match 1 of" in screen_text(app), what="search result")
        await pilot.press("escape")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "MainScreen", what="back")


async def test_action_on_vanished_container_reports_error_and_app_survives(docker_client, run_container):
    container = run_container(command=["sleep", "300"])
    app = create_app()
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await _open(pilot, app)
        await _select(pilot, app, container.id)
        row = containers_pane(app).selected
        await asyncio.to_thread(lambda: container.remove(force=True))
        app.container_action("stop", row)  # the row the user still saw
        await wait_for(pilot, lambda: any("No such container" in n for n in notifications(app)), what="error shown")
        assert app.is_running
        await pilot.press("j", "down")
        assert app.is_running


async def test_help_lists_bindings_and_q_quits_with_zero(docker_client):
    app = create_app()
    async with app.run_test(size=(110, 200)) as pilot:
        await _open(pilot, app)
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "HelpScreen", what="help")
        text = screen_text(app)
        for words in ("Filter", "Inspect", "Force rm", "Rm exited", "Quit"):
            assert words in text
        await pilot.press("escape")
        await pilot.press("q")
        await pilot.pause(0.2)
    assert app.return_code == 0


async def test_keys_typed_right_after_quit_do_not_crash_the_exit() -> None:
    # "q" then a pane's digit before the app is gone: the digit used to build
    # the Images pane on a screen already being taken down (MountError).
    app = create_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await _open(pilot, app)
        for key in ("q", "2", "3", "4", "5", "e"):
            app.post_message(events.Key(key, key))
        await pilot.pause(0.5)
    assert app.return_code == 0
    assert getattr(app, "_exception", None) is None


async def test_sort_cycles_and_running_only_toggle(docker_client, run_container):
    run_container(command=["sleep", "300"], name_suffix="zz-sort")
    stopped = run_container(command=["true"], name_suffix="aa-sort")
    stopped.wait(timeout=20)
    app = create_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await _open(pilot, app)
        await wait_for(pilot, lambda: stopped.name in shown_names(app), what="rows")
        names = shown_names(app)
        running = next(n for n in names if n.endswith("zz-sort"))
        assert names.index(running) < names.index(stopped.name)  # default: running first
        await pilot.press("o")  # state -> name
        await wait_for(pilot, lambda: shown_names(app) == sorted(shown_names(app), key=str.lower), what="name order")
        await pilot.press("t")
        await wait_for(pilot, lambda: stopped.name not in shown_names(app), what="running only")
        await pilot.press("t")
        await wait_for(pilot, lambda: stopped.name in shown_names(app), what="all again")


@pytest.mark.parametrize("size", [(80, 24), (160, 45)])
async def test_list_fits_the_terminal(docker_client, run_container, size):
    container = run_container(command=["sleep", "300"], ports={"80/tcp": ("127.0.0.1", None)})
    app = create_app()
    async with app.run_test(size=size) as pilot:
        await _open(pilot, app)
        await wait_for(pilot, lambda: container.name in shown_names(app), what="row")
        text = screen_text(app)
        assert container.name in text
        assert "->80/tcp" in text  # the published port is readable at 80 columns too
        if size[0] >= 160:
            assert "CREATED" in text and container.short_id in text


async def test_command_palette_runs_any_action_by_name(docker_client):
    app = create_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await _open(pilot, app)
        await pilot.press("colon")
        await pilot.pause(0.3)
        await pilot.press(*"running only")
        await pilot.pause(0.5)
        await pilot.press("enter")
        await wait_for(pilot, lambda: containers_pane(app).running_only, what="palette ran the toggle")


async def test_marked_containers_are_acted_on_together_after_one_question(docker_client, run_container):
    one = run_container(command=["sleep", "300"], name_suffix="bulk-one")
    two = run_container(command=["sleep", "300"], name_suffix="bulk-two")
    bystander = run_container(command=["sleep", "300"], name_suffix="bulk-bystander")
    app = create_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await _open(pilot, app)
        pane = containers_pane(app)
        for container in (one, two):
            await _select(pilot, app, container.id)
            await pilot.press("space")
        assert set(pane.marked) == {one.id, two.id}
        # the cursor is elsewhere: the key acts on the marked ones, and asks first
        await _select(pilot, app, bystander.id)
        await pilot.press("s")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "ConfirmScreen", what="bulk stop confirmation")
        text = screen_text(app)
        assert "Stop 2 containers?" in text and one.name in text and two.name in text and bystander.name not in text
        await pilot.press("y")
        for container in (one, two):
            await wait_thread(lambda c=container: _state(docker_client, c.id) == "exited", timeout=30, what="both stopped")
        assert _state(docker_client, bystander.id) == "running"
        await wait_for(pilot, lambda: any("Stop: 2 of 2 done." in n for n in notifications(app)), what="the summary")
        # removal of the marked ones, also asked
        await pilot.press("d")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "ConfirmScreen", what="bulk remove confirmation")
        await pilot.press("y")
        for container in (one, two):
            await wait_thread(lambda c=container: _state(docker_client, c.id) is None, timeout=30, what="both removed")
        # gone containers drop out of the marks
        await wait_for(pilot, lambda: not pane.marked, what="marks of removed containers dropped")
        assert _state(docker_client, bystander.id) == "running"
