"""The System pane against the private daemon: version and info, disk usage
equal to ``docker system df``, the live events log, and system prune."""

from __future__ import annotations

import asyncio
import json
import re
import shutil
import subprocess

import docker
import docker.errors
import pytest

from tests.integration.app_driver import (
    notifications,
    screen_text,
    wait_for,
    wait_thread,
)
from tui.app import create_app
from tui.docker import system as system_ops
from tui.panes.system import SystemPane
from tui.presentation import cli_size, df_reclaimable

NO_NETWORK = {"network_mode": "none"}


def _pane(app) -> SystemPane:
    return app.screen.query_one(SystemPane)


async def _open(pilot, app, section_key: str) -> SystemPane:
    await pilot.press("5", section_key)
    return _pane(app)


async def test_version_and_info_show_the_engine(docker_client):
    version = docker_client.version()
    info = docker_client.info()
    app = create_app()
    async with app.run_test(size=(80, 24)) as pilot:
        pane = await _open(pilot, app, "v")
        await wait_for(pilot, lambda: pane.overview is not None, what="version and info")
        await wait_for(pilot, lambda: version["Version"] in screen_text(app), what="engine version on screen")
        text = screen_text(app)
        assert f"{version['ApiVersion']} (minimum {version['MinAPIVersion']})" in text
        assert version["GoVersion"] in text
        assert f"docker-py {docker.__version__}" in text
        # the info part is further down the scrollable column
        pane.query_one("#system-info").scroll_end(animate=False)
        await wait_for(pilot, lambda: "Storage driver" in screen_text(app), what="info section")
        text = screen_text(app)
        assert info["Driver"] in text
        assert info["CgroupDriver"] in text
        assert re.search(rf"CPUs\s+{info['NCPU']}\b", text)
        assert re.search(rf"Containers\s+{info['Containers']}\s+\(running", text)


def _cli_df() -> list[dict[str, str]]:
    out = subprocess.run(["docker", "system", "df", "--format", "{{json .}}"], capture_output=True, text=True, check=True, timeout=60)
    return [json.loads(line) for line in out.stdout.splitlines() if line.strip()]


@pytest.mark.skipif(shutil.which("docker") is None, reason="needs the docker CLI")
async def test_disk_usage_equals_docker_system_df(docker_client, run_container, create_volume):
    # something in every category but the build cache (no BuildKit here)
    volume = create_volume("df")
    writer = run_container(command=["sh", "-c", "head -c 200000 /dev/zero > /data/f; head -c 70000 /dev/zero > /rw"], volumes={volume.name: {"bind": "/data"}}, **NO_NETWORK)
    writer.wait(timeout=20)
    app = create_app()
    async with app.run_test(size=(120, 40)) as pilot:
        pane = await _open(pilot, app, "f")
        # other tests may change the daemon while we read: ours must equal
        # what the CLI printed just before or just after it
        for _ in range(10):
            before = await asyncio.to_thread(_cli_df)
            pane.usage = None
            pane.action_reload()
            await wait_for(pilot, lambda: pane.usage is not None, timeout=30, what="docker system df")
            after = await asyncio.to_thread(_cli_df)
            ours = [
                {
                    "Active": str(line.active),
                    "Reclaimable": df_reclaimable(line.reclaimable, line.percent),
                    "Size": cli_size(line.size),
                    "TotalCount": str(line.total),
                    "Type": line.type,
                }
                for line in pane.usage.lines
            ]
            if ours in (before, after):
                break
            await pilot.pause(1.0)
        assert ours in (before, after)
        text = screen_text(app)
        for line in ours:
            assert line["Reclaimable"] in text and line["Size"] in text
        # the verbose listing names our objects
        await pilot.press("V")
        await wait_for(pilot, lambda: volume.name in screen_text(app), what="verbose listing")
        assert "Containers space usage" in screen_text(app)


async def test_events_log_shows_start_and_stop_done_elsewhere(docker_client, run_container):
    app = create_app()
    async with app.run_test(size=(120, 40)) as pilot:
        pane = await _open(pilot, app, "e")
        await wait_for(pilot, lambda: app.connected, what="event stream")
        container = await asyncio.to_thread(run_container, command=["sleep", "300"], **NO_NETWORK)
        await asyncio.to_thread(container.stop, timeout=1)

        def logged(action: str) -> bool:
            # the log's lines, visible or scrolled past by other daemon activity
            log = pane.query_one("#system-events-log")
            return any(action in line and container.name in line for line in (strip.text for strip in log.lines))

        def shown(action: str) -> bool:
            return any(action in line and container.name in line for line in screen_text(app).splitlines())

        await wait_for(pilot, lambda: logged("start"), what="start event in the log")
        await wait_for(pilot, lambda: logged("stop"), what="stop event in the log")

        # '/' narrows to matching events as the user types
        await pilot.press("slash", *f"{container.name} die")
        await wait_for(pilot, lambda: shown("die") and not shown("start"), what="filtered to the die event")
        assert "filter:" in screen_text(app)
        await pilot.press("enter")
        await pilot.press("escape")
        await wait_for(pilot, lambda: logged("start") and not pane.filter_text, what="filter cleared")


