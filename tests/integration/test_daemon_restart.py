"""dockerd is killed (SIGKILL) and started again while dtui runs with a log
view following, an exec shell open and the containers pane on screen.

The daemon is one of this test's own (scripts/daemon.sh in a slot of its own,
owned by this pytest process), never the suite's shared one: killing that
would break every other test running against it.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.helpers import BUSYBOX_IMAGE
from tests.integration.app_driver import containers_pane, notifications, screen_text, wait_for
from tui.app import create_app

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "daemon.sh"
#: Generous: the machine running the suite may be busy.
DAEMON_WAIT = 30.0


@dataclass
class PrivateDaemon:
    """A dockerd of the test's own: ``crash`` SIGKILLs it, ``revive`` starts it
    again on the same socket and data-root."""

    directory: str
    host: str
    env: dict[str, str]

    def _script(self, command: str) -> None:
        result = subprocess.run(
            [str(SCRIPT), command, self.directory], env=self.env, capture_output=True, text=True, timeout=120, check=False
        )
        if result.returncode != 0:
            raise AssertionError(f"scripts/daemon.sh {command} failed: {result.stderr[-3000:]}")

    def crash(self) -> None:
        self._script("crash")

    def revive(self) -> None:
        self._script("revive")

    def stop(self) -> None:
        self._script("stop")

    def client(self):  # type: ignore[no-untyped-def]
        import docker

        return docker.DockerClient(base_url=self.host, timeout=60)


@pytest.fixture
def private_daemon() -> Iterator[PrivateDaemon]:
    """A private daemon in a slot of its own, stopped at the end even when the
    test fails. The slot is owned by this pytest process: should pytest be
    killed before it stops the daemon, the next scripts/daemon.sh start
    cleans the slot up."""
    # nothing of the suite's daemon may leak into the new one's environment
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DOCKER_", "DTUI_DAEMON"))}
    env["DTUI_DAEMON_OWNER"] = str(os.getpid())
    result = subprocess.run([str(SCRIPT), "start"], env=env, capture_output=True, text=True, timeout=180, check=False)
    if result.returncode != 0:
        pytest.fail(f"could not start a private daemon (needs root and dockerd): {result.stderr[-3000:]}", pytrace=False)
    exports = dict(
        line.removeprefix("export ").split("=", 1) for line in result.stdout.splitlines() if line.startswith("export ")
    )
    daemon = PrivateDaemon(exports["DTUI_DAEMON_DIR"], exports["DOCKER_HOST"], env)
    try:
        yield daemon
    finally:
        daemon.stop()


def default_bridge_index() -> int | None:
    """The interface index of docker0 (another daemon's bridge on a developer's
    machine), None without one: a bridge deleted and made again gets a new
    index. Moby deletes docker0 when it restarts with a stale default bridge
    network in its store (scripts/daemon.sh starts it without one)."""
    try:
        return int(Path("/sys/class/net/docker0/ifindex").read_text())
    except OSError:
        return None


def terminal_text(screen) -> str:  # type: ignore[no-untyped-def]
    return "\n".join(line.rstrip() for line in screen.view.emulator.display)


async def test_dockerd_killed_and_restarted_mid_session(private_daemon: PrivateDaemon, session_labels: dict[str, str]) -> None:
    from tui.panes.stats import StatsPane
    from tui.screens.logs import LogScreen
    from tui.screens.main import MainScreen
    from tui.screens.terminal import TerminalScreen

    client = private_daemon.client()
    # SIGKILL as the stop signal: the restarted daemon stops what was running
    # (no live-restore) without a 10 s grace period for a shell ignoring TERM
    common = {"detach": True, "labels": session_labels, "stop_signal": "SIGKILL"}
    ticker = client.containers.run(
        BUSYBOX_IMAGE,
        ["sh", "-c", "i=0; while :; do i=$((i+1)); echo tick $i; sleep 0.2; done"],
        name="ticker",
        restart_policy={"Name": "always"},
        **common,
    )
    shell = client.containers.run(BUSYBOX_IMAGE, ["sleep", "3600"], name="shell", **common)
    docker0 = default_bridge_index()

    app = create_app(host=private_daemon.host)
    async with app.run_test(size=(120, 36)) as pilot:
        pane = containers_pane(app)
        await wait_for(pilot, lambda: {ticker.id, shell.id} <= set(pane.table.keys), what="both containers listed")
        await pilot.press("6")
        # a pane is built when first shown
        stats = await wait_for(pilot, lambda: next(iter(app.screen.query(StatsPane).results()), None), what="stats pane")
        await wait_for(pilot, lambda: ticker.id in stats.shown, timeout=DAEMON_WAIT, what="stats of the ticker")
        await pilot.press("1")

        # a log view following the ticker, and over it an exec shell in the other
        pane.table.select_key(ticker.id)
        await pilot.press("l")
        logs = await wait_for(pilot, lambda: app.screen if isinstance(app.screen, LogScreen) else None, what="log screen")
        await wait_for(pilot, lambda: len(logs.view.spool) >= 3, what="log lines")
        app.open_terminal(pane._by_key[shell.id], "exec")
        terminal = await wait_for(
            pilot,
            lambda: app.screen if isinstance(app.screen, TerminalScreen) and app.screen.is_mounted and app.screen.view.connected else None,
            what="exec shell",
        )
        await pilot.press(*"echo marker-$((6*7))", "enter")
        await wait_for(pilot, lambda: "marker-42" in terminal_text(terminal), what="shell output")

        await asyncio.to_thread(private_daemon.crash)

        # the terminal ends in place, saying why, and goes on a key press
        await wait_for(pilot, lambda: terminal.view.end is not None, timeout=DAEMON_WAIT, what="terminal session ended")
        # the status line follows the view's end in the next message
        try:
            await wait_for(
                pilot,
                lambda: "session ended, lost the daemon" in screen_text(app) and "press any key" in screen_text(app),
                what="the terminal saying why it ended",
            )
        except AssertionError as exc:
            raise AssertionError(f"{exc}; view.end={terminal.view.end!r}; screen:\n{screen_text(app)}") from None
        text = screen_text(app)
        assert "marker-42" in text, "the last output stays on screen"
        await pilot.press("x")
        await wait_for(pilot, lambda: app.screen is logs, what="back on the log screen")

        # the log view says it lost the daemon and keeps what it had
        await wait_for(pilot, lambda: "lost the daemon" in logs.end_reason, timeout=DAEMON_WAIT, what="log follow lost")
        lines_before = len(logs.view.spool)
        assert lines_before >= 3
        assert "lost the daemon, resumes when it is back" in screen_text(app)
        assert any("the log resumes when the daemon is back" in n for n in notifications(app))

        # the main screen: a visible disconnected state, the list still there
        await pilot.press("escape")
        main = await wait_for(pilot, lambda: app.screen if isinstance(app.screen, MainScreen) else None, what="main screen")
        await wait_for(pilot, lambda: app.connected is False, timeout=DAEMON_WAIT, what="disconnected state")
        text = screen_text(app)
        assert "disconnected" in text and "retrying" in text, text
        assert "ticker" in text and "shell" in text
        await pilot.press("6")
        text = screen_text(app)
        assert "disconnected" in text and "ticker" in text, text
        await pilot.press("1")

        # keys that reach for the daemon while it is away answer, never crash
        pane.table.select_key(ticker.id)
        await pilot.press("l")
        logs = await wait_for(pilot, lambda: app.screen if isinstance(app.screen, LogScreen) else None, what="log screen while away")
        await wait_for(pilot, lambda: "lost the daemon" in logs.end_reason, timeout=DAEMON_WAIT, what="log says the daemon is away")

        await asyncio.to_thread(private_daemon.revive)
        revived_at = time.time()

        # that log view resumes by itself: the restarted ticker's new lines arrive
        await wait_for(pilot, lambda: logs.end_reason == "" and logs.view.following, timeout=DAEMON_WAIT, what="log resumed")
        await wait_for(pilot, lambda: any("log resumed" in n for n in notifications(app)), what="resume notice")
        await wait_for(pilot, lambda: len(logs.view.spool) > lines_before, timeout=DAEMON_WAIT, what="new log lines after the restart")
        assert "● following" in screen_text(app)

        await pilot.press("escape")
        assert app.screen is main
        await wait_for(pilot, lambda: app.connected is True, timeout=DAEMON_WAIT, what="connected again")
        # the pane is current without a key press: what the restart changed,
        # and a container made after it
        late = await asyncio.to_thread(client.containers.run, BUSYBOX_IMAGE, ["sleep", "3600"], name="late", **common)
        await wait_for(pilot, lambda: late.id in pane.table.keys, timeout=DAEMON_WAIT, what="container created after the restart listed")
        await wait_for(pilot, lambda: pane._by_key[shell.id].state == "exited", timeout=DAEMON_WAIT, what="shell container shown stopped")
        text = screen_text(app)
        assert "late" in text and "disconnected" not in text and "connected" in text, text

        # stats resume: fresh numbers for the restarted ticker and the new one
        await pilot.press("6")
        await wait_for(
            pilot,
            lambda: {ticker.id, late.id} <= set(stats.shown) and app.stats_feed.sampled_at > revived_at,
            timeout=DAEMON_WAIT,
            what="stats after the restart",
        )
        assert "late" in screen_text(app)

        await pilot.press("q")
    assert app.return_code == 0
    client.close()
    # restarting our daemon left the host's docker0 alone
    assert default_bridge_index() == docker0
