"""Every line of a log session, on disk, with only an index in memory.

A follow session can run for days against a chatty container, and the user
must still be able to scroll back to its first line, search it and save it.
:class:`LogSpool` writes line text to an anonymous temporary file (gone when
closed, or when the process dies) and keeps in memory only what it takes to
find a line again: its byte offset (8 bytes) and a 2-byte flags word (stream
and container), about 10 bytes a line. Timestamps live in a second file as
fixed-width records, so line ``i``'s timestamp is at ``i * TIMESTAMP_WIDTH``.

Text is stored as the daemon sent it: UTF-8 bytes, neither decoded nor
sanitized. Storing a follow's run of lines is a few joins and an index of
offsets built in C, with no work per line in Python; decoding and
neutralising escape sequences (:mod:`tui.docker.ansi`) happen when lines are
read back, a block at a time: for the screen (only the lines shown), and for
search, filter and save (big blocks, one regex pass each, never line by line
through :meth:`LogSpool.get`).
"""

from __future__ import annotations

import bisect
import os
import re
import tempfile
import threading
from array import array
from collections import OrderedDict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import accumulate, islice, repeat
from operator import itemgetter

from tui.docker.ansi import plain_bytes, sanitize_bytes, strip_ansi

STDOUT = 1
STDERR = 2

#: RFC3339Nano as the daemon writes it (the fraction may be short or absent).
TIMESTAMP_TEXT = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d)"
#: Room for RFC3339Nano with a numeric offset: 2006-01-02T15:04:05.000000000+07:00
TIMESTAMP_WIDTH = 35
# Every line of a run at once: (timestamp or b"", text). A line of a stamped
# stream whose message came without a stamp is all text.
_STAMPED_LINE_RE = re.compile(rb"(?:(" + TIMESTAMP_TEXT.encode() + rb") ?)?(.*)\n")
# The daemon's own form, always UTC with nine digits, and its space: a run of
# messages all starting so is split by slicing, checked in one translate.
_DAEMON_STAMP_SHAPE = b"9999-99-99T99:99:99.999999999Z "
_DIGITS_TO_9 = bytes.maketrans(b"0123456789", b"9999999999")
_DAEMON_STAMP = itemgetter(slice(0, len(_DAEMON_STAMP_SHAPE)))
_AFTER_DAEMON_STAMP = itemgetter(slice(len(_DAEMON_STAMP_SHAPE), None))
_DAEMON_STAMP_PADDING = b" " * (TIMESTAMP_WIDTH - len(_DAEMON_STAMP_SHAPE) + 1)

# Appends are gathered in memory and written in one system call per this many
# bytes (or sooner, when a reader asks for a line not yet written).
_WRITE_BUFFER_BYTES = 256 * 1024
# Lines are read into the cache in aligned blocks, so scrolling either way
# costs one read per block.
_CACHE_BLOCK = 64
# Search reads small blocks first (a match near the cursor comes back at once)
# and doubles up to the largest block for long scans.
_SEARCH_FIRST_BYTES = 64 * 1024
_SEARCH_MAX_BYTES = 8 * 1024 * 1024
# Flags word: bit 0 is the stream, the rest the container's number.
_STDERR_BIT = 1
_MAX_CONTAINERS = 1 << 15


@dataclass(frozen=True, slots=True)
class LogLine:
    """One line of a container's log.

    ``text`` is sanitized: SGR colour sequences kept, every other control
    neutralised, no newline. ``timestamp`` is the daemon's RFC3339Nano string
    ("" when there is none). ``container`` names the container in merged views.
    """

    text: str
    stream: int = STDOUT
    timestamp: str = ""
    container: str = ""

    @property
    def is_stderr(self) -> bool:
        return self.stream == STDERR

    @property
    def plain(self) -> str:
        """The text without colours, as search and save see it."""
        return strip_ansi(self.text)


@dataclass(frozen=True, slots=True)
class RawLines:
    """Consecutive lines of one stream of one container as the daemon sent
    them, as a parser yields them: stored in one go, not decoded.

    Each part holds whole lines (UTF-8 bytes, unsanitized), each ended by
    ``b"\\n"``; the common case is one message of the daemon, one line. With
    ``stamped`` each line starts with its timestamp and a space (a line
    without one is taken as all text).
    """

    stream: int
    parts: Sequence[bytes]
    stamped: bool = True
    container: str = ""

    def lines(self) -> list[LogLine]:
        """The lines decoded and sanitized, as the spool gives them back."""
        data, _sizes, count, records = split_run(self.parts, self.stamped)
        texts = sanitize_bytes(data[:-1]).split("\n") if count else []
        stamps = _stamps_of(records)
        return [LogLine(text, self.stream, stamp, self.container) for text, stamp in zip(texts, stamps)]


