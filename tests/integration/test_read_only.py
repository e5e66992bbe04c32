"""``--read-only`` walks every action: each key and palette command that is
not known to be harmless is refused with the reason, and the daemon records
no change; browsing, logs and inspect still work.

The list of what to press is not written down here: it is read from the
bindings of every pane and view, so a new key that changes something is
refused or fails this test. Against a daemon of the test's own, so the
before/after comparison sees only what this test (and dtui) did.
"""

from __future__ import annotations

import asyncio
import functools
from typing import Any

from tests.helpers import BUSYBOX_IMAGE
from tests.integration.app_driver import containers_pane, notifications, screen_text, wait_for
from tests.integration.test_daemon_restart import private_daemon  # noqa: F401 - the fixture
from tui.app import create_app

#: Actions (the name before any arguments) that change nothing in the daemon.
#: Every other bound action must be refused in read-only mode.
READ_ONLY_SAFE = frozenset(
    {
        # moving around, help, leaving
        "quit",
        "help",
        "next_pane",
        "previous_pane",
        "show_pane",
        "pop_screen",
        "back",
        "close",
        "cancel",
        # lists and views
        "start_filter",
        "clear_filter",
        "cycle_sort",
        "reverse_sort",
        "reload",
        "toggle_running_only",
        "toggle_mark",
        "details",
        "open_selected",
        "toggle_secrets",
        "logs",
        "project_logs",
        "inspect",
        "history",
        "section",
        "toggle_verbose",
        "clear_events",
        "freeze",
        # the log view and the inspect view: reading
        "follow",
        "scroll_home",
        "filter",
        "next_match",
        "previous_match",
        "toggle_wrap",
        "toggle_timestamps",
        "since",
        "all_lines",
        "tail",
        # docker search asks Docker Hub; pulling a result is refused on its own
        "search",
        # a log or image saved, a container exported to a file here: the
        # daemon only reads
        "save",
        "export",
        # read-only attach: output only, no key reaches the container
        "attach",
    }
)
#: Palette commands that are not a key's action, by their title's start.
SAFE_COMMAND_TITLES = ("Go to ", "Theme", "Switch to context ")
WAIT = 30.0


def action_name(action: str) -> str:
    return action.split("(", 1)[0].removeprefix("app.").removeprefix("screen.")


def dtui_bindings(app: Any) -> list[tuple[str, str]]:
    """(key, action) of every binding dtui's own classes declare where the
    focus is: the focused widget and its ancestors up to the screen and the
    app (what Textual's widgets bring, such as cursor keys, is left out)."""
    focused = app.screen.focused or app.screen
    found = []
    for node in focused.ancestors_with_self:
        for cls in type(node).__mro__:
            if cls.__module__.startswith("tui."):
                for binding in cls.__dict__.get("BINDINGS", ()):
                    found.extend((key.strip(), binding.action) for key in binding.key.split(","))
    return found


def daemon_state(api: Any) -> dict[str, Any]:
    """What ``docker ps -a``, ``images``, ``volume ls`` and ``network ls``
    (with each network's containers) show, minus what time alone changes."""
    networks = {}
    for network in api.networks():
        info = api.inspect_network(network["Id"])
        networks[network["Id"]] = (network["Name"], sorted(info.get("Containers") or {}))
    return {
        "containers": sorted((c["Id"], c["State"], tuple(c["Names"]), c["ImageID"]) for c in api.containers(all=True)),
        "images": sorted((i["Id"], tuple(sorted(i.get("RepoTags") or []))) for i in api.images(all=True)),
        "volumes": sorted(v["Name"] for v in api.volumes().get("Volumes") or []),
        "networks": networks,
    }


