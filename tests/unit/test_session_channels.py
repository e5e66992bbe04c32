"""The session layer without a daemon: stream demultiplexing, the reader and
writer threads over a real socket pair, detach bookkeeping and nsenter checks."""

from __future__ import annotations

import socket
import struct
import subprocess
import sys
import threading

import pytest

from tui.docker.session import (
    ExecChannel,
    SessionEnd,
    TerminalSession,
    _FrameReader,
    _lf_to_crlf,
    _SocketChannel,
    describe_detach_keys,
    nsenter_command,
    nsenter_problem,
)


def frame(stream: int, payload: bytes) -> bytes:
    return struct.pack(">BxxxI", stream, len(payload)) + payload


def test_frames_are_joined_across_reads_and_headers_dropped():
    reader = _FrameReader()
    data = frame(1, b"out\n") + frame(2, b"err\n") + frame(1, "é\n".encode())
    out = b"".join(reader.feed(data[i : i + 3]) for i in range(0, len(data), 3))
    assert out == "out\nerr\né\n".encode()


def test_plain_newlines_become_crlf_once():
    assert _lf_to_crlf(b"a\nb\r\nc") == b"a\r\nb\r\nc"


def test_detach_keys_are_named_like_the_cli_prints_them():
    assert describe_detach_keys("ctrl-p,ctrl-q") == "Ctrl+P Ctrl+Q"
    assert describe_detach_keys("ctrl-a,x") == "Ctrl+A x"


def test_nsenter_refuses_remote_daemons_and_stopped_containers():
    assert "local daemon" in (nsenter_problem(is_local=False, running=True) or "")
    problem = nsenter_problem(is_local=True, running=False)
    assert problem is not None


def test_nsenter_command_enters_every_namespace_of_the_pid():
    command = nsenter_command(4242)
    start = command.index("nsenter")
    assert command[start:] == [
        "nsenter", "--target", "4242", "--mount", "--uts", "--ipc", "--net", "--pid", "--", "/bin/sh",
    ]


class PairChannel(_SocketChannel):
    """One end of a socket pair standing in for the daemon's hijacked connection."""

    def __init__(self, sock: socket.socket) -> None:
        super().__init__()
        self._adopt(sock)
        self.resizes: list[tuple[int, int]] = []

    def open(self, columns: int, lines: int) -> None:
        pass

    def resize(self, columns: int, lines: int) -> None:
        self.resizes.append((columns, lines))

    def finished(self, detach_typed: bool) -> SessionEnd:
        return SessionEnd("detached") if detach_typed else SessionEnd("exited", 0)


def start_session(**kwargs):  # type: ignore[no-untyped-def]
    ours, theirs = socket.socketpair()
    seen: list[bytes] = []
    ended: list[SessionEnd] = []
    done = threading.Event()

    def sink(data: bytes) -> bytes:
        seen.append(data)
        return b"\x1b[1;1R" if b"\x1b[6n" in data else b""

    def on_end(end: SessionEnd) -> None:
        ended.append(end)
        done.set()

    session = TerminalSession(PairChannel(ours), sink, on_end, **kwargs)
    session.start()
    return session, theirs, seen, ended, done


def recv_exactly(sock: socket.socket, size: int) -> bytes:
    sock.settimeout(5)
    data = b""
    while len(data) < size:
        data += sock.recv(size - len(data))
    return data


def test_output_reaches_the_sink_and_replies_go_back():
    session, daemon, seen, ended, done = start_session()
    daemon.sendall(b"hello\x1b[6n")
    assert recv_exactly(daemon, 6) == b"\x1b[1;1R"
    assert b"".join(seen) == b"hello\x1b[6n"
    session.send(b"typed")
    assert recv_exactly(daemon, 5) == b"typed"
    daemon.close()
    assert done.wait(5)
    assert ended == [SessionEnd("exited", 0)]
    session.close()
    assert session.wait_closed(5)