async def test_events_log_is_bounded(docker_client):
    app = create_app()
    async with app.run_test(size=(80, 24)) as pilot:
        pane = await _open(pilot, app, "e")
        from tui.docker.events import DockerEvent
        from tui.panes.system import EVENTS_KEPT

        for index in range(EVENTS_KEPT + 50):
            pane.on_daemon_event(DockerEvent("container", "start", f"{index:064x}", f"c{index}", 0))
        assert len(pane.events) == EVENTS_KEPT
        assert pane.events[0].name == "c50"


async def test_system_prune_states_what_it_deletes_and_reports(docker_client, run_container, create_network, create_volume, session_token, monkeypatch):
    # the UI prunes the whole daemon; on a shared daemon the test scopes the
    # same call to its own label
    real_prune = system_ops.system_prune
    monkeypatch.setattr(system_ops, "system_prune", lambda api, volumes=False: real_prune(api, volumes=volumes, label=f"dtui.test={session_token}"))
    stopped = run_container(command=["true"], **NO_NETWORK)
    stopped.wait(timeout=20)
    network = create_network("prune")
    volume = create_volume("prune")
    keep = run_container(command=["sleep", "300"], **NO_NETWORK)

    def gone() -> bool:
        import docker.errors

        checks = (
            lambda: docker_client.containers.get(stopped.id),
            lambda: docker_client.networks.get(network.id),
            lambda: docker_client.volumes.get(volume.name),
        )
        for check in checks:
            try:
                check()
                return False
            except docker.errors.NotFound:
                continue
        return True

    app = create_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await _open(pilot, app, "v")
        await pilot.press("P")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "SystemPruneScreen", what="prune confirmation")
        text = screen_text(app)
        for line in ("all stopped containers", "all networks not used by at least one container", "all dangling images", "all build cache"):
            assert line in text
        assert "volumes not used" not in text
        await pilot.press("v")
        await wait_for(pilot, lambda: "volumes not used by at least one container" in screen_text(app), what="volumes added to the statement")
        await pilot.press("y")
        await wait_thread(gone, what="stopped container, unused network and volume deleted")
        assert docker_client.containers.get(keep.id).status == "running"
        await wait_for(pilot, lambda: any(n.startswith("Deleted") for n in notifications(app)), what="prune summary")
        summary = next(n for n in notifications(app) if n.startswith("Deleted"))
        # at least ours; other unused objects of this test session may go too
        counts = re.fullmatch(r"Deleted (\d+) containers?, (\d+) networks?, (\d+) volumes?, \d+ images?\. Reclaimed \S+\.", summary)
        assert counts and all(int(n) >= 1 for n in counts.groups()), summary
        assert "Last prune" in screen_text(app)


async def test_prune_cancelled_deletes_nothing(docker_client, run_container):
    stopped = run_container(command=["true"], **NO_NETWORK)
    stopped.wait(timeout=20)
    app = create_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await _open(pilot, app, "v")
        await pilot.press("P")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "SystemPruneScreen", what="prune confirmation")
        await pilot.press("n")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "MainScreen", what="back")
        await pilot.pause(0.5)
        assert docker_client.containers.get(stopped.id).status == "exited"


async def test_events_log_stops_following_while_the_user_reads_back(docker_client):
    from tui.docker.events import DockerEvent

    app = create_app()
    async with app.run_test(size=(80, 24)) as pilot:
        pane = await _open(pilot, app, "e")
        log = pane.query_one("#system-events-log")
        for index in range(100):
            pane.on_daemon_event(DockerEvent("container", "start", f"{index:064x}", f"c{index}", 0))
        await pilot.pause(0.3)
        assert log.is_vertical_scroll_end
        log.scroll_home(animate=False)
        await pilot.pause(0.1)
        pane.on_daemon_event(DockerEvent("container", "stop", "f" * 64, "late", 0))
        await pilot.pause(0.3)
        assert log.scroll_y == 0
        log.scroll_end(animate=False)
        await pilot.pause(0.1)
        pane.on_daemon_event(DockerEvent("container", "stop", "e" * 64, "later", 0))
        await pilot.pause(0.3)
        assert log.is_vertical_scroll_end
        assert "later" in screen_text(app)
