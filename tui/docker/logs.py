"""Container logs: the daemon's stream parsed into lines, followed in threads.

:class:`LogStreamParser` is pure (bytes in, :class:`LogLine` out) so every odd
split of the stream can be tested without a daemon. :class:`LogFollower` opens
``GET /containers/{id}/logs`` itself rather than through ``APIClient.logs``,
because docker-py's stream drops the stdout/stderr tag of each frame, and it
needs the socket to close it from another thread when the view goes away.

Timestamps are always requested: the parser splits them off each line so the
view toggles them without fetching the log again.
"""

from __future__ import annotations

import re
import socket
import struct
import sys
import threading
import time
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from tui.docker.ansi import display_cut, sanitize, strip_ansi
from tui.docker.errors import describe_error, is_connection_problem, is_not_found
from tui.docker.logspool import STDERR, STDOUT, TIMESTAMP_TEXT, LogFilter, LogLine, LogSpool, RawLines, compile_pattern

if TYPE_CHECKING:
    from docker import APIClient

__all__ = [
    "DEFAULT_TAIL",
    "STDERR",
    "STDOUT",
    "LogFilter",
    "LogFollower",
    "LogLine",
    "LogSpool",
    "LogStreamParser",
    "RawLines",
    "compile_pattern",
    "display_cut",
    "log_params",
    "sanitize",
    "strip_ansi",
]

#: Lines fetched when a log view opens: enough context, instant to fetch.
DEFAULT_TAIL = 5000
#: A line longer than this (no newline in 1 MiB) is stored in pieces, so a
#: container writing binary junk cannot grow one line without bound.
MAX_LINE_BYTES = 1024 * 1024
_READ_SIZE = 256 * 1024
_HEADER = struct.Struct(">BxxxL")
_HEADER_SIZE = _HEADER.size
# A message's leading timestamp and its separating space (bytes, per message).
_TIMESTAMP_RE = re.compile(TIMESTAMP_TEXT.encode() + rb" ?")

REASON_REMOVED = "container removed"
#: While a log is read the interpreter offers the GIL to a waiting thread
#: after this long (its default is 5 ms). A reader woken by the daemon must
#: get it before the socket fills (about 5 ms into a flood, see
#: :class:`_GatheringSocket`), even while the UI thread draws a frame; with
#: the default, a flood was read at about two thirds of the CLI's rate.
READING_SWITCH_INTERVAL = 0.001

_switch_lock = threading.Lock()
_switch_readers = 0
_switch_saved: float | None = None


def _reading_started() -> None:
    global _switch_readers, _switch_saved
    with _switch_lock:
        if _switch_readers == 0 and sys.getswitchinterval() > READING_SWITCH_INTERVAL:
            _switch_saved = sys.getswitchinterval()
            sys.setswitchinterval(READING_SWITCH_INTERVAL)
        _switch_readers += 1


def _reading_ended() -> None:
    global _switch_readers, _switch_saved
    with _switch_lock:
        _switch_readers -= 1
        # Given back unless someone else has changed it meanwhile.
        if _switch_readers == 0 and _switch_saved is not None and sys.getswitchinterval() == READING_SWITCH_INTERVAL:
            sys.setswitchinterval(_switch_saved)
            _switch_saved = None