def split_run(parts: Sequence[bytes], stamped: bool) -> tuple[bytes, Iterable[int], int, bytes]:
    """A parser's run of lines -> (text, each line's size, count, timestamp records).

    The text is the lines without their timestamps, each ended by a newline;
    the records are TIMESTAMP_WIDTH bytes a line, blank where there is none.
    """
    data = parts[0] if len(parts) == 1 else b"".join(parts)
    if not data.endswith(b"\n"):
        data += b"\n"
    count = len(parts)
    if stamped and count and data.count(b"\n") == count:
        # The common case: one message a line, each with the daemon's stamp.
        heads = b"".join(map(_DAEMON_STAMP, parts))
        if heads.translate(_DIGITS_TO_9) == _DAEMON_STAMP_SHAPE * count:
            texts = list(map(_AFTER_DAEMON_STAMP, parts))
            records = heads.replace(b"Z ", b"Z" + _DAEMON_STAMP_PADDING)
            return b"".join(texts), map(len, texts), count, records
    if stamped:
        stamps, texts = zip(*_STAMPED_LINE_RE.findall(data))
        count = len(texts)
        widths = set(map(len, stamps))
        if len(widths) == 1 and max(widths) <= TIMESTAMP_WIDTH:
            padding = b" " * (TIMESTAMP_WIDTH - max(widths))
            records = padding.join(stamps) + padding
        else:
            records = b"".join(stamp[:TIMESTAMP_WIDTH].ljust(TIMESTAMP_WIDTH) for stamp in stamps)
        return b"\n".join(texts) + b"\n", map((1).__add__, map(len, texts)), count, records
    count = data.count(b"\n")
    sizes = map(len, parts) if count == len(parts) else map((1).__add__, map(len, data[:-1].split(b"\n")))
    return data, sizes, count, b" " * (TIMESTAMP_WIDTH * count)


def _stamps_of(records: bytes) -> list[str]:
    text = records.decode("ascii", "replace")
    return [text[i : i + TIMESTAMP_WIDTH].rstrip() for i in range(0, len(text), TIMESTAMP_WIDTH)]


def compile_pattern(pattern: str, *, regex: bool = False, ignore_case: bool = False) -> re.Pattern[str]:
    """The pattern search and filter use; raises ``re.error`` for a bad regex.

    ``^`` and ``$`` match at each line's start and end.
    """
    flags = re.MULTILINE | (re.IGNORECASE if ignore_case else 0)
    return re.compile(pattern if regex else re.escape(pattern), flags)


def _pwrite_all(fd: int, data: bytes | bytearray, offset: int) -> None:
    view = memoryview(data)
    while view:
        written = os.pwrite(fd, view, offset)
        view = view[written:]
        offset += written


def _pread_all(fd: int, size: int, offset: int) -> bytes:
    data = os.pread(fd, size, offset)
    if len(data) == size:
        return data
    parts = [data]
    got = len(data)
    while got < size:
        more = os.pread(fd, size - got, offset + got)
        if not more:
            break
        parts.append(more)
        got += len(more)
    return b"".join(parts)


