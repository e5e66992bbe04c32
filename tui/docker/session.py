"""Interactive channels into containers: attach, exec and a host-side nsenter shell.

A channel is a byte pipe to one process (`recv`, `send`, `resize`, `close`,
and how it ended). `TerminalSession` drives a channel with a reader thread
(output -> the caller's sink, which returns its replies to write back) and a
writer thread (keys, replies and resizes, in order), so nothing here ever
blocks the caller's event loop. Headless: no textual, no rich.

How each kind of session ends when the user detaches:

* attach: the daemon watches for the user's detachKeys (passed as the
  `detachKeys` parameter), so the detach is exact; it closes the stream and
  the container keeps running.
* exec: Docker cannot re-attach to an exec, so the detach is the client's.
  We close our connection: the daemon then closes the process's stdin. A
  shell on a TTY does not see that as end of input, so it keeps running in
  the container, idle, until it is killed or the container stops (the same
  as closing a `docker exec -it` client). The status line says so.
* nsenter: closing the local PTY hangs it up; the shell gets SIGHUP and ends.
"""

from __future__ import annotations

import errno
import fcntl
import os
import queue
import select
import shutil
import signal
import socket
import struct
import subprocess
import termios
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from tui.docker.errors import describe_cause, describe_error, is_connection_problem

#: Large reads: the daemon's TTY stream arrives in chunks of up to 32 KiB,
#: and in a flood a read takes what gathered during a pause (FLOOD_PAUSE).
READ_SIZE = 131072
_DONTWAIT = getattr(socket, "MSG_DONTWAIT", 0)
#: How long to wait for the daemon to record a process's exit after EOF.
EXIT_WAIT = 3.0
#: Output faster than this (bytes per second, over the last reads) is a flood.
FLOOD_RATE = 4_000_000
#: In a flood the reader pauses this long after a read that did not fill its
#: buffer, so the next takes the tens of KiB the socket gathered meanwhile
#: instead of the 2-4 KiB pieces the daemon writes: the emulator digests big
#: runs for far less CPU per byte, and fewer wake-ups leave the cores to the
#: daemon's side of the stream. 2 ms of a 40 MB/s stream is 80 KB, well
#: inside a Unix socket's ~200 KB buffer, so the daemon never waits on us.
FLOOD_PAUSE = 0.002
#: A read this big in a flood means the reader is behind already: no pause.
#: Pausing also after reads of 32-128 KiB (rather than only below 32 KiB)
#: took 8-13 % less of dtui's CPU per MB in interleaved runs, with the same
#: throughput.
FLOOD_BATCH = READ_SIZE


@dataclass(frozen=True)
class SessionEnd:
    """Why a session ended, for the view to show."""

    #: "exited" (the process ended), "detached" (it keeps running),
    #: "closed" (the view went away) or "lost" (the connection broke).
    reason: str
    exit_code: int | None = None
    detail: str = ""


@dataclass(frozen=True)
class ExecOptions:
    """What `E` asks for; an empty command means "the best shell the image has"."""

    command: tuple[str, ...] = ()
    user: str = ""
    workdir: str = ""


class ChannelError(Exception):
    """A session cannot start; the message is for the user."""


class LazyApi:
    """Stands in for a service's ``api`` where a channel or a log follower is
    built on the UI thread but talks to the daemon from its own threads.

    The client is looked up at each use, in the thread that uses it: getting
    ``service.api`` connects when there is no client (after the daemon went
    away), which blocks for as long as the daemon takes to answer and raises
    while it is gone, so the UI thread must never be the one to do it.
    Helpers that only unwrap a response (no I/O) use the last client seen, so
    closing a stream from the UI thread never connects either.
    """

    _NO_IO = frozenset({"_get_raw_response_socket", "_disable_socket_timeout"})

    def __init__(self, service: Any) -> None:
        self._service = service
        self._last: Any = None

    def __getattr__(self, name: str) -> Any:
        if name in self._NO_IO and self._last is not None:
            return getattr(self._last, name)
        api = self._service.api
        self._last = api
        return getattr(api, name)


def raw_socket(hijacked: Any) -> Any:
    """The socket under docker-py's hijacked response (a SocketIO wraps it)."""
    return getattr(hijacked, "_sock", hijacked)


