"""The app starts without a daemon, says why, and fills in by itself when the
daemon appears. The "appearing daemon" is a unix-socket relay to the private
test daemon, opened after the app started (no second daemon needed)."""

from __future__ import annotations

import os
import socket
import threading
from pathlib import Path

from tests.integration.app_driver import containers_pane, screen_text, wait_for
from tui.app import create_app


class SocketRelay:
    """Accepts on ``path`` and pipes each connection to the real daemon socket."""

    def __init__(self, path: Path, target: str) -> None:
        self.path, self.target = path, target
        self.server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.server.bind(str(path))
        self.server.listen(16)
        self.closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while not self.closed:
            try:
                client, _ = self.server.accept()
            except OSError:
                return
            upstream = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            upstream.connect(self.target)
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(src: socket.socket, dst: socket.socket) -> None:
        try:
            while data := src.recv(65536):
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def close(self) -> None:
        self.closed = True
        self.server.close()


async def test_starts_without_daemon_then_connects_when_it_appears(docker_client, run_container):
    container = run_container(command=["sleep", "300"])
    path = Path(f"/tmp/dtui-late-{os.getpid()}.sock")
    path.unlink(missing_ok=True)
    app = create_app(host=f"unix://{path}")
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: app.connected is False, what="disconnected state")
        text = screen_text(app)
        assert "disconnected" in text and "socket not found" in text and str(path) in text
        assert "waiting for the daemon" in text
        relay = SocketRelay(path, os.environ["DOCKER_HOST"].removeprefix("unix://"))
        try:
            await wait_for(pilot, lambda: app.connected is True, timeout=15, what="reconnect")
            await wait_for(pilot, lambda: container.id in containers_pane(app).table.keys, timeout=10, what="list filled in")
            assert "connected" in screen_text(app)
        finally:
            relay.close()
            path.unlink(missing_ok=True)
        await pilot.press("q")
    assert app.return_code == 0
