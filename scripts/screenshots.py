"""Capture SVG screenshots of dtui's main views into screenshots/.

Run against a throwaway daemon (``scripts/daemon.sh`` or the test daemon):
    DOCKER_HOST=unix:///path/docker.sock .venv/bin/python scripts/screenshots.py
It creates a few labelled demo containers, captures each view, and removes
what it created.
"""

from __future__ import annotations

import asyncio
import os
import sys
import time
from pathlib import Path

import docker

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.integration.app_driver import containers_pane, wait_for  # noqa: E402
from tui.app import create_app  # noqa: E402

OUT = ROOT / "screenshots"
LABEL = {"dtui.demo": "screenshots"}
IMAGE = os.environ.get("DTUI_DEMO_IMAGE", "busybox:local")


def make_demo(client: docker.DockerClient) -> list:
    made = []

    def run(name: str, command: list[str], **kw) -> None:
        labels = {**LABEL, **kw.pop("labels", {})}
        made.append(client.containers.run(IMAGE, command, name=name, labels=labels, detach=True, **kw))

    loop = ["sh", "-c", "while :; do echo request served; sleep 1; done"]
    run("shop-web-1", loop, ports={"80/tcp": ("127.0.0.1", 8080)}, labels={"com.docker.compose.project": "shop"},
        environment={"DB_PASSWORD": "s3cret", "MODE": "production"}, restart_policy={"Name": "unless-stopped"})
    run("shop-db-1", ["sleep", "100000"], labels={"com.docker.compose.project": "shop"}, environment={"POSTGRES_PASSWORD": "hunter2"})
    run("shop-cache-1", ["sleep", "100000"], labels={"com.docker.compose.project": "shop"})
    run("batch-job", ["sh", "-c", "echo done; exit 3"])
    run("paused-worker", ["sleep", "100000"])
    made[-1].pause()
    run("builder", ["sh", "-c", "exit 0"])
    # busy and memory-hungry: something to see in the CPU/MEM columns and graphs
    run("report-render", ["sh", "-c", 'a=$(head -c 40000000 /dev/zero | tr "\\0" x); while :; do :; done'])
    time.sleep(1.5)
    return made


async def capture(size: tuple[int, int], name: str, keys: tuple[str, ...] = (), settle: float = 1.0, ready=None) -> None:
    app = create_app()
    async with app.run_test(size=size) as pilot:
        await wait_for(pilot, lambda: containers_pane(app)._loaded, what="list")
        pane = containers_pane(app)
        web = next((k for k in pane.table.keys if pane._by_key[k].name == "shop-web-1"), None)
        if web:
            pane.table.select_key(web)
        for key in keys:
            await pilot.press(key)
            await pilot.pause(0.2)
        if ready is not None:
            await wait_for(pilot, lambda: ready(app), what=f"{name} ready")
        await pilot.pause(settle)
        app.save_screenshot(filename=f"{name}.svg", path=str(OUT))
        print("wrote", OUT / f"{name}.svg")


async def main() -> None:
    OUT.mkdir(exist_ok=True)
    await capture((80, 24), "containers-80x24")
    await capture((160, 45), "containers-160x45")
    await capture((120, 40), "container-details", ("enter",), ready=lambda app: "Processes" in str(getattr(app.screen, "processes", "")) or getattr(app.screen, "details", None) is not None)
    await capture((120, 40), "inspect", ("i",), ready=lambda app: bool(getattr(app.screen, "text", "")))
    await capture((100, 40), "help", ("question_mark",))
    await capture((80, 24), "confirm-remove", ("d",))
    await capture((80, 24), "stats-80x24", ("6",), settle=8, ready=_stats_ready)
    await capture((120, 40), "stats-120x40", ("6",), settle=12, ready=_stats_ready)


def _stats_ready(app) -> bool:
    from tui.panes.stats import StatsPane

    pane = app.screen.query_one(StatsPane)
    return bool(pane.items) and all(s.cpu_percent is not None for s in pane.shown.values()) and len(pane.shown) == len(pane.items)


if __name__ == "__main__":
    client = docker.DockerClient(base_url=os.environ.get("DOCKER_HOST", "unix:///var/run/docker.sock"))
    demo = make_demo(client)
    try:
        asyncio.run(main())
    finally:
        for container in demo:
            try:
                container.remove(force=True)
            except docker.errors.APIError:
                pass