class TerminalChannel(ABC):
    """One interactive process: blocking I/O, used from the session's threads."""

    #: Keys are sent (False: output only, e.g. a container without a TTY).
    interactive: bool = True
    #: The reader may pause in a flood so reads come bigger (FLOOD_PAUSE):
    #: true of a socket, which holds ~200 KB; a PTY holds 4 KiB, so pausing
    #: there would throttle the program to 2 MB/s.
    pauses_in_floods: bool = False
    #: Output comes from a TTY (False: plain lines, which need CR added).
    tty: bool = True

    @abstractmethod
    def open(self, columns: int, lines: int) -> None:
        """Connect (blocking). Raises ChannelError with a message for the user."""

    @abstractmethod
    def recv(self) -> bytes:
        """The next output bytes; b"" at end of stream."""

    @abstractmethod
    def send(self, data: bytes) -> None: ...

    @abstractmethod
    def resize(self, columns: int, lines: int) -> None: ...

    @abstractmethod
    def close(self) -> None:
        """Unblock `recv` and release the connection. Safe to call twice, from any thread."""

    @abstractmethod
    def finished(self, detach_typed: bool) -> SessionEnd:
        """After end of stream: did the process exit (with what code) or is it still running?"""


class _SocketChannel(TerminalChannel):
    """A channel over a hijacked daemon connection."""

    pauses_in_floods = True

    def __init__(self) -> None:
        self._sock: Any = None
        self._hijacked: Any = None
        self._closed = threading.Event()
        self._eof_pending = False

    def _adopt(self, hijacked: Any) -> None:
        self._hijacked = hijacked
        sock = raw_socket(hijacked)
        # docker-py gives the connection its call timeout; an idle shell
        # must not count as a failure.
        if hasattr(sock, "settimeout"):
            sock.settimeout(None)
        self._sock = sock

    def recv(self) -> bytes:
        if self._closed.is_set() or self._eof_pending:
            return b""
        sock = self._sock
        try:
            data = sock.recv(READ_SIZE)
            # The daemon writes a TTY stream in small pieces; taking all that
            # is already waiting in one go keeps a flood from costing a
            # feed per piece once the reader falls behind.
            if data and _DONTWAIT and isinstance(sock, socket.socket):
                parts = [data]
                size = len(data)
                while size < READ_SIZE:
                    try:
                        more = sock.recv(READ_SIZE - size, _DONTWAIT)
                    except (BlockingIOError, InterruptedError):
                        break
                    if not more:
                        self._eof_pending = True
                        break
                    parts.append(more)
                    size += len(more)
                if len(parts) > 1:
                    data = b"".join(parts)
            return data
        except OSError:
            if self._closed.is_set():
                return b""
            raise

    def send(self, data: bytes) -> None:
        if data and not self._closed.is_set():
            self._sock.sendall(data)

    def close(self) -> None:
        if self._closed.is_set():
            return
        self._closed.set()
        sock = self._sock
        if sock is None:
            return
        # shutdown wakes a recv blocked in the reader thread; close alone may not.
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except (OSError, AttributeError):
            pass
        for closable in (sock, self._hijacked):
            try:
                closable.close()
            except Exception:  # noqa: BLE001 - closing a broken connection may fail any way
                pass


class _FrameReader:
    """Demultiplexes the daemon's non-TTY stream: 8-byte headers, then the payload."""

    def __init__(self) -> None:
        self._buffer = bytearray()

    def feed(self, data: bytes) -> bytes:
        buffer = self._buffer
        buffer += data
        out = bytearray()
        while len(buffer) >= 8:
            size = struct.unpack_from(">I", buffer, 4)[0]
            if len(buffer) < 8 + size:
                break
            out += buffer[8 : 8 + size]
            del buffer[: 8 + size]
        return bytes(out)


def _lf_to_crlf(data: bytes) -> bytes:
    # Without a TTY there is no line discipline turning LF into CR LF.
    return data.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