async def test_read_only_refuses_every_change_and_still_browses(private_daemon, session_labels) -> None:  # noqa: F811
    from tui.screens.details import ContainerDetailsScreen
    from tui.screens.images_history import ImageHistoryScreen
    from tui.screens.inspect import InspectScreen
    from tui.screens.logs import LogScreen
    from tui.screens.main import MainScreen
    from tui.screens.terminal import TerminalScreen

    client = private_daemon.client()
    api = client.api
    labels = session_labels
    # a TTY and open stdin: attach could type into it, were it not read-only
    running = client.containers.run(
        BUSYBOX_IMAGE,
        ["sh", "-c", "echo hello-read-only; exec sleep 3600"],
        name="running",
        detach=True,
        tty=True,
        stdin_open=True,
        labels=labels,
        stop_signal="SIGKILL",
    )
    client.containers.create(BUSYBOX_IMAGE, ["true"], name="exited", labels=labels)
    volume = client.volumes.create("ro-volume", labels=labels)
    network = client.networks.create("ro-network", labels=labels)
    network.connect(running)
    image_id = client.images.get(BUSYBOX_IMAGE).id
    before = await asyncio.to_thread(daemon_state, api)

    # the row each pane acts on: the test's own objects
    targets = {"containers": running.id, "stats": running.id, "volumes": volume.name, "networks": network.id}
    refused: list[str] = []

    app = create_app(host=private_daemon.host, read_only=True)
    async with app.run_test(size=(160, 50)) as pilot:
        main = app.screen
        assert isinstance(main, MainScreen)

        async def expect_refusal(what: str, act: Any) -> None:
            """``act`` (a key press or a palette command) is refused, saying why."""
            seen = {id(n) for n in app._notifications}
            stack = list(app.screen_stack)
            await act()
            await pilot.pause()
            said = [str(n.message) for n in app._notifications if id(n) not in seen]
            assert app.screen_stack == stack, f"{what} opened {app.screen!r} in read-only mode"
            assert any(text.startswith("Read-only mode:") and "disabled" in text for text in said), f"{what} was not refused: {said}"
            refused.append(what)

        async def walk_keys(view: str) -> None:
            for key, action in dtui_bindings(app):
                if action_name(action) not in READ_ONLY_SAFE:
                    await expect_refusal(f"{view}: {key} ({action})", functools.partial(pilot.press, key))

        async def walk_palette(view: str) -> None:
            own = {action for _key, action in dtui_bindings(app)}
            for command in list(app.get_system_commands(app.screen)):
                title = str(command.title)
                if title.startswith(SAFE_COMMAND_TITLES):
                    continue
                callback = command.callback
                assert isinstance(callback, functools.partial) and callback.func == app.run_action, (
                    f"palette command {title!r} of {view} is not a key's action: add it to SAFE_COMMAND_TITLES or refuse it"
                )
                action = callback.args[0]
                if action in own and action_name(action) not in READ_ONLY_SAFE:

                    async def run(callback: Any = callback) -> None:
                        app.call_later(callback)
                        await pilot.pause()

                    await expect_refusal(f"{view} palette: {title}", run)

        for index in range(len(main.panes)):
            main.action_show_pane(index)
            # a pane is built when first shown
            pane = await wait_for(pilot, lambda: main.panes[index] if getattr(main.panes[index], "is_mounted", False) else None, what=f"pane {index + 1}")
            if hasattr(pane, "table"):
                if pane.pane_id == "images":
                    key = await wait_for(
                        pilot, lambda: next((k for k, row in pane._by_key.items() if row.id == image_id), None), timeout=WAIT, what="busybox listed"
                    )
                else:
                    key = targets[pane.pane_id]
                    await wait_for(pilot, lambda: key in pane._by_key, timeout=WAIT, what=f"{pane.title}: the test's object listed")
                # the table fills in once a pane is first shown
                await wait_for(pilot, lambda: pane.table.select_key(key), what=f"{pane.title}: the test's row selected")
                pane.focus_table()
            await pilot.pause()
            await walk_keys(pane.title)
            await walk_palette(pane.title)

        # one command through the palette itself, as a user types it
        main.action_show_pane(0)
        containers_pane(app).focus_table()

        async def through_palette() -> None:
            await pilot.press("colon", *"Rm exited")
            await pilot.pause(0.3)
            await pilot.press("enter")
            await wait_for(pilot, lambda: app.screen is main, what="palette closed")

        await expect_refusal("palette typed: Rm exited", through_palette)

        # browsing still works: details, logs, inspect, image history; and
        # each of those views offers nothing that changes the daemon
        pane = containers_pane(app)
        pane.table.select_key(running.id)
        await pilot.press("enter")
        details = await wait_for(pilot, lambda: app.screen if isinstance(app.screen, ContainerDetailsScreen) else None, what="details")
        await wait_for(pilot, lambda: details.details is not None, timeout=WAIT, what="details loaded")
        await walk_keys("container details")
        await pilot.press("escape")
        await pilot.press("l")
        logs = await wait_for(pilot, lambda: app.screen if isinstance(app.screen, LogScreen) else None, what="logs")
        await wait_for(pilot, lambda: "hello-read-only" in screen_text(app), timeout=WAIT, what="log line")
        await walk_keys("logs")
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is main, what="back from logs")
        await pilot.press("i")
        inspect = await wait_for(pilot, lambda: app.screen if isinstance(app.screen, InspectScreen) else None, what="inspect")
        await wait_for(pilot, lambda: running.id in screen_text(app), timeout=WAIT, what="inspect JSON")
        await walk_keys("inspect")
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is main, what="back from inspect")
        main.action_show_pane(1)
        await pilot.press("h")
        await wait_for(pilot, lambda: isinstance(app.screen, ImageHistoryScreen), what="image history")
        await walk_keys("image history")
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is main, what="back from history")

        # attach shows the output only; exec is refused (walked above)
        main.action_show_pane(0)
        pane.focus_table()
        await pilot.press("a")
        terminal = await wait_for(
            pilot, lambda: app.screen if isinstance(app.screen, TerminalScreen) and app.screen.is_mounted and app.screen.view.connected else None, what="attach"
        )
        assert not terminal.channel.interactive
        assert "read-only: dtui is read-only" in screen_text(app)
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is main, what="back from attach")
        assert not any("Traceback" in n for n in notifications(app))
        await pilot.press("q")
    assert app.return_code == 0

    # the walk reached every pane's changing keys, and the daemon saw none
    views = {what.split(":")[0] for what in refused}
    assert {"Containers", "Images", "Volumes", "Networks", "System"} <= views, refused
    for expected in ("u (container_action('start'))", "d (container_action('remove'))", "e (exec_shell)", "P (prune)", "n (create)"):
        assert any(expected in what for what in refused), (expected, refused)
    after = await asyncio.to_thread(daemon_state, api)
    client.close()
    assert after == before