class LogStreamParser:
    """Turn the bytes of a logs response into lines, however they are split.

    Non-TTY containers send frames (8-byte header: stream 1 stdout / 2 stderr,
    three zero bytes, big-endian payload length); each frame is one message
    of the log driver. A line longer than the driver's 16 KiB message arrives
    as several messages, each with its own timestamp: the parser joins them
    and keeps the first timestamp. stdout and stderr partial lines are kept
    apart. TTY containers send raw bytes (all stdout, ``\\r\\n`` line ends).

    Work is done per read, not per line: the messages of a read that hold
    whole lines are gathered per stream as they are (timestamps in front,
    not decoded) for :meth:`LogSpool.extend_raw`; decoding and neutralising
    escape sequences wait until a line is read back. Only a line split
    across messages (or reads) goes through the slow path that joins it.

    Known limit: on a TTY container the driver's split of a long line cannot
    be seen, so the later timestamps stay inside the joined line's text.
    """

    def __init__(self, *, tty: bool, container: str = "", timestamps: bool = True) -> None:
        self.tty = tty
        self.container = container
        self.timestamps = timestamps
        self._buffer = b""
        self._partial: dict[int, bytes] = {}

    def feed(self, data: bytes) -> list[LogLine]:
        """Parse *data*; return the lines it completes, decoded and sanitized."""
        return _lines_of(self.feed_raw(data))

    def finish(self) -> list[LogLine]:
        """The stream ended: return lines left without a final newline."""
        return _lines_of(self.finish_raw())

    def feed_raw(self, data: bytes) -> list[RawLines]:
        """Parse *data*; return the lines it completes, in runs by stream."""
        runs: list[tuple[int, list[bytes]]] = []
        if self.tty:
            self._payload(STDOUT, bytes(data), runs, message=False)
            return self._raw(runs)
        buffer = self._buffer + data if self._buffer else bytes(data)
        size = len(buffer)
        position = 0
        unpack = _HEADER.unpack_from
        partial = self._partial
        run_stream = 0
        run: list[bytes] = []
        while size - position >= _HEADER_SIZE:
            stream, length = unpack(buffer, position)
            end = position + _HEADER_SIZE + length
            if end > size:
                break
            payload = buffer[position + _HEADER_SIZE : end]
            position = end
            stream = STDERR if stream == STDERR else STDOUT
            if stream not in partial and payload[-1:] == b"\n":
                # The common case: a message holding whole lines.
                if stream != run_stream:
                    run = []
                    runs.append((stream, run))
                    run_stream = stream
                run.append(payload)
            else:
                self._payload(stream, payload, runs, message=True)
                run_stream = 0
        self._buffer = buffer[position:]
        return self._raw(runs)

    def finish_raw(self) -> list[RawLines]:
        runs = [
            (stream, [pending + b"\n"])
            for stream, pending in sorted(self._partial.items())
            # A stamp with nothing after it is an empty message, not a line.
            if pending and not (self.timestamps and _TIMESTAMP_RE.fullmatch(pending))
        ]
        self._partial.clear()
        self._buffer = b""
        return self._raw(runs)

    def _payload(self, stream: int, payload: bytes, runs: list[tuple[int, list[bytes]]], *, message: bool) -> None:
        """Join *payload* to its stream's partial line; queue what completes."""
        pending = self._partial.pop(stream, b"")
        if pending:
            if message and self.timestamps:
                # A message continuing a line: drop its own timestamp.
                match = _TIMESTAMP_RE.match(payload)
                if match is not None:
                    payload = payload[match.end() :]
            payload = pending + payload
        cut = payload.rfind(b"\n") + 1
        rest = payload[cut:]
        complete = payload[:cut]
        if len(rest) > MAX_LINE_BYTES:
            complete += rest + b"\n"
            rest = b""
        if rest:
            self._partial[stream] = rest
        if complete:
            runs.append((stream, [complete]))

    def _raw(self, runs: list[tuple[int, list[bytes]]]) -> list[RawLines]:
        return [RawLines(stream, parts, self.timestamps, self.container) for stream, parts in runs]


def _lines_of(batches: list[RawLines]) -> list[LogLine]:
    return [line for batch in batches for line in batch.lines()]


def log_params(
    *,
    follow: bool = True,
    tail: int | str = DEFAULT_TAIL,
    since: float | datetime | None = None,
) -> dict[str, Any]:
    """Query parameters for ``/containers/{id}/logs`` (timestamps always on).

    *tail* is a line count or ``"all"``; *since* is unix seconds or a
    datetime (naive means local time).
    """
    if tail != "all" and not (isinstance(tail, int) and tail >= 0):
        raise ValueError(f"tail must be a line count or 'all', not {tail!r}")
    params: dict[str, Any] = {
        "stdout": 1,
        "stderr": 1,
        "timestamps": 1,
        "follow": 1 if follow else 0,
        "tail": str(tail),
    }
    if since is not None:
        seconds = since.timestamp() if isinstance(since, datetime) else float(since)
        if seconds < 0:
            raise ValueError(f"since must not be negative, not {since!r}")
        # The daemon reads "seconds.nanoseconds".
        params["since"] = f"{seconds:.9f}"
    return params