class LogSpool:
    """Append-only, disk-backed store of log lines; thread-safe.

    One thread appends (the stream reader) while others read, search, filter
    and save. Indices are stable: line ``i`` never changes once appended.
    """

    def __init__(
        self,
        directory: str | os.PathLike[str] | None = None,
        *,
        cache_lines: int = 4096,
        cache_chars: int = 16 * 1024 * 1024,
    ) -> None:
        self._text_file = tempfile.TemporaryFile(prefix="dtui-log-", dir=directory, buffering=0)
        self._ts_file = tempfile.TemporaryFile(prefix="dtui-logts-", dir=directory, buffering=0)
        self._text_fd = self._text_file.fileno()
        self._ts_fd = self._ts_file.fileno()
        self._offsets = array("Q")
        self._flags = array("H")
        self._containers: list[str] = [""]
        self._container_numbers: dict[str, int] = {"": 0}
        self._text_end = 0  # bytes appended, written or not
        self._text_written = 0  # bytes on disk
        self._text_pending = bytearray()
        self._ts_pending = bytearray()
        self._ts_written_lines = 0
        self._lock = threading.Lock()
        self._cache: OrderedDict[int, LogLine] = OrderedDict()
        self._cache_lines = max(cache_lines, _CACHE_BLOCK)
        # Lines can be a megabyte each: the cache is bounded by text too.
        self._cache_chars = cache_chars
        self._cached_chars = 0
        self._cache_lock = threading.Lock()
        self._closed = False

    # -- writing ---------------------------------------------------------

    def append(self, line: LogLine) -> int:
        """Store *line*; return its index."""
        return self.extend((line,)) - 1

    def extend(self, lines: Iterable[LogLine]) -> int:
        """Store many lines under one lock; return the new length."""
        with self._lock:
            for line in lines:
                self._append_locked(line)
                if len(self._text_pending) >= _WRITE_BUFFER_BYTES:
                    self._write_pending_locked()
            return len(self._offsets)

    def extend_raw(self, batch: RawLines) -> int:
        """Store a parser's run of lines as they came; return how many.

        The fast path for a follow: joins, slices and an index of offsets
        built in C (see :func:`split_run`), no work per line in Python and
        nothing decoded.
        """
        if not batch.parts:
            return 0
        data, sizes, count, records = split_run(batch.parts, batch.stamped)
        flag = _STDERR_BIT if batch.stream == STDERR else 0
        with self._lock:
            if self._closed:
                raise ValueError("log spool is closed")
            number = self._container_numbers.get(batch.container)
            if number is None:
                number = self._add_container_locked(batch.container)
            starts = accumulate(sizes, initial=self._text_end)
            self._offsets.extend(islice(starts, count))
            self._flags.extend(repeat((number << 1) | flag, count))
            self._text_pending += data
            self._text_end += len(data)
            self._ts_pending += records
            if len(self._text_pending) >= _WRITE_BUFFER_BYTES:
                self._write_pending_locked()
        return count

    def _append_locked(self, line: LogLine) -> None:
        if self._closed:
            raise ValueError("log spool is closed")
        text = line.text
        if "\n" in text:
            # One line per record is what the index relies on.
            text = text.replace("\n", "\u240a")
        data = text.encode("utf-8", "replace")
        self._offsets.append(self._text_end)
        self._text_pending += data
        self._text_pending += b"\n"
        self._text_end += len(data) + 1
        self._ts_pending += line.timestamp.encode("ascii", "replace")[:TIMESTAMP_WIDTH].ljust(TIMESTAMP_WIDTH)
        number = self._container_numbers.get(line.container)
        if number is None:
            number = self._add_container_locked(line.container)
        self._flags.append((number << 1) | (_STDERR_BIT if line.stream == STDERR else 0))

    def _add_container_locked(self, name: str) -> int:
        number = len(self._containers)
        if number >= _MAX_CONTAINERS:
            raise ValueError(f"more than {_MAX_CONTAINERS - 1} containers in one log spool")
        self._containers.append(name)
        self._container_numbers[name] = number
        return number

    def _write_pending_locked(self) -> None:
        if self._text_pending:
            _pwrite_all(self._text_fd, self._text_pending, self._text_written)
            self._text_written += len(self._text_pending)
            self._text_pending.clear()
        if self._ts_pending:
            _pwrite_all(self._ts_fd, self._ts_pending, self._ts_written_lines * TIMESTAMP_WIDTH)
            self._ts_written_lines += len(self._ts_pending) // TIMESTAMP_WIDTH
            self._ts_pending.clear()

    # -- reading ---------------------------------------------------------

    def __len__(self) -> int:
        return len(self._offsets)

    @property
    def closed(self) -> bool:
        return self._closed

    @property
    def containers(self) -> tuple[str, ...]:
        """Names of the containers whose lines are stored, in order of first line."""
        return tuple(name for name in self._containers[1:])

    def _span(self, start: int, stop: int) -> tuple[int, int]:
        """Byte range of lines [start, stop), written to disk before returning."""
        with self._lock:
            if self._closed:
                raise ValueError("log spool is closed")
            begin = self._offsets[start]
            end = self._offsets[stop] if stop < len(self._offsets) else self._text_end
            if end > self._text_written:
                self._write_pending_locked()
        return begin, end

    def _read_text(self, start: int, stop: int) -> str:
        """Lines [start, stop) sanitized, each ended by a newline."""
        begin, end = self._span(start, stop)
        return sanitize_bytes(_pread_all(self._text_fd, end - begin, begin))

    def _read_plain(self, start: int, stop: int) -> str:
        """Lines [start, stop) as search and save see them, each ended by a newline."""
        begin, end = self._span(start, stop)
        return plain_bytes(_pread_all(self._text_fd, end - begin, begin))

    def _read_timestamps(self, start: int, stop: int) -> list[str]:
        return _stamps_of(_pread_all(self._ts_fd, (stop - start) * TIMESTAMP_WIDTH, start * TIMESTAMP_WIDTH))

    def _clip(self, start: int, stop: int) -> tuple[int, int]:
        count = len(self._offsets)
        start = max(0, min(start, count))
        stop = max(start, min(stop, count))
        return start, stop

    def get_range(self, start: int, stop: int) -> list[LogLine]:
        """Lines [start, stop), clipped to what exists, read in one go."""
        start, stop = self._clip(start, stop)
        if start == stop:
            return []
        texts = self._read_text(start, stop).split("\n")
        stamps = self._read_timestamps(start, stop)
        flags = self._flags[start:stop]
        names = self._containers
        return [
            LogLine(text, STDERR if flag & _STDERR_BIT else STDOUT, stamp, names[flag >> 1])
            for text, stamp, flag in zip(texts, stamps, flags)
        ]

    def get(self, index: int) -> LogLine:
        """Line *index* (negative counts from the end); recently read lines are cached."""
        count = len(self._offsets)
        if index < 0:
            index += count
        if not 0 <= index < count:
            raise IndexError(f"log line {index} out of range ({count} lines)")
        with self._cache_lock:
            line = self._cache.get(index)
            if line is not None:
                self._cache.move_to_end(index)
                return line
        block = index - index % _CACHE_BLOCK
        lines = self.get_range(block, block + _CACHE_BLOCK)
        with self._cache_lock:
            for offset, each in enumerate(lines):
                previous = self._cache.pop(block + offset, None)
                if previous is not None:
                    self._cached_chars -= len(previous.text)
                self._cache[block + offset] = each
                self._cached_chars += len(each.text)
            self._cache.move_to_end(index)
            while self._cache and (len(self._cache) > self._cache_lines or self._cached_chars > self._cache_chars):
                self._cached_chars -= len(self._cache.popitem(last=False)[1].text)
        return lines[index - block]

    def __getitem__(self, index: int) -> LogLine:
        return self.get(index)

    def plain_blocks(
        self, start: int = 0, stop: int | None = None, *, block_bytes: int = _SEARCH_MAX_BYTES
    ) -> Iterator[tuple[int, int, str]]:
        """Yield ``(first, end, text)``: lines [first, end) as search and save
        see them (sanitized, without colours), each newline-ended."""
        stop = len(self._offsets) if stop is None else stop
        for first, end in self._block_bounds(*self._clip(start, stop), block_bytes):
            yield first, end, self._read_plain(first, end)

    def _line_after_bytes(self, start: int, size: int, stop: int) -> int:
        """The first line boundary at least *size* bytes after line *start*."""
        target = self._offsets[start] + size
        return max(start + 1, bisect.bisect_left(self._offsets, target, start + 1, stop))

    def _line_before_bytes(self, stop: int, size: int) -> int:
        end = self._offsets[stop] if stop < len(self._offsets) else self._text_end
        return min(stop - 1, bisect.bisect_left(self._offsets, end - size, 0, stop))

    # -- search and filter ----------------------------------------------

    def search(
        self,
        pattern: str | re.Pattern[str],
        *,
        regex: bool = False,
        start: int = 0,
        backwards: bool = False,
        ignore_case: bool = False,
    ) -> int | None:
        """Index of the first line at or after *start* (at or before, going
        backwards) whose plain text matches; None when there is none.

        Does not wrap around: the caller searches again from the other end.
        Raises ``re.error`` for a bad regex.
        """
        compiled = pattern if isinstance(pattern, re.Pattern) else compile_pattern(pattern, regex=regex, ignore_case=ignore_case)
        count = len(self._offsets)
        if count == 0:
            return None
        size = _SEARCH_FIRST_BYTES
        if not backwards:
            first = max(start, 0)
            while first < count:
                end = self._line_after_bytes(first, size, count)
                for hit in _matching_lines(compiled, self._read_plain(first, end), first):
                    return hit
                first = end
                size = min(size * 2, _SEARCH_MAX_BYTES)
            return None
        end = min(start, count - 1) + 1
        while end > 0:
            first = self._line_before_bytes(end, size)
            hits = list(_matching_lines(compiled, self._read_plain(first, end), first))
            if hits:
                return hits[-1]
            end = first
            size = min(size * 2, _SEARCH_MAX_BYTES)
        return None

    def filter(self, pattern: str | re.Pattern[str], *, regex: bool = False, ignore_case: bool = False) -> LogFilter:
        """A :class:`LogFilter` over this spool, not yet scanned: call ``update()``."""
        compiled = pattern if isinstance(pattern, re.Pattern) else compile_pattern(pattern, regex=regex, ignore_case=ignore_case)
        return LogFilter(self, compiled)

    def filter_indices(self, pattern: str, *, regex: bool = False, ignore_case: bool = False) -> array[int]:
        """Indices of every line whose plain text matches, as they stand now."""
        line_filter = self.filter(pattern, regex=regex, ignore_case=ignore_case)
        line_filter.update()
        return line_filter.indices

    # -- saving ----------------------------------------------------------

    def save(self, path: str | os.PathLike[str], *, timestamps: bool = False, container_prefix: bool | None = None) -> int:
        """Write every line as plain text; return how many were written.

        ``container_prefix`` None means "when lines come from more than one
        container" (a merged view), as ``name | text`` with names aligned.
        """
        count = len(self._offsets)
        names = self._containers
        if container_prefix is None:
            container_prefix = len(names) > 2
        prefixes = names
        if container_prefix:
            width = max((len(name) for name in names), default=0)
            prefixes = [f"{name.ljust(width)} | " for name in names]
        with open(path, "w", encoding="utf-8", newline="\n") as out:
            if not timestamps and not container_prefix:
                out.writelines(plain for _first, _end, plain in self.plain_blocks(0, count))
                return count
            for first, end, plain in self.plain_blocks(0, count):
                lines = plain.split("\n")
                stamps = self._read_timestamps(first, end) if timestamps else None
                flags = self._flags[first:end]
                parts = []
                for offset, line in enumerate(lines[: end - first]):
                    if container_prefix:
                        parts.append(prefixes[flags[offset] >> 1])
                    if stamps is not None and stamps[offset]:
                        parts.append(stamps[offset])
                        parts.append(" ")
                    parts.append(line)
                    parts.append("\n")
                out.write("".join(parts))
        return count

    def _block_bounds(self, start: int, stop: int, block_bytes: int = _SEARCH_MAX_BYTES) -> Iterator[tuple[int, int]]:
        while start < stop:
            end = self._line_after_bytes(start, block_bytes, stop)
            yield start, end
            start = end

    # -- lifetime --------------------------------------------------------

    def close(self) -> None:
        """Drop the files (their space is freed at once) and the cache."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            self._text_pending.clear()
            self._ts_pending.clear()
            self._text_file.close()
            self._ts_file.close()
        with self._cache_lock:
            self._cache.clear()
            self._cached_chars = 0

    def __enter__(self) -> LogSpool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def text_bytes(self) -> int:
        """Bytes of line text stored (newlines included, timestamps not)."""
        return self._text_end

    def disk_bytes(self) -> int:
        """Bytes the spool's files take on disk (for the user, and tests)."""
        return self._text_end + len(self._offsets) * TIMESTAMP_WIDTH


