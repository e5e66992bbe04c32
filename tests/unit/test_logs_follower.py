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

    def send_and_hold(self, *frames: bytes) -> None:
        """Each log request gets *frames*, then a stream kept open and quiet."""

        def script(handler: Handler) -> None:
            for data in frames:
                handler.chunk(data)
            self.release.wait(30)

        self.script = script

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


def wait_for_lines(follower: LogFollower, count: int, timeout: float = 5) -> None:
    deadline = time.monotonic() + timeout
    while len(follower.spool) < count and time.monotonic() < deadline:
        time.sleep(0.01)


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
        wait_for_lines(follower, 1)
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
    daemon.send_and_hold(frame(2, STAMP + b"waiting\n"))
    ends: list[str] = []
    follower = LogFollower(api, "fake", on_end=ends.append).start()
    wait_for_lines(follower, 1)
    assert follower.stop(timeout=1.0)  # True only when every thread ended in time
    assert follower.end_reason == "stopped"
    assert ends == []  # the caller asked: no end notice
    assert follower.spool.get(0).is_stderr
    follower.spool.close()


def test_a_failing_callback_stops_the_follow(daemon: FakeDaemon, api) -> None:
    daemon.send_and_hold(frame(1, STAMP + b"one\n"))

    def gone_app(count: int) -> None:
        raise RuntimeError("app is closed")

    follower = LogFollower(api, "fake", on_lines=gone_app).start()
    try:
        assert follower.wait(5)
        assert follower.end_reason == "stopped"
    finally:
        follower.close()


def test_a_flood_is_read_whole_and_in_order_and_a_later_line_still_comes(daemon: FakeDaemon, api) -> None:
    """The reader lets the kernel gather a flood into big reads; whatever the
    gathering, every line arrives in order, and after the flood a single
    line is not held back waiting for more."""
    total = 20_000
    release = threading.Event()

    def script(handler: Handler) -> None:
        for number in range(total):
            handler.chunk(frame(1 + number % 2, STAMP + b"flood %d\n" % number))
        release.wait(10)
        handler.chunk(frame(1, STAMP + b"after the flood\n"))
        daemon.release.wait(10)

    daemon.script = script
    follower = LogFollower(api, "fake").start()
    try:
        wait_for_lines(follower, total, timeout=20)
        assert [line.text for line in follower.spool.get_range(0, total)] == [f"flood {n}" for n in range(total)]
        assert [line.is_stderr for line in follower.spool.get_range(0, 4)] == [False, True, False, True]
        release.set()
        wait_for_lines(follower, total + 1)
        assert follower.spool.get(total).text == "after the flood"
    finally:
        daemon.release.set()
        follower.close()


def test_the_gathering_reader_starts_with_what_the_http_layer_buffered() -> None:
    import socket

    from tui.docker.logs import _GatheringSocket

    ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        theirs.sendall(b"HTTP/1.1 200 OK\r\n\r\nbody-start")
        reader = ours.makefile("rb")
        assert reader.readline() == b"HTTP/1.1 200 OK\r\n"
        assert reader.readline() == b"\r\n"
        gathering = _GatheringSocket.wrap(reader)
        assert gathering is not None
        assert gathering.read1(65536) == b"body-start"  # held by the buffered reader
        theirs.sendall(b"more")
        assert gathering.read1(65536) == b"more"
        # data came: the next read gathers; one that finds nothing goes back
        # to waking on the first byte, so a quiet log shows its next line at once
        assert ours.getsockopt(socket.SOL_SOCKET, socket.SO_RCVLOWAT) == _GatheringSocket.GATHER_BYTES
        theirs.sendall(b"x")
        assert gathering.read1(65536) == b"x"  # less than GATHER_BYTES, after the timeout
        sender = threading.Timer(0.05, lambda: theirs.sendall(b"late"))
        sender.start()
        assert gathering.read1(65536) == b"late"
        sender.join()
        theirs.shutdown(socket.SHUT_WR)
        assert gathering.read1(65536) == b""  # the end of the stream
    finally:
        ours.close()
        theirs.close()


def test_a_socket_with_a_timeout_is_read_as_before() -> None:
    import socket

    from tui.docker.logs import _GatheringSocket

    ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        ours.settimeout(5)
        assert _GatheringSocket.wrap(ours.makefile("rb")) is None
    finally:
        ours.close()
        theirs.close()


def test_threads_switch_more_often_only_while_a_log_is_read(daemon: FakeDaemon, api) -> None:
    import sys

    from tui.docker.logs import READING_SWITCH_INTERVAL

    daemon.send_and_hold(frame(1, STAMP + b"one\n"))
    before = sys.getswitchinterval()
    follower = LogFollower(api, "fake").start()
    try:
        wait_for_lines(follower, 1)
        assert sys.getswitchinterval() == pytest.approx(READING_SWITCH_INTERVAL)
    finally:
        follower.close()
    assert sys.getswitchinterval() == pytest.approx(before)