class _ChunkedBody:
    """HTTP/1.1 chunked decoding that takes many chunks per socket read.

    The daemon flushes every log message as its own chunk; reading through
    urllib3 costs several microseconds of Python per chunk, which capped a
    follow at a fraction of what the daemon sends. This reads whatever the
    socket has and unwraps all the chunks in it at once.
    """

    def __init__(self, reader: Any) -> None:
        self._reader = reader
        self._buffer = b""
        self._left = 0  # bytes of the current chunk still to come
        self._skip = 0  # bytes of the CRLF after a chunk still to come
        self.done = False

    def read(self, size: int) -> bytes:
        """Body bytes, blocking until some arrive; b"" at the end."""
        while not self.done:
            data = self._reader.read1(size)
            if not data:
                return b""
            body = self._decode(data)
            if body:
                return body
        return b""

    def _decode(self, data: bytes) -> bytes:
        buffer = self._buffer + data if self._buffer else data
        size = len(buffer)
        position = 0
        out: list[bytes] = []
        if self._left or self._skip:
            # The rest of a chunk begun in an earlier read.
            take = min(self._left, size)
            if take:
                out.append(buffer[:take])
            self._left -= take
            skip = min(self._skip if not self._left else 0, size - take)
            self._skip -= skip
            position = take + skip
            if self._left or self._skip:
                self._buffer = b""
                return out[0] if out else b""
        find = buffer.find
        while True:
            line_end = find(b"\r\n", position)
            if line_end == -1:
                break
            try:
                length = int(buffer[position:line_end], 16)
            except ValueError:  # a chunk extension: "1f;name=value"
                length = int(buffer[position:line_end].split(b";", 1)[0], 16)
            if length == 0:
                self.done = True
                position = line_end + 2
                break
            start = line_end + 2
            end = start + length
            if end + 2 <= size:
                # The common case: the whole chunk and its CRLF are here.
                out.append(buffer[start:end])
                position = end + 2
                continue
            out.append(buffer[start:end])
            self._left = max(0, end - size)
            self._skip = 2 - max(0, size - end)
            position = size
            break
        self._buffer = buffer[position:] if position < size else b""
        return out[0] if len(out) == 1 else b"".join(out)


class _PlainBody:
    """A body without chunked encoding (a proxy may send one): read as it comes."""

    def __init__(self, response: Any) -> None:
        self._response = response
        self.done = False

    def read(self, size: int) -> bytes:
        data = self._response.raw.read1(size)
        if not data:
            self.done = True
        return data


class _GatheringSocket:
    """``read1`` straight from a local unix socket, letting the kernel gather
    a flood into reads of a few KiB.

    The daemon writes every log message with its own system call, and a unix
    socket holds only about 260 small messages before the daemon's write
    blocks (the kernel counts ~800 bytes of overhead per message against a
    208 KiB budget). Reading each message as it comes wakes this thread
    (and asks for the GIL) tens of thousands of times a second during a
    flood. With ``SO_RCVLOWAT`` a read returns once *GATHER_BYTES* are there
    -- well under what the socket holds, so the daemon never waits on us --
    or after *GATHER_SECONDS*; after a read that found nothing the socket
    goes back to waking on the first byte, so a quiet log costs nothing and
    its next line shows at once.
    """

    GATHER_BYTES = 2048
    GATHER_SECONDS = 0.002

    def __init__(self, sock: socket.socket, buffered: bytes) -> None:
        self._sock = sock
        self._pending = buffered
        self._buffer = bytearray(_READ_SIZE)
        self._view = memoryview(self._buffer)
        self._gathering = False

    @classmethod
    def wrap(cls, reader: Any) -> _GatheringSocket | None:
        """Read *reader*'s socket directly, after what it has buffered; None
        for anything but a blocking unix socket on Linux."""
        raw = getattr(reader, "raw", None)
        sock = getattr(raw, "_sock", None)
        if not (sys.platform.startswith("linux") and type(sock) is socket.socket and sock.family == socket.AF_UNIX):
            return None
        if sock.gettimeout() is not None:
            return None
        try:
            # What the HTTP layer read past the headers, without waiting for more.
            sock.setblocking(False)
            try:
                buffered = reader.read1(_READ_SIZE)
            finally:
                sock.setblocking(True)
        except OSError:
            return None
        return cls(sock, buffered or b"")

    def _gather(self, on: bool) -> None:
        self._gathering = on
        seconds = self.GATHER_SECONDS if on else 0
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVLOWAT, self.GATHER_BYTES if on else 1)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVTIMEO, struct.pack("ll", 0, int(seconds * 1e6)))

    def read1(self, size: int) -> bytes:
        """Bytes as they come (at least one), b"" at the end of the stream."""
        if self._pending:
            data, self._pending = self._pending, b""
            return data
        size = min(size, len(self._buffer))
        while True:
            try:
                count = self._sock.recv_into(self._view, size)
            except BlockingIOError:
                # Nothing for GATHER_SECONDS: the flood is over.
                self._gather(False)
                continue
            if count and not self._gathering:
                self._gather(True)
            return bytes(self._view[:count])


