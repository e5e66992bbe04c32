"""LogFollower against a stand-in daemon on a unix socket, for what the real
one cannot be made to do in a test: vanish mid-stream, or trickle on cue."""

from __future__ import annotations

import json
import socketserver
import struct
import threading
import time
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import docker
import pytest

from tui.docker.logs import LogFollower

STAMP = b"2024-05-01T12:00:00.123456789Z "


def frame(stream: int, payload: bytes) -> bytes:
    return struct.pack(">BxxxL", stream, len(payload)) + payload


class FakeDaemon(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    daemon_threads = True

    def __init__(self, path: str) -> None:
        self.path = path
        self.script = lambda handler: None
        self.release = threading.Event()
        super().__init__(path, Handler)

    def gone(self) -> None:
        """The daemon dies: no more connections, the socket file removed."""
        self.shutdown()
        self.server_close()
        Path(self.path).unlink(missing_ok=True)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: FakeDaemon

    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        if self.path.endswith("/containers/fake/json"):
            body = json.dumps({"Name": "/fake", "Config": {"Tty": False}, "State": {"Running": True, "Status": "running"}}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            # No kept-alive connection may outlive gone(), as none outlives a killed dockerd.
            self.send_header("Connection", "close")
            self.close_connection = True
            self.end_headers()
            self.wfile.write(body)
            return
        if "/containers/fake/logs" in self.path:
            self.send_response(200)
            self.send_header("Content-Type", "application/vnd.docker.raw-stream")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            self.server.script(self)
            self.close_connection = True
            return
        self.send_response(404)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def chunk(self, data: bytes) -> None:
        self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
        self.wfile.flush()


@pytest.fixture
def daemon(tmp_path: Path):
    path = str(tmp_path / "docker.sock")
    server = FakeDaemon(path)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.release.set()
    try:
        server.gone()
    except Exception:
        pass


@pytest.fixture
def api(daemon: FakeDaemon):
    client = docker.APIClient(base_url=f"unix://{daemon.path}", version="1.41", timeout=5)
    yield client
    client.close()


def test_a_daemon_that_dies_mid_stream_ends_the_follow_with_the_reason(daemon: FakeDaemon, api) -> None:
    def script(handler: Handler) -> None:
        handler.chunk(frame(1, STAMP + b"last words\n"))
        daemon.release.wait(5)
        # Connection dropped with no final chunk, as when dockerd is killed.

    daemon.script = script
    ends: list[str] = []
    follower = LogFollower(api, "fake", on_end=ends.append).start()
    try:
        deadline = time.monotonic() + 5
        while len(follower.spool) < 1 and time.monotonic() < deadline:
            time.sleep(0.01)
        daemon.gone()
        daemon.release.set()
        assert follower.wait(5)
        assert ends and ends[0].startswith("lost the daemon: ")
        assert "socket not found" in ends[0]
        assert follower.spool.get(0).text == "last words"
    finally:
        follower.close()


def test_lines_are_announced_in_batches_at_most_20_times_a_second(daemon: FakeDaemon, api) -> None:
    sent = 0

    def script(handler: Handler) -> None:
        nonlocal sent
        finish = time.monotonic() + 1.0
        while time.monotonic() < finish:
            handler.chunk(frame(1, STAMP + b"tick %d\n" % sent))
            sent += 1
            time.sleep(0.001)
        handler.chunk(b"")  # the final, empty chunk: the stream ends

    daemon.script = script
    calls: list[int] = []
    ended = threading.Event()
    follower = LogFollower(api, "fake", on_lines=calls.append, on_end=lambda reason: ended.set()).start()
    try:
        assert ended.wait(5)
        assert sum(calls) == sent == len(follower.spool)
        assert len(calls) <= 25, len(calls)
        assert [line.text for line in follower.spool.get_range(sent - 2, sent)] == [f"tick {sent - 2}", f"tick {sent - 1}"]
    finally:
        follower.close()


def test_stop_returns_promptly_while_the_stream_is_quiet(daemon: FakeDaemon, api) -> None:
    def script(handler: Handler) -> None:
        handler.chunk(frame(2, STAMP + b"waiting\n"))
        daemon.release.wait(30)

    daemon.script = script
    ends: list[str] = []
    follower = LogFollower(api, "fake", on_end=ends.append).start()
    deadline = time.monotonic() + 5
    while len(follower.spool) < 1 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert follower.stop(timeout=1.0)  # True only when every thread ended in time
    assert follower.end_reason == "stopped"
    assert ends == []  # the caller asked: no end notice
    assert follower.spool.get(0).is_stderr
    follower.spool.close()


def test_a_failing_callback_stops_the_follow(daemon: FakeDaemon, api) -> None:
    def script(handler: Handler) -> None:
        handler.chunk(frame(1, STAMP + b"one\n"))
        daemon.release.wait(30)

    daemon.script = script

    def gone_app(count: int) -> None:
        raise RuntimeError("app is closed")

    follower = LogFollower(api, "fake", on_lines=gone_app).start()
    try:
        assert follower.wait(5)
        assert follower.end_reason == "stopped"
    finally:
        follower.close()