class AttachChannel(_SocketChannel):
    """`docker attach`: the container's main process; the daemon handles the detach keys."""

    def __init__(self, api: Any, container_id: str, detach_keys: str, *, read_only: bool = False) -> None:
        super().__init__()
        self.api = api
        self.container_id = container_id
        self.detach_keys = detach_keys
        self.read_only = read_only
        self._frames: _FrameReader | None = None

    def open(self, columns: int, lines: int) -> None:
        info = self.api.inspect_container(self.container_id)
        state = info.get("State") or {}
        if not state.get("Running"):
            raise ChannelError(f"the container is not running ({state.get('Status', 'unknown')})")
        config = info.get("Config") or {}
        self.tty = bool(config.get("Tty"))
        stdin = bool(config.get("OpenStdin")) and self.tty and not self.read_only
        self.interactive = stdin
        params = {"stdin": int(stdin), "stdout": 1, "stderr": 1, "stream": 1, "detachKeys": self.detach_keys}
        self._adopt(self.api.attach_socket(self.container_id, params=params))
        if not self.tty:
            self._frames = _FrameReader()
            return
        # Like the docker CLI: a size different from the real one first, so
        # the process gets a SIGWINCH and full-screen programs redraw.
        self._resize(columns + 1, lines + 1)
        self.resize(columns, lines)

    def recv(self) -> bytes:
        while True:
            data = super().recv()
            if not data or self._frames is None:
                return data
            payload = self._frames.feed(data)
            if payload:
                return _lf_to_crlf(payload)

    def _resize(self, columns: int, lines: int) -> None:
        try:
            self.api.resize(self.container_id, height=lines, width=columns)
        except Exception:  # noqa: BLE001 - a resize racing the process's exit is harmless
            pass

    def resize(self, columns: int, lines: int) -> None:
        if self.tty:
            self._resize(columns, lines)

    def finished(self, detach_typed: bool) -> SessionEnd:
        if detach_typed:
            return SessionEnd("detached")
        # EOF can arrive just before the daemon records the exit.
        deadline = time.monotonic() + EXIT_WAIT
        while True:
            state = self.api.inspect_container(self.container_id).get("State") or {}
            if not state.get("Running"):
                return SessionEnd("exited", state.get("ExitCode"))
            if time.monotonic() > deadline:
                return SessionEnd("detached", detail="the daemon closed the stream")
            time.sleep(0.1)


def choose_shell(api: Any, container_id: str) -> tuple[str, ...]:
    """bash when the image has it, else sh: try running it, as the exec will."""
    probe = api.exec_create(container_id, ["bash", "-c", "exit 0"], stdout=True, stderr=True)
    api.exec_start(probe["Id"])
    if api.exec_inspect(probe["Id"]).get("ExitCode") == 0:
        return ("bash",)
    return ("sh",)


class ExecChannel(_SocketChannel):
    """`docker exec -it`: a new process with a TTY; the detach is the client's."""

    def __init__(self, api: Any, container_id: str, options: ExecOptions) -> None:
        super().__init__()
        self.api = api
        self.container_id = container_id
        self.options = options
        self.command: tuple[str, ...] = options.command
        self.exec_id = ""
        self._sized = False

    def open(self, columns: int, lines: int) -> None:
        state = (self.api.inspect_container(self.container_id).get("State") or {})
        if not state.get("Running"):
            raise ChannelError(f"the container is not running ({state.get('Status', 'unknown')})")
        if not self.command:
            self.command = choose_shell(self.api, self.container_id)
        created = self.api.exec_create(
            self.container_id,
            list(self.command),
            stdin=True,
            tty=True,
            # No COLUMNS/LINES: they would override the TTY size after a resize.
            environment={"TERM": "xterm-256color"},
            user=self.options.user,
            workdir=self.options.workdir or None,
        )
        self.exec_id = created["Id"]
        self._adopt(self.api.exec_start(self.exec_id, socket=True, tty=True))
        # The TTY gets its size from the session's first `resize`, in the
        # writer thread: the output flows (and is read) meanwhile instead of
        # filling the socket while the daemon catches up with the process.

    def resize(self, columns: int, lines: int) -> None:
        # The process may not exist yet just after exec/start, so the first
        # size is retried, as the docker CLI does; later ones are not (the
        # process may just have exited, or the engine refuses them: keys
        # queued behind a resize must not wait for retries every time).
        tries = 1 if self._sized else 10
        self._sized = True
        for attempt in range(tries):
            if self._closed.is_set():
                return
            try:
                self.api.exec_resize(self.exec_id, height=lines, width=columns)
                return
            except Exception:  # noqa: BLE001
                if attempt + 1 < tries:
                    time.sleep(0.05)

    def finished(self, detach_typed: bool) -> SessionEnd:
        if detach_typed:
            return SessionEnd("detached")
        deadline = time.monotonic() + EXIT_WAIT
        while True:
            info = self.api.exec_inspect(self.exec_id)
            if not info.get("Running"):
                return SessionEnd("exited", info.get("ExitCode"))
            if time.monotonic() > deadline:
                return SessionEnd("detached", detail="the daemon closed the stream")
            time.sleep(0.05)