def _body_reader(response: Any) -> _ChunkedBody | _PlainBody:
    """The response body, read as data arrives, with whether it ended cleanly."""
    http_response = getattr(response.raw, "_fp", None)
    reader = getattr(http_response, "fp", None)
    if getattr(http_response, "chunked", False) and hasattr(reader, "read1"):
        return _ChunkedBody(_GatheringSocket.wrap(reader) or reader)
    return _PlainBody(response)


def _shutdown_socket(api: APIClient, response: Any) -> None:
    """Make a read blocked on *response* return at once, from any thread."""
    # shutdown() wakes a blocked recv(); close() alone may not, on Linux.
    try:
        sock = api._get_raw_response_socket(response)
        sock = getattr(sock, "_sock", sock)
        sock.shutdown(socket.SHUT_RDWR)
    except Exception:  # noqa: BLE001 - a transport without shutdown (npipe)
        try:
            response.close()
        except Exception:  # noqa: BLE001
            pass


class LogFollower:
    """Stream one or more containers' logs into a :class:`LogSpool`.

    One reader thread per container appends lines to the spool; a notifier
    thread calls ``on_lines(new_count)`` at most every *notify_interval*
    seconds while lines arrive, and ``on_end(reason)`` once when every stream
    has ended. Both callbacks run in the notifier thread: a Textual caller
    hands them to the app with ``call_from_thread`` or ``post_message``.

    Reasons: ``"container removed"``, ``"container exited with code N"``,
    ``"end of log"`` (not following, or the daemon closed a running stream),
    ``"log stream interrupted"`` (the connection broke but the daemon answers),
    or the error, e.g. ``"lost the daemon: connection refused ..."``. With
    several containers the reason is each ``name: reason`` joined by ``; ``
    unless all agree; :attr:`end_reasons` has them per container.

    Every line is tagged with its container's name. ``stop()`` ends the
    streams promptly and suppresses ``on_end`` (the caller asked).
    """

    def __init__(
        self,
        api: APIClient,
        containers: str | Sequence[str],
        *,
        spool: LogSpool | None = None,
        tail: int | str = DEFAULT_TAIL,
        since: float | datetime | None = None,
        follow: bool = True,
        on_lines: Callable[[int], None] | None = None,
        on_end: Callable[[str], None] | None = None,
        notify_interval: float = 0.05,
    ) -> None:
        self.api = api
        self.containers = [containers] if isinstance(containers, str) else list(containers)
        if not self.containers:
            raise ValueError("no container to follow")
        self.params = log_params(follow=follow, tail=tail, since=since)
        self._own_spool = spool is None
        self.spool = LogSpool() if spool is None else spool
        self.on_lines = on_lines
        self.on_end = on_end
        self.notify_interval = notify_interval
        self.end_reasons: dict[str, str] = {}
        self.end_reason: str | None = None
        self._lock = threading.Lock()
        self._wake = threading.Condition(self._lock)
        self._responses: set[Any] = set()
        self._unnotified = 0
        self._running = 0
        self._stopping = False
        self._stopped = threading.Event()
        self._ended = threading.Event()
        self._threads: list[threading.Thread] = []

    # -- control ---------------------------------------------------------

    def start(self) -> LogFollower:
        if self._threads:
            raise RuntimeError("log follower already started")
        self._running = len(self.containers)
        for ref in self.containers:
            thread = threading.Thread(target=self._read, args=(ref,), name=f"dtui-logs-{ref[:12]}", daemon=True)
            self._threads.append(thread)
        notifier = threading.Thread(target=self._notify_loop, name="dtui-logs-notify", daemon=True)
        self._threads.append(notifier)
        for thread in self._threads:
            thread.start()
        return self

    def stop(self, timeout: float = 1.0) -> bool:
        """Close every stream and join the threads; True when all ended in time.

        Safe from any thread, and more than once.
        """
        with self._lock:
            self._stopping = True
            responses = list(self._responses)
            self._wake.notify_all()
        self._stopped.set()
        for response in responses:
            _shutdown_socket(self.api, response)
        deadline = time.monotonic() + timeout
        current = threading.current_thread()
        for thread in self._threads:
            if thread is not current:
                thread.join(max(0.0, deadline - time.monotonic()))
        return not any(thread.is_alive() for thread in self._threads if thread is not current)

    def close(self) -> None:
        """Stop, and close the spool if this follower made it."""
        self.stop()
        if self._own_spool:
            self.spool.close()

    @property
    def ended(self) -> bool:
        return self._ended.is_set()

    def wait(self, timeout: float | None = None) -> bool:
        """Block until every stream has ended; True if it did in time."""
        return self._ended.wait(timeout)

    # -- threads ---------------------------------------------------------

    def _read(self, ref: str) -> None:
        name = ref
        response = None
        reason = "stopped"
        _reading_started()
        try:
            info = self.api.inspect_container(ref)
            name = info.get("Name", "").lstrip("/") or ref
            tty = bool(info.get("Config", {}).get("Tty"))
            parser = LogStreamParser(tty=tty, container=name)
            response = self.api._get(self.api._url("/containers/{0}/logs", ref), params=self.params, stream=True)
            self.api._raise_for_status(response)
            with self._lock:
                if self._stopping:
                    return
                self._responses.add(response)
            # The client's call timeout must not end a quiet follow.
            self.api._disable_socket_timeout(self.api._get_raw_response_socket(response))
            body = _body_reader(response)
            while not self._stopping:
                data = body.read(_READ_SIZE)
                if not data:
                    break
                self._publish(parser.feed_raw(data))
            self._publish(parser.finish_raw())
            if not self._stopping:
                reason = self._why_ended(ref, broken=not body.done)
        except Exception as exc:  # noqa: BLE001 - every failure becomes the end reason
            if not self._stopping:
                reason = self._describe_failure(exc)
        finally:
            _reading_ended()
            if response is not None:
                with self._lock:
                    self._responses.discard(response)
                response.close()
            self._reader_done(name, reason)

    def _publish(self, batches: list[RawLines]) -> None:
        if not batches:
            return
        stored = 0
        try:
            for batch in batches:
                stored += self.spool.extend_raw(batch)
        except ValueError:
            # The spool was closed under us: the view is gone.
            self._stopping = True
            return
        with self._lock:
            self._unnotified += stored
            self._wake.notify()

    def _why_ended(self, ref: str, *, broken: bool) -> str:
        """Ask the daemon why the stream ended; *broken* means it stopped
        without the end-of-body mark, as when the daemon is killed."""
        try:
            state = self.api.inspect_container(ref).get("State", {})
        except Exception as exc:  # noqa: BLE001
            return self._describe_failure(exc)
        if state.get("Status") in ("removing", "dead"):
            return REASON_REMOVED
        if not state.get("Running"):
            return f"container exited with code {state.get('ExitCode', '?')}"
        return "log stream interrupted" if broken else "end of log"

    @staticmethod
    def _describe_failure(exc: BaseException) -> str:
        if is_not_found(exc):
            return REASON_REMOVED
        if is_connection_problem(exc):
            return f"lost the daemon: {describe_error(exc)}"
        return describe_error(exc)

    def _reader_done(self, name: str, reason: str) -> None:
        with self._lock:
            self.end_reasons[name] = reason
            self._running -= 1
            self._wake.notify()

    def _notify_loop(self) -> None:
        while True:
            with self._lock:
                while not self._unnotified and self._running and not self._stopping:
                    self._wake.wait()
                count, self._unnotified = self._unnotified, 0
                done = self._running == 0
                stopping = self._stopping
            if stopping:
                break
            if count and self.on_lines is not None and not self._call(self.on_lines, count):
                break
            if done:
                self.end_reason = self._combined_reason()
                self._ended.set()
                if self.on_end is not None:
                    self._call(self.on_end, self.end_reason)
                return
            # At most one notification per interval; stop() cuts the wait short.
            self._stopped.wait(self.notify_interval)
        if not self._ended.is_set():
            self.end_reason = "stopped"
            self._ended.set()

    def _call(self, callback: Callable[[Any], None], argument: Any) -> bool:
        """Run a callback; one that fails means its consumer is gone
        (e.g. the app closed), so the streams are stopped, not left running."""
        try:
            callback(argument)
        except Exception:  # noqa: BLE001
            threading.Thread(target=self.stop, name="dtui-logs-stop", daemon=True).start()
            return False
        return True

    def _combined_reason(self) -> str:
        reasons = set(self.end_reasons.values())
        if len(reasons) == 1:
            return reasons.pop()
        return "; ".join(f"{name}: {reason}" for name, reason in self.end_reasons.items())