def _matching_lines(compiled: re.Pattern[str], text: str, first: int) -> Iterator[int]:
    """Indices of lines in *text* (newline-ended, line *first* at offset 0)
    with a match that lies within the line."""
    position = 0
    line = first
    counted_to = 0
    size = len(text)
    while position < size:
        match = compiled.search(text, position)
        if match is None:
            return
        at = match.start()
        if at >= size:
            return
        line_start = text.rfind("\n", 0, at) + 1
        line_end = text.find("\n", at)
        if line_end == -1:
            line_end = size
        if match.end() <= line_end or compiled.search(text[line_start:line_end]) is not None:
            # The match ran past the newline (e.g. `\s` or `[^x]`); the line
            # counts only if it matches on its own.
            line += text.count("\n", counted_to, line_start)
            counted_to = line_start
            yield line
        position = line_end + 1


class LogFilter:
    """The indices of a spool's lines that match a pattern, kept current.

    ``update()`` scans only the lines appended since the last call, so a view
    filtering a live follow keeps up cheaply. One thread updates at a time; a
    big backlog is scanned in a worker thread, in slices with ``max_lines``.
    """

    def __init__(self, spool: LogSpool, compiled: re.Pattern[str]) -> None:
        self.spool = spool
        self.pattern = compiled
        self.indices: array[int] = array("Q")
        self._scanned = 0
        self._lock = threading.Lock()

    @property
    def scanned(self) -> int:
        """How many spool lines have been looked at."""
        return self._scanned

    def update(self, max_lines: int | None = None) -> int:
        """Scan lines appended since the last update; return how many matched."""
        with self._lock:
            stop = len(self.spool)
            if max_lines is not None:
                stop = min(stop, self._scanned + max_lines)
            before = len(self.indices)
            for first, end, text in self.spool.plain_blocks(self._scanned, stop):
                self.indices.extend(_matching_lines(self.pattern, text, first))
                self._scanned = end
            return len(self.indices) - before

    def __len__(self) -> int:
        return len(self.indices)

    def __getitem__(self, position: int) -> int:
        return self.indices[position]

