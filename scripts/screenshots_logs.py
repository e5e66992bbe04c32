"""Capture SVG screenshots of the log viewer into screenshots/logs*.svg.

Run against a throwaway daemon (``scripts/daemon.sh`` or the test daemon):
    DOCKER_HOST=unix:///path/docker.sock .venv/bin/python scripts/screenshots_logs.py
It runs labelled demo containers that print coloured, server-like logs (one
line on stderr), captures the viewer with a search highlight at 120x40 and
80x24 and a compose project's merged logs, and removes what it created.
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
LABEL = {"dtui.demo": "screenshots-logs"}
IMAGE = os.environ.get("DTUI_DEMO_IMAGE", "busybox:local")
PROJECT = {"com.docker.compose.project": "store"}

# A web server's morning: requests, a slow query, a failure on stderr.
WEB_SCRIPT = r"""
g='\033[32m'; y='\033[33m'; r='\033[31m'; c='\033[36m'; d='\033[2m'; z='\033[0m'
printf "${g}INFO ${z} server listening on ${c}:8080${z}\n"
i=1
while [ $i -le 40 ]; do
  case $((i % 10)) in
    3) printf "${y}WARN ${z} slow query ${d}SELECT * FROM orders WHERE id=$i${z} (812ms)\n";;
    7) printf "${r}ERROR${z} payment gateway timeout for order $i, retrying\n" >&2;;
    *) printf "${g}INFO ${z} GET /api/orders/$i ${g}200${z} ${d}12ms${z}\n";;
  esac
  i=$((i + 1))
  usleep 20000  # keeps stdout and stderr in the order they were written
done
echo "user agent said: [red]x[/red] (shown as typed, never as markup)"
printf "${g}INFO ${z} GET /healthz ${g}200${z} ${d}1ms${z}\n"
exec sleep 100000
"""
DB_SCRIPT = r"""
i=1
while [ $i -le 30 ]; do
  echo "LOG:  checkpoint starting: time ($i)"
  [ $((i % 6)) = 0 ] && echo "WARNING:  could not send data to client: Broken pipe" >&2
  i=$((i + 1))
done
exec sleep 100000
"""


def make_demo(client: docker.DockerClient) -> list:
    made = []

    def run(name: str, script: str, labels: dict[str, str]) -> None:
        # a demo container left by an interrupted run; nothing else is touched
        for old in client.containers.list(all=True, filters={"name": f"^/{name}$", "label": "dtui.demo=screenshots-logs"}):
            old.remove(force=True)
        made.append(
            client.containers.run(IMAGE, ["sh", "-c", script], name=name, labels={**LABEL, **labels}, detach=True, network_mode="none")
        )

    run("store-web-1", WEB_SCRIPT, PROJECT)
    run("store-db-1", DB_SCRIPT, PROJECT)
    time.sleep(1.5)
    return made


async def capture(size: tuple[int, int], name: str, keys: tuple[str, ...], typed: str = "") -> None:
    app = create_app()
    async with app.run_test(size=size) as pilot:
        await wait_for(pilot, lambda: containers_pane(app)._loaded, what="list")
        pane = containers_pane(app)
        web = next(k for k in pane.table.keys if pane._by_key[k].name == "store-web-1")
        pane.table.select_key(web)
        pane.focus_table()
        await pilot.pause(0.2)
        for key in keys:
            await pilot.press(key)
            await pilot.pause(0.3)
        await wait_for(pilot, lambda: type(app.screen).__name__ == "LogScreen" and app.screen.view.shown_count > 10, what="log lines")
        if typed:
            await pilot.press("slash", *typed, "enter")
            await wait_for(pilot, lambda: app.screen.view.current_match is not None, what="search match")
        await pilot.pause(0.8)
        app.save_screenshot(filename=f"{name}.svg", path=str(OUT))
        print("wrote", OUT / f"{name}.svg")


async def main() -> None:
    OUT.mkdir(exist_ok=True)
    await capture((120, 40), "logs", ("l",), typed="slow query")
    await capture((80, 24), "logs-80x24", ("l",), typed="timeout")
    await capture((120, 40), "logs-project", ("L",))


if __name__ == "__main__":
    client = docker.DockerClient(base_url=os.environ.get("DOCKER_HOST", "unix:///var/run/docker.sock"))
    demo = make_demo(client)
    try:
        asyncio.run(main())
    finally:
        for container in demo:
            container.remove(force=True)
