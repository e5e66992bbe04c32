"""Capture SVG screenshots of the Images pane and its screens into screenshots/.

Run against a throwaway daemon with a loopback registry:
    scripts/daemon.sh run .venv/bin/python scripts/screenshots_images.py
It builds a few ``dtui-test/`` demo images, pushes one to the registry, takes
the captures, and removes only what it made.

Relative times would change from run to run ("3 minutes ago"), so the clock the
views read is pinned two hours after the newest image: every CREATED cell
reads the same on every run.
"""

from __future__ import annotations

import asyncio
import io
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import docker

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.integration.app_driver import wait_for  # noqa: E402
from tui import presentation  # noqa: E402
from tui.app import create_app  # noqa: E402

OUT = ROOT / "screenshots"
BASE = os.environ.get("DTUI_TEST_IMAGE", "busybox:local")
REGISTRY = os.environ.get("DTUI_TEST_REGISTRY", "127.0.0.1:5000")
LABELS = {"dtui.demo": "screenshots"}
PULLED = f"{REGISTRY}/dtui-test/nginx-demo:1.27"

DEMO = {
    "dtui-test/webapp:2.1": ["RUN head -c 600000 /dev/urandom > /srv.bin", "RUN head -c 250000 /dev/urandom > /assets.bin", 'CMD ["httpd", "-f"]'],
    "dtui-test/worker:latest": ["RUN head -c 120000 /dev/urandom > /worker.bin", 'CMD ["sh"]'],
    "dtui-test/tools:1.0": ["RUN echo tools > /tools"],
}


class PinnedClock:
    """Stands in for the ``time`` module inside tui.presentation."""

    def __init__(self, now: float) -> None:
        self._now = now

    def time(self) -> float:
        return self._now


def make_demo(client: docker.DockerClient) -> list[str]:
    made: list[str] = []
    for reference, steps in DEMO.items():
        dockerfile = "\n".join([f"FROM {BASE}", *steps]) + "\n"
        client.images.build(fileobj=io.BytesIO(dockerfile.encode()), tag=reference, rm=True, labels=LABELS)
        made.append(reference)
    # a dangling image: the tag moves to a rebuild
    for marker in ("old", "new"):
        client.images.build(fileobj=io.BytesIO(f"FROM {BASE}\nRUN echo {marker} > /cache\n".encode()), tag="dtui-test/cache:dev", rm=True, labels=LABELS)
    made.append("dtui-test/cache:dev")
    # an image with layers of its own, in the registry only: pulling it shows them
    steps = [f"RUN head -c {size} /dev/urandom > /layer{i}" for i, size in enumerate((900000, 400000, 150000))]
    client.images.build(fileobj=io.BytesIO(("\n".join([f"FROM {BASE}", *steps]) + "\n").encode()), tag=PULLED, rm=True, labels=LABELS)
    for _ in client.api.push(PULLED, stream=True, decode=True, auth_config={}):
        pass
    client.api.remove_image(PULLED)
    made.append(PULLED)
    client.containers.run("dtui-test/worker:latest", ["sleep", "100000"], name="dtui-demo-worker", labels=LABELS, detach=True)
    newest = max(image.attrs["Created"] for image in client.images.list())
    created = max(int(time.mktime(time.strptime(newest[:19], "%Y-%m-%dT%H:%M:%S"))) - time.timezone, 0)
    presentation.time = PinnedClock(created + 2 * 3600)  # type: ignore[attr-defined]
    return made


def images_pane(app: Any) -> Any:
    from tui.panes.images import ImagesPane
    from tui.screens.main import MainScreen

    main = next(s for s in app.screen_stack if isinstance(s, MainScreen))
    return main.query_one(ImagesPane)