def nsenter_problem(*, is_local: bool, running: bool) -> str | None:
    """Why a host-side nsenter shell is impossible here, or None when it is possible."""
    if not is_local:
        return "nsenter needs a local daemon: the container's processes run on another machine"
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        return "nsenter needs root: run dtui as root (e.g. sudo dtui) to enter a container's namespaces"
    if shutil.which("nsenter") is None:
        return "nsenter is not installed (it is in util-linux)"
    if not running:
        return "the container is not running"
    return None


def nsenter_command(pid: int, shell: str = "/bin/sh") -> list[str]:
    command = ["nsenter", "--target", str(pid), "--mount", "--uts", "--ipc", "--net", "--pid", "--", shell]
    setsid = shutil.which("setsid")
    if setsid is not None:
        # The shell needs the PTY as its controlling terminal for Ctrl+C and
        # job control; subprocess cannot set one, util-linux setsid can.
        command = [setsid, "--ctty", "--wait", *command]
    return command


class NsenterChannel(TerminalChannel):
    """A host-side shell in a container's namespaces, through a local PTY."""

    def __init__(self, api: Any, container_id: str, *, is_local: bool) -> None:
        self.api = api
        self.container_id = container_id
        self.is_local = is_local
        self._master = -1
        self._process: subprocess.Popen[bytes] | None = None
        self._wake_r, self._wake_w = -1, -1
        self._closed = threading.Event()
        self._lock = threading.Lock()

    def open(self, columns: int, lines: int) -> None:
        import pty

        state = self.api.inspect_container(self.container_id).get("State") or {}
        running = bool(state.get("Running"))
        problem = nsenter_problem(is_local=self.is_local, running=running)
        if problem:
            raise ChannelError(problem)
        pid = int(state.get("Pid") or 0)
        if pid <= 0:
            raise ChannelError("the daemon reports no process id for the container")
        master, slave = pty.openpty()
        self._set_size(master, columns, lines)
        env = {**os.environ, "TERM": "xterm-256color"}
        try:
            self._process = subprocess.Popen(
                nsenter_command(pid),
                stdin=slave,
                stdout=slave,
                stderr=slave,
                env=env,
                start_new_session=True,
                close_fds=True,
            )
        except OSError as exc:
            os.close(master)
            raise ChannelError(f"cannot start nsenter: {exc.strerror or exc}") from exc
        finally:
            os.close(slave)
        self._master = master
        self._wake_r, self._wake_w = os.pipe()

    @staticmethod
    def _set_size(fd: int, columns: int, lines: int) -> None:
        fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", max(1, lines), max(1, columns), 0, 0))

    def recv(self) -> bytes:
        while not self._closed.is_set():
            ready, _, _ = select.select([self._master, self._wake_r], [], [])
            if self._wake_r in ready:
                return b""
            try:
                return os.read(self._master, READ_SIZE)
            except OSError as exc:
                # EIO: every slave fd is closed, the shell is gone.
                if exc.errno in (errno.EIO, errno.EBADF):
                    return b""
                raise
        return b""

    def send(self, data: bytes) -> None:
        view = memoryview(data)
        while view and not self._closed.is_set():
            written = os.write(self._master, view)
            view = view[written:]

    def resize(self, columns: int, lines: int) -> None:
        with self._lock:
            if self._master >= 0 and not self._closed.is_set():
                self._set_size(self._master, columns, lines)

    def close(self) -> None:
        with self._lock:
            if self._closed.is_set():
                return
            self._closed.set()
            if self._wake_w >= 0:
                os.write(self._wake_w, b"x")
        process = self._process
        if process is not None and process.poll() is None:
            # Hang up the shell's session, as closing a terminal window does.
            try:
                os.killpg(process.pid, signal.SIGHUP)
            except OSError:
                pass
            try:
                process.wait(timeout=1)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=1)

    def release(self) -> None:
        """Close the descriptors once the reader thread has stopped using them."""
        for fd in (self._master, self._wake_r, self._wake_w):
            if fd >= 0:
                try:
                    os.close(fd)
                except OSError:
                    pass
        self._master = self._wake_r = self._wake_w = -1

    def finished(self, detach_typed: bool) -> SessionEnd:
        process = self._process
        if process is None:
            return SessionEnd("exited")
        try:
            code = process.wait(timeout=EXIT_WAIT)
        except subprocess.TimeoutExpired:
            return SessionEnd("detached", detail="the shell did not exit")
        return SessionEnd("exited", code)


