"""Capture the embedded terminal into screenshots/: `top` in an exec'd shell
at 120x40 (terminal-top.svg) and an attached shell at 80x24 (terminal-80x24.svg).

Run against a throwaway daemon (``scripts/daemon.sh`` or the test daemon):
    DOCKER_HOST=unix:///path/docker.sock .venv/bin/python scripts/screenshots_terminal.py
It starts a labelled `docker run -itd` container, captures, and removes it.
"""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

import docker

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.integration.app_driver import containers_pane, wait_for  # noqa: E402
from tui.app import create_app  # noqa: E402
from tui.screens.terminal import TerminalScreen  # noqa: E402

OUT = ROOT / "screenshots"
LABEL = {"dtui.demo": "screenshots-terminal"}
IMAGE = os.environ.get("DTUI_DEMO_IMAGE", "busybox:local")


def text_of(app) -> str:  # type: ignore[no-untyped-def]
    return "\n".join(app.screen.view.emulator.display)


async def open_terminal(pilot, app, container_id: str, key: str):  # type: ignore[no-untyped-def]
    pane = containers_pane(app)
    await wait_for(pilot, lambda: pane._loaded and container_id in pane.table.keys, what="the container's row")
    pane.table.select_key(container_id)
    pane.focus_table()
    await pilot.press(key)
    await wait_for(pilot, lambda: isinstance(app.screen, TerminalScreen) and app.screen.view.connected, what="the terminal")


async def top(container_id: str) -> None:
    app = create_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await open_terminal(pilot, app, container_id, "e")
        await wait_for(pilot, lambda: "/ #" in text_of(app), what="the prompt")
        await pilot.press(*"top -d 1", "enter")
        await wait_for(pilot, lambda: "Load average" in text_of(app), what="top")
        await pilot.pause(2.5)
        app.save_screenshot(filename="terminal-top.svg", path=str(OUT))
        print("wrote", OUT / "terminal-top.svg")
        await pilot.press("q")


async def small(container_id: str) -> None:
    app = create_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_terminal(pilot, app, container_id, "a")
        await pilot.press("enter")
        await wait_for(pilot, lambda: "/ #" in text_of(app), what="the prompt")
        await pilot.press(*"clear; ls --color=always /; printf '\\033[1;32mbold green\\033[0m \\033[4munderlined\\033[0m \\033[7mreverse\\033[0m\\n'", "enter")
        await wait_for(pilot, lambda: "reverse" in text_of(app).split("underlined")[-1], what="the output")
        await pilot.pause(0.5)
        app.save_screenshot(filename="terminal-80x24.svg", path=str(OUT))
        print("wrote", OUT / "terminal-80x24.svg")


async def main(container_id: str) -> None:
    OUT.mkdir(exist_ok=True)
    await top(container_id)
    await small(container_id)


if __name__ == "__main__":
    client = docker.DockerClient(base_url=os.environ.get("DOCKER_HOST", "unix:///var/run/docker.sock"))
    box = client.containers.run(
        IMAGE, ["sh"], name="web-shell", labels=LABEL, detach=True, tty=True, stdin_open=True, network_mode="none"
    )
    # Something for top to show besides itself.
    client.api.exec_start(client.api.exec_create(box.id, ["sh", "-c", "sleep 100000 & while :; do :; done"])["Id"], detach=True)
    try:
        asyncio.run(main(box.id))
    finally:
        box.remove(force=True)
        client.close()
