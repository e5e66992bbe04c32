"""A daemon that takes requests and never answers (stuck on a lock, say):
every call gives up after the client's timeout with a message that says so,
and the UI keeps answering keys meanwhile.

The hung daemon is a unix socket relay in front of the suite's daemon that
can stop answering: after ``hang()`` it takes each new request and sends
nothing back, while answers already streaming (the event stream) go on.
"""

from __future__ import annotations

import os
import select
import socket
import threading
import traceback
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integration.app_driver import containers_pane, notifications, screen_text, wait_for
from tests.integration.test_daemon_connection import SocketRelay
from tui.app import DtuiApp
from tui.docker.client import DockerService, Endpoint

#: The app's call timeout where a hung call is to give up (dtui's default is
#: CALL_TIMEOUT, 30 s).
HUNG_TIMEOUT = 3
#: ... and where nothing may give up while the test runs.
SLOW_TIMEOUT = 60
#: Generous: the machine running the suite may be busy.
WAIT = 30.0


class HangingRelay(SocketRelay):
    """Relays to the daemon, except while hung: then each request is taken
    and held, unanswered, until ``release()`` passes it on (a daemon that
    answers late) or its client gives up waiting."""

    def __init__(self, path: Path, target: str) -> None:
        self.hung = threading.Event()
        self._count_lock = threading.Lock()
        #: requests held whose client still waits
        self.held = 0
        #: held requests whose client gave up waiting
        self.abandoned = 0
        super().__init__(path, target)

    def hang(self) -> None:
        self.hung.set()

    def release(self) -> None:
        self.hung.clear()

    def _pipe(self, src: socket.socket, dst: socket.socket) -> None:
        if src.getsockname() != str(self.path):
            super()._pipe(src, dst)  # answers: untouched
            return
        # requests: held while hung
        try:
            while data := src.recv(65536):
                if self.hung.is_set():
                    data = self._hold(src, data)
                    if data is None:
                        break
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for end in (src, dst):
                try:
                    end.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def _hold(self, client: socket.socket, data: bytes) -> bytes | None:
        """Keep a request until the relay is released (returns it) or the
        client gives up (None)."""
        with self._count_lock:
            self.held += 1
        gave_up = False
        try:
            while self.hung.is_set():
                if select.select([client], [], [], 0.05)[0]:
                    more = client.recv(65536)
                    if not more:
                        gave_up = True
                        return None
                    data += more
            return data
        except OSError:
            gave_up = True
            return None
        finally:
            with self._count_lock:
                self.held -= 1
                self.abandoned += gave_up


@pytest.fixture
def relay() -> Iterator[HangingRelay]:
    # /tmp: a unix socket path must stay under 108 bytes
    path = Path(f"/tmp/dtui-hung-{os.getpid()}.sock")
    path.unlink(missing_ok=True)
    relay = HangingRelay(path, os.environ["DOCKER_HOST"].removeprefix("unix://"))
    try:
        yield relay
    finally:
        relay.close()
        path.unlink(missing_ok=True)


def app_through(relay: HangingRelay, timeout: int = 0) -> DtuiApp:
    return DtuiApp(DockerService(Endpoint(f"unix://{relay.path}", "test relay"), timeout=timeout or HUNG_TIMEOUT))


async def test_keys_work_while_daemon_calls_hang(relay: HangingRelay, run_container) -> None:
    from textual.widgets import ContentSwitcher

    from tui.screens.help import HelpScreen

    box = run_container(command=["sleep", "300"])
    # the client waits a minute here: nothing it asks gives up before the
    # keys below are handled, however busy the machine, unless they wait
    # for the daemon
    app = app_through(relay, timeout=SLOW_TIMEOUT)
    async with app.run_test(size=(120, 36)) as pilot:
        try:
            pane = containers_pane(app)
            switcher = app.screen.query_one(ContentSwitcher)
            await wait_for(pilot, lambda: box.id in pane.table.keys and app.connected, timeout=WAIT, what="listed through the relay")
            relay.hang()
            await pilot.press("ctrl+r")
            await wait_for(pilot, lambda: relay.held > 0, timeout=WAIT, what="the list call held by the hung daemon")
            await pilot.press("2")
            assert switcher.current == "pane-images"
            await pilot.press("question_mark")
            await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen), what="help")
            await pilot.press("escape", "1")
            assert switcher.current == "pane-containers"
            assert relay.held > 0 and relay.abandoned == 0, "the keys waited for the hung calls"
            # the daemon answers late: the held calls complete
            relay.release()
            await wait_for(pilot, lambda: relay.held == 0, timeout=WAIT, what="held calls answered")
            assert relay.abandoned == 0
        finally:
            relay.release()  # held calls must not outlive the test
        await pilot.press("q")
    assert app.return_code == 0