#: Output sink: feeds the terminal and returns bytes to write back (replies).
OutputSink = Callable[[bytes], bytes]


class TerminalSession:
    """Runs a channel: a reader thread for output and a writer thread for input.

    `on_end` is called once, from the reader thread, with how the session
    ended; `close` (from the UI) stops both threads and joins them.
    """

    def __init__(
        self,
        channel: TerminalChannel,
        sink: OutputSink,
        on_end: Callable[[SessionEnd], None],
        *,
        detach_sequence: bytes = b"",
        daemon_detaches: bool = False,
        on_drained: Callable[[], None] | None = None,
    ) -> None:
        self.channel = channel
        self._sink = sink
        self._on_end = on_end
        #: Called from the reader thread once the output has ended and all
        #: of it went to the sink, before waiting for the exit code.
        self._on_drained = on_drained
        self._detach = detach_sequence
        self._daemon_detaches = daemon_detaches
        self._typed_tail = b""
        self.detach_typed = False
        self._closing = threading.Event()
        self._close_started = threading.Event()
        self._fully_closed = threading.Event()
        self._outbox: queue.Queue[tuple[str, Any]] = queue.Queue()
        self._reader: threading.Thread | None = None
        self._writer: threading.Thread | None = None
        self._ended = False
        self._end_lock = threading.Lock()
        self.bytes_read = 0

    def start(self) -> None:
        self._reader = threading.Thread(target=self._read_loop, name="terminal-reader", daemon=True)
        self._writer = threading.Thread(target=self._write_loop, name="terminal-writer", daemon=True)
        self._writer.start()
        self._reader.start()

    # -- from the UI -------------------------------------------------------

    def send(self, data: bytes) -> None:
        """Queue typed bytes (never blocks)."""
        if not data or self._close_started.is_set():
            return
        if self._daemon_detaches and self._detach:
            # The daemon acts on the sequence; noticing it here lets the
            # view leave at once instead of draining a flood first.
            tail = self._typed_tail + data
            if self._detach in tail:
                self.detach_typed = True
            self._typed_tail = tail[-(len(self._detach) - 1) :] if len(self._detach) > 1 else b""
        self._outbox.put(("data", data))

    def resize(self, columns: int, lines: int) -> None:
        self._outbox.put(("resize", (columns, lines)))

    def close(self) -> None:
        """End the session without blocking the caller.

        A closer thread lets the writer send what was already typed (the
        detach keys, say), then closes the connection, which wakes the reader,
        and joins both threads; `wait_closed` waits for all of that.
        """
        if self._close_started.is_set():
            return
        self._close_started.set()
        self._outbox.put(("stop", None))
        closer = threading.Thread(target=self._shut_down, name="terminal-close", daemon=True)
        closer.start()

    def _shut_down(self) -> None:
        try:
            if self._writer is not None:
                self._writer.join(1.0)
            self._closing.set()
            self.channel.close()
            for thread in (self._reader, self._writer):
                if thread is not None:
                    thread.join(2.0)
            release = getattr(self.channel, "release", None)
            if release is not None and not (self._reader is not None and self._reader.is_alive()):
                release()
        finally:
            self._fully_closed.set()

    def wait_closed(self, timeout: float | None = None) -> bool:
        """Block until `close` has closed the connection and joined the threads."""
        return self._fully_closed.wait(timeout)

    @property
    def alive(self) -> bool:
        return self._reader is not None and self._reader.is_alive()

    # -- threads -------------------------------------------------------------

    def _write_loop(self) -> None:
        channel = self.channel
        while True:
            kind, value = self._outbox.get()
            if kind == "stop":
                return
            try:
                if kind == "data":
                    # Coalesce what queued up meanwhile (a paste, fast typing).
                    chunks = [value]
                    while True:
                        try:
                            kind2, value2 = self._outbox.get_nowait()
                        except queue.Empty:
                            break
                        if kind2 != "data":
                            self._outbox.put((kind2, value2))
                            break
                        chunks.append(value2)
                    channel.send(b"".join(chunks))
                elif kind == "resize":
                    # Only the latest of a burst of resizes matters.
                    channel.resize(*value)
            except Exception:  # noqa: BLE001 - a broken connection shows up in the reader
                if self._closing.is_set():
                    return

    def _read_loop(self) -> None:
        channel = self.channel
        sink = self._sink
        end: SessionEnd
        # Bytes and start of the current measuring window, for the flood rate.
        window_bytes, window_start = 0, time.monotonic()
        flooding = False
        pauses = channel.pauses_in_floods
        try:
            while True:
                data = channel.recv()
                if not data:
                    break
                if self.detach_typed or self._close_started.is_set():
                    # Leaving: the rest of a flood is never drawn.
                    continue
                replies = sink(data)
                # Counted once consumed: the bench times echoes by it.
                self.bytes_read += len(data)
                if replies and channel.interactive:
                    self._outbox.put(("data", replies))
                window_bytes += len(data)
                now = time.monotonic()
                if pauses and now - window_start >= 0.02:
                    flooding = window_bytes > FLOOD_RATE * (now - window_start)
                    window_bytes, window_start = 0, now
                if flooding and len(data) < FLOOD_BATCH:
                    # Only while the reads come back small (we are ahead of
                    # the stream): a big one means the output is waiting for
                    # us already. A keystroke's echo never gets here: typing
                    # is far below the flood rate.
                    time.sleep(FLOOD_PAUSE)
            if self._close_started.is_set():
                end = SessionEnd("closed")
            else:
                if self._on_drained is not None:
                    self._on_drained()
                end = channel.finished(self.detach_typed)
        except Exception as exc:  # noqa: BLE001 - shown to the user, never a traceback
            if self._close_started.is_set():
                end = SessionEnd("closed")
            elif is_connection_problem(exc):
                end = SessionEnd("lost", detail=f"lost the daemon: {describe_cause(exc)}")
            else:
                end = SessionEnd("lost", detail=describe_error(exc))
        self._finish(end)

    def _finish(self, end: SessionEnd) -> None:
        with self._end_lock:
            if self._ended:
                return
            self._ended = True
        try:
            self._on_end(end)
        except Exception:  # noqa: BLE001 - the view may already be gone
            pass


def open_channel(channel: TerminalChannel, columns: int, lines: int) -> TerminalChannel:
    """Connect a channel, turning docker-py failures into a ChannelError for the user."""
    try:
        channel.open(columns, lines)
    except ChannelError:
        raise
    except Exception as exc:  # noqa: BLE001 - every failure becomes one readable message
        channel.close()
        raise ChannelError(describe_error(exc)) from exc
    return channel


def describe_detach_keys(spec: str) -> str:
    """'ctrl-p,ctrl-q' -> 'Ctrl+P Ctrl+Q', as the status line shows it."""
    names = []
    for item in spec.split(","):
        if item.startswith("ctrl-") and len(item) > 5:
            names.append("Ctrl+" + item[5:].upper())
        else:
            names.append(item)
    return " ".join(names)


def shell_label(command: Sequence[str]) -> str:
    return " ".join(command)
