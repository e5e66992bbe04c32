"""The settings file as the user meets it in the running app, against the
private daemon: its values take effect, its mistakes are shown once (file and
line) while dtui goes on with the defaults, [keys] moves keys in the list, the
footer and help, and ctrl+q is never the app's quit."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import pytest

from tests.integration.app_driver import containers_pane, notifications, screen_text, shown_names, wait_for, wait_thread
from tests.integration.test_containers_pane import _select as select
from tui.app import DtuiApp, create_app
from tui.config import Settings, load_settings
from tui.docker.client import DockerService, resolve_endpoint
from tui.widgets.log_view import LogView


def settings_file(tmp_path: Path, text: str) -> Settings:
    path = tmp_path / "config.toml"
    path.write_text(text)
    return load_settings(path)


async def test_mistakes_are_shown_once_with_file_and_line_and_defaults_are_used(tmp_path, run_container):
    container = run_container(command=["sleep", "300"])
    settings = settings_file(
        tmp_path,
        'theme = "no-such-theme"\npoll_seconds = "often"\n[keys]\n"containers.logs" = "g"\n"nowhere.nothing" = "z"\n"images.tag" = "h"\n',
    )
    app = create_app(settings=settings)
    async with app.run_test(size=(120, 40)) as pilot:
        # dtui works as usual
        await wait_for(pilot, lambda: container.name in shown_names(app), what="the container list")
        shown = [n for n in app._notifications if str(settings.path) in (n.title or "")]
        assert len(shown) == 1, "one notification for all the file's problems"
        body = str(shown[0].message)
        assert "line 1: theme: no theme 'no-such-theme'" in body
        assert "line 2: poll_seconds" in body
        assert "line 4: keys.containers.logs: containers.logs (l) is one of dtui's fixed keys" in body
        assert "line 5: keys.nowhere.nothing: no binding has this id" in body
        assert "line 6: keys.images.tag: 'h' is already images.history" in body
        assert app.theme == "textual-dark"
        # the refused overrides changed nothing: l still opens the logs, h is still History
        await select(pilot, app, container.id)
        await pilot.press("l")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "LogScreen", what="l opening the logs")
        await pilot.press("escape")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "MainScreen", what="back")
        await pilot.pause(0.2)
        assert len([n for n in app._notifications if str(settings.path) in (n.title or "")]) <= 1


async def test_settings_reach_theme_read_only_and_the_log_viewer(tmp_path, run_container, docker_client):
    container = run_container(command=["sh", "-c", "for i in 1 2 3 4 5 6 7 8 9 10; do echo line$i; done; sleep 300"], network_mode="none")
    await wait_thread(lambda: b"line10" in container.logs(), what="all ten lines logged")
    settings = settings_file(tmp_path, 'read_only = true\ntheme = "nord"\n[logs]\ntail = 3\n')
    app = create_app(settings=settings)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: container.name in shown_names(app), what="the container")
        assert app.theme == "nord"
        assert "[read-only]" in screen_text(app)
        await select(pilot, app, container.id)
        await pilot.press("k")
        await wait_for(pilot, lambda: any("Read-only mode" in n for n in notifications(app)), what="kill refused")
        await pilot.press("l")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "LogScreen", what="the log screen")
        view = app.screen.query_one(LogView)
        await wait_for(pilot, lambda: any("line10" in row for row in view.plain_rows()), what="the last line")
        text = "\n".join(view.plain_rows())
        assert "line8" in text and "line9" in text and not re.search(r"\bline[1-7]\b", text)
        assert "tail 3" in str(app.screen.status_text())
    # the command-line flag wins over the file
    app = create_app(read_only=False, settings=settings)
    assert app.read_only is False


async def test_key_overrides_move_the_key_in_the_list_footer_and_help(tmp_path, run_container):
    running = run_container(command=["sleep", "300"])
    exited = run_container(command=["true"])
    await wait_thread(lambda: (exited.reload(), exited.status == "exited")[1], what="the container to exit")
    settings = settings_file(tmp_path, '[keys]\n"containers.toggle_running_only" = "R"\n"list.cycle_sort" = "z"\n')
    app = create_app(settings=settings)
    async with app.run_test(size=(160, 50)) as pilot:
        pane = containers_pane(app)
        await wait_for(pilot, lambda: {running.name, exited.name} <= set(shown_names(app)), what="both containers")
        assert not [n for n in app._notifications if n.severity == "warning"]
        pane.focus_table()
        await pilot.press("t")  # moved away: nothing happens
        await pilot.pause(0.2)
        assert exited.name in shown_names(app)
        await pilot.press("R")
        await wait_for(pilot, lambda: exited.name not in shown_names(app), what="R hiding the exited container")
        assert running.name in shown_names(app)

        footer = screen_text(app).splitlines()[-1]
        assert "z Sort" in footer and "o Sort" not in footer
        assert "sort: state" in screen_text(app)
        await pilot.press("o")
        await pilot.pause(0.2)
        assert "sort: state" in screen_text(app)
        await pilot.press("z")
        await wait_for(pilot, lambda: "sort: name" in screen_text(app), what="z cycling the sort")

        await pilot.press("question_mark")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "HelpScreen", what="help")
        help_text = screen_text(app)
        assert re.search(r"\bz\s+Sort\b", help_text) and not re.search(r"\bo\s+Sort\b", help_text)


async def test_confirm_false_skips_the_kill_question_but_removal_still_asks(tmp_path, run_container, docker_client):
    victim = run_container(command=["sleep", "300"])
    settings = settings_file(tmp_path, "confirm = false\n")
    app = create_app(settings=settings)
    async with app.run_test(size=(120, 40)) as pilot:
        await select(pilot, app, victim.id)
        await pilot.press("k")
        await wait_thread(lambda: docker_client.api.inspect_container(victim.id)["State"]["Status"] == "exited", what="killed without a question")
        assert type(app.screen).__name__ == "MainScreen"
        await pilot.press("d")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "ConfirmScreen", what="the removal question")
        await pilot.press("n")
        await asyncio.to_thread(victim.reload)  # still there


async def test_poll_seconds_is_the_safety_poll(run_container):
    """Without the event stream only the safety poll can notice a new container:
    with poll_seconds = 1 it shows up well inside the wait."""
    app = DtuiApp(DockerService(resolve_endpoint()), settings=Settings(poll_seconds=1), start_event_stream=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: containers_pane(app)._loaded, what="the first list")
        container = await asyncio.to_thread(run_container, command=["sleep", "300"])
        await wait_for(pilot, lambda: container.name in shown_names(app), timeout=8, what="the poll finding the container")


@pytest.mark.parametrize("where", ["main", "help", "logs"])
async def test_ctrl_q_is_not_quit_anywhere_but_q_quits_the_main_screen(where, run_container):
    container = run_container(command=["sleep", "300"], network_mode="none")
    app = create_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await select(pilot, app, container.id)
        if where == "help":
            await pilot.press("question_mark")
            await wait_for(pilot, lambda: type(app.screen).__name__ == "HelpScreen", what="help")
        elif where == "logs":
            await pilot.press("l")
            await wait_for(pilot, lambda: type(app.screen).__name__ == "LogScreen", what="logs")
        screen = app.screen
        assert not any(key == "ctrl+q" for key in screen.active_bindings)
        await pilot.press("ctrl+q")
        await pilot.pause(0.2)
        assert app.is_running and app.return_code is None and app.screen is screen
        while type(app.screen).__name__ != "MainScreen":
            await pilot.press("escape")
            await pilot.pause(0.05)
        await pilot.press("q")
    assert app.return_code == 0