async def test_hung_call_times_out_with_a_message(relay: HangingRelay, run_container) -> None:
    from tui.screens.logs import LogScreen

    box = run_container(command=["sh", "-c", "while :; do echo tick; sleep 0.2; done"])
    app = app_through(relay)
    async with app.run_test(size=(120, 36)) as pilot:
        try:
            pane = containers_pane(app)
            await wait_for(pilot, lambda: box.id in pane.table.keys and app.connected, timeout=WAIT, what="listed through the relay")
            pane.table.select_key(box.id)
            relay.hang()
            await pilot.press("ctrl+r")
            expected = f"did not answer within {HUNG_TIMEOUT} s"
            await wait_for(pilot, lambda: any(expected in n for n in notifications(app)), timeout=WAIT, what="the timeout message")
            # the top bar says so too, and names the list that timed out
            top = str(app.status_line())
            assert "● not answering: " in top and expected in top, top
            assert any(n.startswith("list containers: ") and expected in n for n in notifications(app))

            # a log view opened meanwhile comes up at once, then says the
            # daemon does not answer, and resumes when it does
            await pilot.press("l")
            logs = await wait_for(pilot, lambda: app.screen if isinstance(app.screen, LogScreen) else None, what="log screen")
            assert logs.end_reason == "", "the log screen came up only after the daemon was given up on"
            await wait_for(pilot, lambda: expected in logs.end_reason, timeout=WAIT, what="the log's timeout")
            assert "lost the daemon, resumes when it is back" in screen_text(app)
            relay.release()
            await wait_for(pilot, lambda: logs.end_reason == "" and len(logs.view.spool) > 0, timeout=WAIT, what="log resumed")
            await wait_for(pilot, lambda: "tick" in screen_text(app), what="log lines")
        finally:
            relay.release()
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.connected, timeout=WAIT, what="connected")
        assert "disconnected" not in screen_text(app)
        await wait_for(pilot, lambda: "not answering" not in str(app.status_line()), timeout=WAIT, what="answering again")
        await pilot.press("q")
    assert app.return_code == 0


class WatchedService(DockerService):
    """Notes each time the UI thread gets the client: getting it connects when
    there is none, which waits for a hung daemon and raises for a gone one."""

    def __init__(self, endpoint: Endpoint, ui_thread: threading.Thread) -> None:
        super().__init__(endpoint, timeout=HUNG_TIMEOUT)
        self.ui_thread = ui_thread
        self.ui_thread_uses: list[str] = []

    @property
    def api(self):  # type: ignore[no-untyped-def]
        if threading.current_thread() is self.ui_thread:
            caller = traceback.extract_stack(limit=2)[0]
            self.ui_thread_uses.append(f"{caller.filename}:{caller.lineno} {caller.line}")
        return super().api


@pytest.mark.parametrize("trouble", ["hung", "gone"])
async def test_container_action_never_connects_on_the_ui_thread(relay: HangingRelay, run_container, trouble: str) -> None:
    box = run_container(command=["sleep", "300"])
    service = WatchedService(Endpoint(f"unix://{relay.path}", "test relay"), threading.current_thread())
    app = DtuiApp(service)
    async with app.run_test(size=(120, 36)) as pilot:
        try:
            pane = containers_pane(app)
            await wait_for(pilot, lambda: box.id in pane.table.keys and app.connected, timeout=WAIT, what="listed through the relay")
            pane.table.select_key(box.id)
            if trouble == "hung":
                relay.hang()
            else:
                relay.close()
                relay.path.unlink()
            # as the app's error handler does after any connection problem
            service.reset()
            service.ui_thread_uses.clear()
            await pilot.press("p")  # pause: no confirmation first
            # its failure is a message, not a crash
            await wait_for(
                pilot,
                lambda: app.return_code is not None or any("pause" in n.lower() for n in notifications(app)),
                timeout=WAIT,
                what="the failure",
            )
            assert app.return_code is None, "the app crashed"
            assert service.ui_thread_uses == []
        finally:
            relay.release()
        await pilot.press("q")
    assert app.return_code == 0