async def capture(size: tuple[int, int], name: str, steps: Any = None) -> None:
    app = create_app()
    async with app.run_test(size=size) as pilot:
        await wait_for(pilot, lambda: type(app.screen).__name__ == "MainScreen", what="main screen")
        await pilot.press("2")
        pane = images_pane(app)
        await wait_for(pilot, lambda: pane._loaded and any(r.repository == "dtui-test/webapp" for r in pane.items), what="images")
        row = next(r for r in pane.items if r.reference == "dtui-test/webapp:2.1")
        pane.table.select_key(row.key)
        pane.focus_table()
        if steps is not None:
            await steps(pilot, app)
        await pilot.pause(0.5)
        app.save_screenshot(filename=f"{name}.svg", path=str(OUT))
        print("wrote", OUT / f"{name}.svg")


async def pull(pilot: Any, app: Any) -> None:
    await pilot.press("P")
    await wait_for(pilot, lambda: type(app.screen).__name__ == "PullForm", what="pull form")
    app.screen.set_value("reference", PULLED)
    await pilot.press("enter")
    await wait_for(pilot, lambda: getattr(app.screen, "outcome", ""), timeout=60, what="pull done")


async def build(pilot: Any, app: Any) -> None:
    context = Path(tempfile.mkdtemp(prefix="dtui-build-"))
    (context / "app.conf").write_text("listen 8080\n")
    (context / "Dockerfile").write_text(
        f"FROM {BASE}\nARG VERSION=dev\nCOPY app.conf /etc/app.conf\nRUN echo \"version $VERSION\" > /version && cat /version\n"
        "RUN test -x /usr/local/bin/app || (echo 'app binary missing' >&2; exit 3)\nCMD [\"/usr/local/bin/app\"]\n"
    )
    await pilot.press("b")
    await wait_for(pilot, lambda: type(app.screen).__name__ == "BuildForm", what="build form")
    for key, value in (("context", str(context)), ("tag", "dtui-test/app:dev"), ("build_args", "VERSION=2.1")):
        app.screen.set_value(key, value)
    await pilot.press("ctrl+s")
    await wait_for(pilot, lambda: type(app.screen).__name__ == "BuildScreen" and app.screen.error, timeout=60, what="build done")
    # the context path is random; the title shows where the build came from
    app.screen.query_one(".progress-title").update(" Building dtui-test/app:dev from ~/src/app ")


async def run_form(pilot: Any, app: Any) -> None:
    await pilot.press("n")
    await wait_for(pilot, lambda: type(app.screen).__name__ == "RunForm", what="run form")
    form = app.screen
    for key, value in (
        ("name", "web-1"),
        ("command", "httpd -f -p 8080"),
        ("restart", "unless-stopped"),
        ("ports", "127.0.0.1:8080:8080, 8443:443/tcpp"),
        ("env", "MODE=production\nLOG_LEVEL=info"),
        ("volumes", "webdata:/srv/data, /etc/ssl/certs:/certs:ro"),
    ):
        form.set_value(key, value)
    await pilot.press("ctrl+s")
    await wait_for(pilot, lambda: form.error_text, what="form error")


async def main() -> None:
    OUT.mkdir(exist_ok=True)
    await capture((120, 40), "images-pane")
    await capture((80, 24), "images-pane-80x24")
    await capture((120, 40), "images-pull", pull)
    await capture((120, 40), "images-build", build)
    await capture((120, 40), "images-run-form", run_form)


if __name__ == "__main__":
    client = docker.DockerClient(base_url=os.environ.get("DOCKER_HOST", "unix:///var/run/docker.sock"))
    made = make_demo(client)
    try:
        asyncio.run(main())
    finally:
        try:
            client.api.remove_container("dtui-demo-worker", force=True)
        except docker.errors.APIError:
            pass
        for reference in ["dtui-test/app:dev", *made]:
            try:
                client.api.remove_image(reference, force=True)
            except docker.errors.APIError:
                pass
        client.images.prune(filters={"dangling": True, "label": "dtui.demo=screenshots"})