def test_typed_detach_keys_end_the_session_as_a_detach_and_are_sent_first():
    session, daemon, seen, ended, done = start_session(detach_sequence=b"\x10\x11", daemon_detaches=True)
    session.send(b"\x10")
    assert not session.detach_typed  # Ctrl+P alone: maybe just Ctrl+P
    session.send(b"\x11")
    assert session.detach_typed
    session.close()
    # The daemon must see the whole sequence before the connection closes.
    assert recv_exactly(daemon, 2) == b"\x10\x11"
    assert session.wait_closed(5)
    assert not session.alive


def test_close_unblocks_an_idle_reader_and_joins_both_threads():
    session, daemon, seen, ended, done = start_session()
    session.close()
    assert session.wait_closed(5)
    assert not session._reader.is_alive() and not session._writer.is_alive()
    # Closed by us: reported as closed, not as an exit.
    assert ended == [SessionEnd("closed")]
    daemon.close()


def test_a_broken_connection_is_reported_not_raised():
    session, daemon, seen, ended, done = start_session()
    daemon.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    daemon.close()  # the peer resets, like a daemon dying
    assert done.wait(5)
    assert ended[0].reason in ("exited", "lost")
    session.close()
    assert session.wait_closed(5)


@pytest.mark.timeout(30)
def test_the_docker_layer_does_not_import_textual_or_rich():
    code = "import sys, tui.docker.session; print(any(m.split('.')[0] in ('textual', 'rich') for m in sys.modules))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"


def test_a_flood_arrives_whole_and_in_order_and_drained_comes_before_the_end():
    # Fast output makes the reader pause between reads so they come bigger;
    # none of it may be lost or reordered, and the view hears "drained" (to
    # draw the last screen at once) with all of it fed, before the exit.
    events: list[str] = []
    session, daemon, seen, ended, done = start_session(
        on_drained=lambda: events.append(f"drained after {sum(map(len, seen))} bytes")
    )
    payload = b"".join(b"%d\r\n" % i for i in range(400_000))

    def write() -> None:
        for start in range(0, len(payload), 4096):
            daemon.sendall(payload[start : start + 4096])
        daemon.close()

    writer = threading.Thread(target=write)
    writer.start()
    assert done.wait(20)
    writer.join()
    assert b"".join(seen) == payload
    assert events == [f"drained after {len(payload)} bytes"]
    assert ended == [SessionEnd("exited", 0)]
    session.close()
    assert session.wait_closed(5)


def test_keystroke_echoes_are_read_as_they_come():
    # A quiet terminal's output is never held back for a bigger read.
    session, daemon, seen, ended, done = start_session()
    for key in (b"a", b"b", b"c"):
        daemon.sendall(key)
        deadline = threading.Event()
        for _ in range(500):
            if seen and seen[-1].endswith(key):
                break
            deadline.wait(0.01)
        assert seen and seen[-1].endswith(key)
    assert b"".join(seen) == b"abc"
    daemon.close()
    assert done.wait(5)
    session.close()
    assert session.wait_closed(5)


class _RefusingResizes:
    """An engine that refuses every exec resize (no local daemon can be made to): counts the tries."""

    def __init__(self) -> None:
        self.tries = 0

    def exec_resize(self, exec_id: str, height: int, width: int) -> None:
        self.tries += 1
        raise RuntimeError("exec resize refused")


def test_only_the_first_exec_resize_is_retried() -> None:
    # The process may not exist yet at the first size; later resizes come from
    # the writer thread, with keystrokes queued behind them: one try each.
    channel = ExecChannel.__new__(ExecChannel)
    api = _RefusingResizes()
    channel.api, channel.exec_id, channel._sized, channel._closed = api, "x", False, threading.Event()
    channel.resize(80, 24)
    assert api.tries == 10
    for _ in range(3):
        channel.resize(100, 30)
    assert api.tries == 13
