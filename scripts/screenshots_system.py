"""Capture SVG screenshots of the System view and the Volumes and Networks
panes into screenshots/, at 120x40 and 80x24.

Run against a throwaway daemon (``scripts/daemon.sh`` or the test daemon):
    DOCKER_HOST=unix:///path/docker.sock .venv/bin/python scripts/screenshots_system.py
It creates a few labelled demo volumes, networks and containers, captures the
views, and removes exactly what it created.
"""

from __future__ import annotations

import asyncio
import os
import sys
import threading
import time
from pathlib import Path

import docker
import docker.errors

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.integration.app_driver import wait_for
from tui.app import create_app

OUT = ROOT / "screenshots"
LABEL = {"dtui.test": "system-dev"}
IMAGE = os.environ.get("DTUI_DEMO_IMAGE", "busybox:local")
PREFIX = "dtui-test-demo-"


class Demo:
    """The demo objects; everything is labelled and removed by ``cleanup``."""

    def __init__(self, client: docker.DockerClient) -> None:
        self.client = client
        self.containers: list = []
        self.networks: list = []
        self.volumes: list = []

    def make(self) -> None:
        c = self.client
        self.volumes += [
            c.volumes.create(f"{PREFIX}pgdata", labels={**LABEL, "tier": "db"}),
            c.volumes.create(f"{PREFIX}uploads", labels=LABEL),
            c.volumes.create(f"{PREFIX}old-cache", labels=LABEL),
        ]
        backend = c.networks.create(
            f"{PREFIX}backend", labels=LABEL,
            ipam=docker.types.IPAMConfig(pool_configs=[docker.types.IPAMPool(subnet="10.231.7.0/24", gateway="10.231.7.1")]),
        )
        frontend = c.networks.create(f"{PREFIX}frontend", labels=LABEL)
        internal = c.networks.create(f"{PREFIX}jobs", labels=LABEL, internal=True)
        self.networks += [backend, frontend, internal]

        def run(name: str, network: str, **kw) -> None:
            self.containers.append(
                c.containers.run(IMAGE, ["sleep", "100000"], name=PREFIX + name, labels=LABEL, detach=True, network=network, **kw)
            )

        run("db", backend.name, volumes={f"{PREFIX}pgdata": {"bind": "/var/lib/db"}})
        run("api", backend.name, volumes={f"{PREFIX}uploads": {"bind": "/uploads"}})
        frontend.connect(self.containers[-1])
        run("web", frontend.name)
        # a stopped container that wrote into its layer, for df
        writer = c.containers.run(IMAGE, ["sh", "-c", "head -c 150000 /dev/zero > /blob"], name=PREFIX + "batch", labels=LABEL, detach=True, network_mode="none")
        writer.wait(timeout=20)
        self.containers.append(writer)

    def churn(self) -> None:
        """Daemon activity for the events log while a capture runs."""
        container = self.client.containers.run(IMAGE, ["sleep", "30"], name=PREFIX + "blip", labels=LABEL, detach=True, network_mode="none")
        container.stop(timeout=1)
        container.remove()

    def cleanup(self) -> None:
        for container in self.containers:
            try:
                container.remove(force=True)
            except docker.errors.NotFound:
                pass
        for network in self.networks:
            try:
                network.remove()
            except docker.errors.NotFound:
                pass
        for volume in self.volumes:
            try:
                volume.remove(force=True)
            except docker.errors.NotFound:
                pass


async def capture(demo: Demo, size: tuple[int, int], name: str, keys: tuple[str, ...], ready, settle: float = 0.8, churn: bool = False) -> None:
    app = create_app()
    async with app.run_test(size=size) as pilot:
        await wait_for(pilot, lambda: app.connected, what="daemon connection")
        for key in keys:
            await pilot.press(key)
            await pilot.pause(0.2)
        if churn:
            worker = threading.Thread(target=demo.churn)
            worker.start()
            while worker.is_alive():
                await pilot.pause(0.1)
        await wait_for(pilot, lambda: ready(app), timeout=20, what=f"{name} ready")
        await pilot.pause(settle)
        app.save_screenshot(filename=f"{name}.svg", path=str(OUT))
        print("wrote", OUT / f"{name}.svg")


def _pane(app, pane_id: str):
    return app.screen.query_one(f"#pane-{pane_id}")


def _listed(pane_id: str, name: str):
    return lambda app: any(getattr(row, "name", "") == name for row in _pane(app, pane_id).items)


async def main(demo: Demo) -> None:
    OUT.mkdir(exist_ok=True)
    system_ready = lambda app: _pane(app, "system").overview is not None and _pane(app, "system").usage is not None
    await capture(demo, (120, 40), "system-120x40", ("5",), system_ready, churn=True)
    await capture(demo, (160, 45), "system-160x45", ("5",), system_ready, churn=True)
    await capture(demo, (80, 24), "system-80x24", ("5", "v"), lambda app: _pane(app, "system").overview is not None)
    await capture(demo, (80, 24), "system-df-80x24", ("5", "f"), lambda app: _pane(app, "system").usage is not None)
    await capture(demo, (80, 24), "system-events-80x24", ("5", "e"), lambda app: len(_pane(app, "system").events) > 3, churn=True)
    await capture(demo, (120, 40), "system-df-verbose-120x40", ("5", "V"), lambda app: _pane(app, "system").usage is not None)
    await capture(demo, (80, 24), "system-prune-80x24", ("5", "P"), lambda app: type(app.screen).__name__ == "SystemPruneScreen")
    await capture(demo, (120, 40), "volumes-120x40", ("3",), _listed("volumes", f"{PREFIX}pgdata"))
    await capture(demo, (80, 24), "volumes-80x24", ("3",), _listed("volumes", f"{PREFIX}pgdata"))
    await capture(demo, (80, 24), "volumes-create-80x24", ("3", "n"), lambda app: type(app.screen).__name__ == "VolumeCreateScreen")
    await capture(demo, (120, 40), "networks-120x40", ("4",), _listed("networks", f"{PREFIX}backend"))
    await capture(demo, (80, 24), "networks-80x24", ("4",), _listed("networks", f"{PREFIX}backend"))
    await capture(demo, (80, 24), "networks-create-80x24", ("4", "n"), lambda app: type(app.screen).__name__ == "NetworkCreateScreen")


if __name__ == "__main__":
    client = docker.DockerClient(base_url=os.environ.get("DOCKER_HOST", "unix:///var/run/docker.sock"))
    demo = Demo(client)
    try:
        demo.make()
        time.sleep(1.0)
        asyncio.run(main(demo))
    finally:
        demo.cleanup()
