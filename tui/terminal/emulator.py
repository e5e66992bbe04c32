"""Terminal state for the embedded terminal: bytes from a container in, screen lines out.

pyte interprets escape sequences. Plain text (printable ASCII, CR, LF, TAB, BS)
is the bulk of a flood of output, and pyte handles it one character and one
scroll at a time; `_Screen.write_plain` applies a whole run of it at once to
the line buffer, with pyte's exact wrap/scroll semantics, and moves the lines
that scroll off into a bounded history. Complete CSI sequences are cut out with
one regex and dispatched straight to the screen (SGR results are cached);
everything else goes through pyte's own parser.

pyte 0.8.2 lacks the alternate screen, drops the rest of a text run after an
unprintable character, raises on malformed parameters and, on shrinking,
deletes lines from the top even when the cursor is there: `_Screen` fixes those.
"""

from __future__ import annotations

import codecs
import re
import threading
import unicodedata
from bisect import bisect_right
from collections import defaultdict, deque
from functools import wraps
from itertools import repeat
from typing import Any, Callable, Iterable, NamedTuple

import pyte
from pyte import charsets as cs
from pyte import modes as mo
from pyte.screens import Char, StaticDefaultDict, wcwidth
from pyte.streams import Stream
from textual.strip import Strip

from tui.terminal.render import BLANK_CELL, StripRenderer

# pyte keeps private (DEC) modes shifted left by 5 in `Screen.mode`.
DECCKM = 1 << 5
BRACKETED_PASTE = 2004 << 5
_ALT_SCREEN = {47, 1047, 1049}
_DECCOLM_PRIVATE = 3

#: An SGR and the plain text after it (groups 1-2: the bulk of coloured
#: output), a plain run (group 3), or any other complete CSI (groups 4-6).
_TOKEN = re.compile(
    r"\x1b\[([0-9;]*)m([ -~\r\n\t\x08]*)|([ -~\r\n\t\x08]+)|\x1b\[(\??)([0-9;]*)([@-~])"
)
#: CR LF is one token: it is most of the controls in a TTY's output.
_PLAIN_SPLIT = re.compile(r"(\r\n|[\r\n\t\x08])").split
_CSI_COLON_SGR = re.compile(r"\x1b\[([0-9;:]*)m")
_SLOW_END = re.compile(r"[\x1b\r\n]")
_PARTIAL_CSI = re.compile(r"\x1b(?:\[[0-9;:?]*)?\Z")
_MAX_HELD = 64

#: An unterminated OSC would otherwise swallow all later output.
_MAX_SEQUENCE = 4096
_MAX_TITLE = 256
_CACHE_LIMIT = 4096


#: Marks cells of a new row that were skipped, not written: pyte leaves those
#: out of its sparse line, and erasing only touches cells that exist.
_GAP = Char("", "gap")


class CursorState(NamedTuple):
    x: int
    y: int
    visible: bool


class DirtyLines(set):  # type: ignore[type-arg]
    """Lines of the view to redraw; `full` means redraw everything (resize, alt screen, scroll)."""

    full: bool = False


class _CellCache(dict):  # type: ignore[type-arg]
    """Char objects for one set of attributes, so a cell costs a dict lookup, not a namedtuple."""

    __slots__ = ("rest",)

    def __init__(self, attrs: Char) -> None:
        super().__init__()
        self.rest = tuple(attrs[1:])

    def __missing__(self, data: str) -> Char:
        char = Char(data, *self.rest)
        self[data] = char
        return char


def _tolerant(method: Callable[..., Any]) -> Callable[..., Any]:
    """Ignore a CSI whose parameters pyte cannot take (wrong count, unknown erase mode)."""

    @wraps(method)
    def handler(self: _Screen, *args: Any, **kwargs: Any) -> Any:
        try:
            return method(self, *args, **kwargs)
        except Exception:  # noqa: BLE001 - pyte also asserts; output must not kill the reader
            return None

    return handler


class _Screen(pyte.Screen):
    """pyte's Screen plus scrollback, the alternate screen and bulk plain text."""

    def __init__(self, columns: int, lines: int, history: int) -> None:
        self.history: deque[tuple[Char, ...]] = deque(maxlen=max(0, history))
        #: Lines ever pushed to history; the view uses it to stay put while scrolled back.
        self.history_pushed = 0
        self.replies: list[str] = []
        self.full_redraw = True
        self._alt: _SavedMain | None = None
        self._cell_caches: dict[Char, _CellCache] = {}
        self._title = ""
        super().__init__(columns, lines)

    # -- state the emulator exposes ------------------------------------

    @property
    def in_alternate_screen(self) -> bool:
        return self._alt is not None

    @property
    def safe_title(self) -> str:
        return self._title

    def cells_for(self, attrs: Char) -> _CellCache:
        cells = self._cell_caches.get(attrs)
        if cells is None:
            if len(self._cell_caches) > 1024:
                self._cell_caches.clear()
            cells = self._cell_caches[attrs] = _CellCache(attrs)
        return cells

    # -- pyte overrides ---------------------------------------------------

    def reset(self) -> None:
        super().reset()
        self._alt = None
        self.full_redraw = True

    def set_title(self, param: str) -> None:
        # The title comes from the container: keep it printable so it cannot
        # smuggle escape sequences into wherever the UI shows it.
        text = "".join(ch for ch in param if unicodedata.category(ch)[0] != "C")
        self._title = text[:_MAX_TITLE]

    def write_process_input(self, data: str) -> None:
        self.replies.append(data)

    def draw(self, data: str) -> None:
        # pyte's draw, except that an unprintable or zero-width non-combining
        # character (a C1 control, U+200B, U+FE0F) is skipped: pyte stops and
        # loses the rest of the run, a real terminal keeps drawing.
        data = data.translate(self.g1_charset if self.charset else self.g0_charset)
        cells = self.cells_for(self.cursor.attrs)
        columns = self.columns
        for char in data:
            char_width = wcwidth(char)
            if char_width < 0 or (char_width == 0 and not unicodedata.combining(char)):
                continue
            cursor = self.cursor
            if cursor.x == columns:
                if mo.DECAWM in self.mode:
                    self.dirty.add(cursor.y)
                    self.carriage_return()
                    self.linefeed()
                elif char_width > 0:
                    cursor.x -= char_width
            if mo.IRM in self.mode and char_width > 0:
                self.insert_characters(char_width)
            line = self.buffer[cursor.y]
            if char_width == 1:
                line[cursor.x] = cells[char]
            elif char_width == 2:
                line[cursor.x] = cells[char]
                if cursor.x + 1 < columns:
                    line[cursor.x + 1] = cells[""]
            elif cursor.x:
                last = line[cursor.x - 1]
                line[cursor.x - 1] = last._replace(
                    data=unicodedata.normalize("NFC", last.data + char)
                )
            elif cursor.y:
                above = self.buffer[cursor.y - 1]
                last = above[columns - 1]
                above[columns - 1] = last._replace(
                    data=unicodedata.normalize("NFC", last.data + char)
                )
            if char_width > 0:
                cursor.x = min(cursor.x + char_width, columns)
        self.dirty.add(self.cursor.y)

    def cursor_to_line(self, line: int | None = None) -> None:
        # pyte asserts that origin mode comes with margins; without them the
        # region is the whole screen.
        self.cursor.y = (line or 1) - 1
        if mo.DECOM in self.mode and self.margins is not None:
            self.cursor.y += self.margins.top
        self.ensure_vbounds()

    def report_device_status(self, mode: int) -> None:
        if mode == 5:
            self.write_process_input("\x1b[0n")
        elif mode == 6:
            y = self.cursor.y + 1
            if mo.DECOM in self.mode and self.margins is not None:
                y -= self.margins.top
            self.write_process_input(f"\x1b[{y};{self.cursor.x + 1}R")

    def index(self) -> None:
        top, bottom = self.margins or (0, self.lines - 1)
        if self.cursor.y == bottom and top == 0 and self._alt is None:
            self._push_history([self.buffer.get(0)])
        super().index()

    def erase_in_display(self, how: int = 0, *args: Any, **kwargs: Any) -> None:
        super().erase_in_display(how, *args, **kwargs)
        if how == 3:  # `clear` sends ESC[3J: forget the scrollback too
            self.history.clear()
            self.full_redraw = True

    def set_mode(self, *modes: int, **kwargs: Any) -> None:
        private = kwargs.get("private", False)
        if private:
            # DECCOLM would switch to 132 columns; the widget decides the width.
            modes = tuple(m for m in modes if m != _DECCOLM_PRIVATE)
        super().set_mode(*modes, **kwargs)
        if private:
            for mode in modes:
                if mode in _ALT_SCREEN:
                    self._enter_alternate(mode)

    def reset_mode(self, *modes: int, **kwargs: Any) -> None:
        private = kwargs.get("private", False)
        if private:
            modes = tuple(m for m in modes if m != _DECCOLM_PRIVATE)
        super().reset_mode(*modes, **kwargs)
        if private:
            for mode in modes:
                if mode in _ALT_SCREEN:
                    self._leave_alternate(mode)

    def resize(self, lines: int | None = None, columns: int | None = None) -> None:
        lines = max(1, lines or self.lines)
        columns = max(1, columns or self.columns)
        old_lines, old_columns = self.lines, self.columns
        if lines == old_lines and columns == old_columns:
            return
        cursor = self.cursor
        cursor.y = self._fit_buffer(self.buffer, cursor.y, lines, columns, self._alt is None)
        if self._alt is not None:
            saved = self._alt
            anchor = saved.cursor.y if saved.cursor is not None else max(saved.buffer, default=0)
            new_y = self._fit_buffer(saved.buffer, anchor, lines, columns, True)
            if saved.cursor is not None:
                saved.cursor.y = new_y
                saved.cursor.x = min(saved.cursor.x, columns - 1)
        if columns != old_columns:
            cursor.x = min(cursor.x, columns - 1)
            self.tabstops = {t for t in self.tabstops if t < columns}
            self.tabstops.update(t for t in range(8, columns, 8) if t >= old_columns)
        self.lines, self.columns = lines, columns
        self.margins = None
        self.savepoints = [
            sp._replace(cursor=_clamped_copy(sp.cursor, lines, columns)) for sp in self.savepoints
        ]
        self.dirty.update(range(lines))
        self.full_redraw = True

    # -- history -----------------------------------------------------------

    def _push_history(self, rows: Iterable[Any]) -> None:
        """Freeze lines leaving the top of the main screen: a pyte line, a list of cells or None (blank)."""
        rows = list(rows)
        self.history_pushed += len(rows)
        maxlen = self.history.maxlen or 0
        if not maxlen:
            return
        # Cells are the shared Chars of the cell caches, so a history line
        # costs one tuple of references.
        columns = self.columns
        append = self.history.append
        for row in rows[-maxlen:]:
            if not row:
                append(())
            elif row.__class__ is list:
                append(tuple(row))
            else:
                width = min(max(row) + 1, columns)
                append(tuple(map(row.get, range(width), repeat(row.default, width))))

    # -- the alternate screen (vi, less, top) --------------------------

    def _new_buffer(self) -> defaultdict[int, StaticDefaultDict[int, Char]]:
        return defaultdict(lambda: StaticDefaultDict(self.default_char))

    def _enter_alternate(self, mode: int) -> None:
        if self._alt is not None:
            return
        saved_cursor = _clamped_copy(self.cursor, self.lines, self.columns) if mode == 1049 else None
        self._alt = _SavedMain(self.buffer, saved_cursor)
        self.buffer = self._new_buffer()
        self.dirty.update(range(self.lines))
        self.full_redraw = True

    def _leave_alternate(self, mode: int) -> None:
        saved = self._alt
        if saved is None:
            return
        self._alt = None
        self.buffer = saved.buffer
        if mode == 1049 and saved.cursor is not None:
            self.cursor = saved.cursor
            self.ensure_hbounds()
            self.ensure_vbounds()
        self.dirty.update(range(self.lines))
        self.full_redraw = True

    def _fit_buffer(
        self,
        buffer: defaultdict[int, StaticDefaultDict[int, Char]],
        anchor_y: int,
        lines: int,
        columns: int,
        keep_history: bool,
    ) -> int:
        """Cut `buffer` to the new size; returns where line `anchor_y` ends up.

        On shrinking, lines scroll off the top only as far as needed to keep
        the cursor's line on screen (they go to history); the rest are cut
        at the bottom, where there is nothing the cursor has reached.
        """
        if lines < self.lines:
            shift = max(0, anchor_y - (lines - 1))
            if shift and keep_history:
                self._push_history(buffer.get(y) for y in range(shift))
            kept = {y - shift: row for y, row in buffer.items() if shift <= y < shift + lines}
            buffer.clear()
            buffer.update(kept)
            anchor_y -= shift
        if columns < self.columns:
            for row in buffer.values():
                for x in [x for x in row if x >= columns]:
                    del row[x]
        return anchor_y

    # -- plain text in bulk -------------------------------------------------

    def can_write_plain(self) -> bool:
        margins = self.margins
        return (
            (margins is None or margins.top <= self.cursor.y <= margins.bottom)
            and mo.IRM not in self.mode
            and (self.g1_charset if self.charset else self.g0_charset) is cs.LAT1_MAP
        )

    def write_plain(self, pieces: Iterable[tuple[_CellCache, str]]) -> None:
        """Apply runs of printable ASCII, CR, LF, TAB and BS exactly as pyte would.

        Each piece is (the pen's cell cache, text): the SGR changes between runs
        only change the pen, so a whole stretch of coloured output is applied
        here at once. Scrolling is deferred: once the cursor scrolls, rows are
        kept in a list whose window from `base` on is the screen, and
        the buffer is rebuilt once at the end. Inside a scroll region only the
        region's rows take part. Only valid while `can_write_plain()` holds
        (the cursor starts inside the region, and nothing here moves it out).
        """
        columns = self.columns
        top, bottom = self.margins or (0, self.lines - 1)
        cursor = self.cursor
        x, y = cursor.x, cursor.y
        autowrap = mo.DECAWM in self.mode
        newline_returns = mo.LNM in self.mode
        buffer = self.buffer
        dirty = self.dirty
        put = self._put
        rows: list[Any] | None = None
        base = 0
        blank = self.default_char
        stops: list[int] | None = None
        # Rows (indexes into `rows`) holding _GAP cells.
        gapped: set[int] = set()

        for cells, run in pieces:
            cell = cells.__getitem__
            parts = (run,) if run.isprintable() else _PLAIN_SPLIT(run)
            flood = None
            if y == bottom and len(parts) >= 5:
                # "a\r\nb\r\nc..." at the bottom: after the first line every
                # CR LF scrolls and the next line lands on a fresh row.
                following = parts[2::2]
                if parts.count("\r\n") == len(parts) // 2 and max(map(len, following)) <= columns:
                    flood = following
                    parts = parts[:1]
            last = len(parts) - 1
            index = 0
            while True:
                text = parts[index]
                if text:
                    n = len(text)
                    if x < columns and x + n <= columns:
                        if rows is None:
                            buffer[y].update(zip(range(x, x + n), map(cell, text)))
                            dirty.add(y)
                        else:
                            row = rows[y - top + base]
                            if row is None and not x:
                                rows[y - top + base] = list(map(cell, text))
                            elif row.__class__ is list and len(row) == x:
                                row.extend(map(cell, text))
                            else:
                                put(rows, y - top + base, x, text, cell, gapped)
                        x += n
                    elif not autowrap:
                        # Without DECAWM the last column takes every extra character.
                        if x == columns:
                            x -= 1
                        room = columns - x
                        if n > room:
                            text = text[: room - 1] + text[-1]
                            n = room
                        if rows is None:
                            buffer[y].update(zip(range(x, x + n), map(cell, text)))
                            dirty.add(y)
                        else:
                            put(rows, y - top + base, x, text, cell, gapped)
                        x += n
                    else:
                        pos = 0
                        while pos < n:
                            if x == columns:
                                x = 0
                                if y == bottom:
                                    if rows is None:
                                        rows = list(map(buffer.get, range(top, bottom + 1)))
                                    rows.append(None)
                                    base += 1
                                else:
                                    y += 1
                            take = min(columns - x, n - pos)
                            piece = text[pos : pos + take]
                            if rows is None:
                                buffer[y].update(zip(range(x, x + take), map(cell, piece)))
                                dirty.add(y)
                            else:
                                put(rows, y - top + base, x, piece, cell, gapped)
                            x += take
                            pos += take
                if index == last:
                    break
                control = parts[index + 1]
                index += 2
                if control == "\r\n" or control == "\n":
                    if control == "\r\n":
                        x = 0
                    if y == bottom:
                        if rows is None:
                            rows = list(map(buffer.get, range(top, bottom + 1)))
                        rows.append(None)
                        base += 1
                    else:
                        y += 1
                    if newline_returns:
                        x = 0
                elif control == "\r":
                    x = 0
                elif control == "\t":
                    if stops is None:
                        stops = sorted(self.tabstops)
                    at = bisect_right(stops, x)
                    x = stops[at] if at < len(stops) else columns - 1
                else:  # backspace
                    if x == columns:
                        x -= 1
                    x = min(max(0, x - 1), columns - 1)
            if flood is not None:
                if rows is None:
                    rows = list(map(buffer.get, range(top, bottom + 1)))
                rows += [list(map(cell, line)) if line else None for line in flood]
                base += len(flood)
                x = len(flood[-1])

        if rows is not None:
            for index in gapped:
                if index < base:  # leaving the screen: a gap shows as a blank
                    rows[index] = [BLANK_CELL if c is _GAP else c for c in rows[index]]
            if base and top == 0 and self._alt is None:
                self._push_history(rows[:base])
            for r in range(top, bottom + 1):
                buffer.pop(r, None)
            for r, row in enumerate(rows[base:], top):
                if row is None:
                    continue
                if row.__class__ is list:
                    line = StaticDefaultDict(blank)
                    if r - top + base in gapped:
                        line.update((x, c) for x, c in enumerate(row) if c is not _GAP)
                    else:
                        line.update(enumerate(row))
                    row = line
                buffer[r] = row
            dirty.update(range(top, bottom + 1))
        cursor.x, cursor.y = x, y

    @staticmethod
    def _put(
        rows: list[Any],
        absolute: int,
        x: int,
        text: str,
        cell: Callable[[str], Char],
        gapped: set[int],
    ) -> None:
        row = rows[absolute]
        if row is None:
            row = []
            rows[absolute] = row
        if row.__class__ is list:
            length = len(row)
            if x > length:
                row.extend(repeat(_GAP, x - length))
                gapped.add(absolute)
            row[x : x + len(text)] = map(cell, text)
        else:
            row.update(zip(range(x, x + len(text)), map(cell, text)))


class _SavedMain(NamedTuple):
    buffer: defaultdict[int, StaticDefaultDict[int, Char]]
    cursor: pyte.screens.Cursor | None


def _clamped_copy(cursor: pyte.screens.Cursor, lines: int, columns: int) -> pyte.screens.Cursor:
    copy = pyte.screens.Cursor(min(cursor.x, columns - 1), min(cursor.y, lines - 1), cursor.attrs)
    copy.hidden = cursor.hidden
    return copy


for _name in set(Stream.csi.values()):
    setattr(_Screen, _name, _tolerant(getattr(_Screen, _name)))
del _name


class TerminalEmulator:
    """A VT100/xterm screen fed with bytes from a reader thread, drawn as Strips.

    Every public method takes the (re-entrant) lock, so `feed` in a reader
    thread and rendering on the event loop never see a half-applied chunk.
    Hold `lock` yourself to render several lines from one consistent state.
    """

    def __init__(self, columns: int = 80, lines: int = 24, history: int = 10000) -> None:
        self.lock = threading.RLock()
        self._screen = _Screen(max(1, columns), max(1, lines), history)
        # Decoding is ours (incremental UTF-8, so a character split across two
        # reads is joined); with use_utf8 off, pyte honours ESC ( 0 and SI/SO,
        # which ncurses uses for line drawing when the container's locale is C.
        self._stream = Stream(self._screen)
        self._stream.use_utf8 = False
        self._decoder = codecs.getincrementaldecoder("utf-8")("replace")
        self._csi_handlers: dict[str, Callable[..., Any]] = {
            final: getattr(self._screen, name) for final, name in Stream.csi.items()
        }
        #: (pen, SGR parameters) -> (new pen, its cell cache)
        self._sgr_cache: dict[tuple[Char, str], tuple[Char, _CellCache]] = {}
        self._in_sequence = 0
        self._held = ""
        self._renderer = StripRenderer()
        self._strips: dict[int, tuple[int, Strip]] = {}
        self._dirty: set[int] = set()
        self._full = True
        self._screen.full_redraw = False
        self._scroll_offset = 0
        self._seen_pushed = 0
        self._shown_cursor = self._cursor_state()
        #: Off while the widget is unfocused, for instance.
        self._show_cursor = True
        #: Tests turn this off to compare the bulk path with pyte's own.
        self.bulk_plain_text = True

    # -- input ---------------------------------------------------------------

    def feed(self, data: bytes) -> None:
        with self.lock:
            text = self._decoder.decode(data)
            if self._held:
                text = self._held + text
                self._held = ""
            # A CSI cut by the end of this read waits for the rest, so it is
            # parsed whole whichever way the reads fall.
            tail = _PARTIAL_CSI.search(text, max(0, len(text) - _MAX_HELD))
            if tail is not None:
                self._held = tail.group()
                text = text[: tail.start()]
            if text:
                self._process(text)
                self._collect_changes()

    def _process(self, text: str) -> None:
        screen = self._screen
        stream = self._stream
        token = _TOKEN.match
        slow_end = _SLOW_END.search
        sgr_cache = self._sgr_cache
        # Plain runs with the pen they were written with; flushed before
        # anything other than SGR touches the screen.
        batch: list[tuple[_CellCache, str]] = []
        add = batch.append
        # State that only non-SGR operations change; refreshed after each.
        cursor = screen.cursor
        cells = screen.cells_for(cursor.attrs)
        plain_ok = self.bulk_plain_text and screen.can_write_plain()
        sgr_cacheable = mo.DECSCNM not in screen.mode
        i = 0
        n = len(text)
        while i < n:
            if not stream._taking_plain_text:
                # Inside a sequence that pyte's parser started: let it finish.
                self._feed_pyte(text[i])
                i += 1
                self._in_sequence += 1
                if self._in_sequence > _MAX_SEQUENCE:
                    stream._initialize_parser()
            else:
                self._in_sequence = 0
                match = token(text, i)
                if match is not None:
                    i = match.end()
                    sgr, run, plain_run, private, body, final = match.groups()
                    if sgr is not None or (final == "m" and not private):
                        if sgr is None:
                            sgr = body
                        pen = sgr_cache.get((cursor.attrs, sgr)) if sgr_cacheable else None
                        if pen is None:
                            self._sgr(sgr)
                            cells = screen.cells_for(cursor.attrs)
                        else:
                            cursor.attrs, cells = pen
                        if not run:
                            continue
                    else:
                        run = plain_run
                    if run is not None:
                        if plain_ok:
                            add((cells, run))
                            continue
                        if batch:
                            screen.write_plain(batch)
                            batch.clear()
                        self._feed_pyte(run)
                    else:
                        if batch:
                            screen.write_plain(batch)
                            batch.clear()
                        self._dispatch_csi(private, body, final)
                else:
                    if batch:
                        screen.write_plain(batch)
                        batch.clear()
                    if text[i] == "\x1b":
                        match = _CSI_COLON_SGR.match(text, i)
                        if match is not None:
                            self._sgr(_colon_sgr(match.group(1)))
                            i = match.end()
                        else:
                            self._feed_pyte("\x1b")
                            i += 1
                    else:
                        match = slow_end(text, i + 1)
                        end = match.start() if match is not None else n
                        self._feed_pyte(text[i:end])
                        i = end
            cursor = screen.cursor
            cells = screen.cells_for(cursor.attrs)
            plain_ok = self.bulk_plain_text and screen.can_write_plain()
            sgr_cacheable = mo.DECSCNM not in screen.mode
        if batch:
            screen.write_plain(batch)

    def _feed_pyte(self, text: str) -> None:
        try:
            self._stream.feed(text)
        except Exception:  # noqa: BLE001 - garbage from a container must not kill the reader
            self._stream._initialize_parser()

    def _dispatch_csi(self, private: str, body: str, final: str) -> None:
        """A complete CSI other than SGR, exactly as pyte's parser would dispatch it."""
        handler = self._csi_handlers.get(final)
        if handler is None:
            return
        if private:
            handler(*_params(body), private=True)
        else:
            handler(*_params(body))

    def _sgr(self, body: str) -> None:
        screen = self._screen
        cursor = screen.cursor
        if mo.DECSCNM in screen.mode:  # the reset pen depends on the mode: not cacheable
            screen.select_graphic_rendition(*_params(body))
            return
        key = (cursor.attrs, body)
        pen = self._sgr_cache.get(key)
        if pen is None:
            screen.select_graphic_rendition(*_params(body))
            if len(self._sgr_cache) > _CACHE_LIMIT:
                self._sgr_cache.clear()
            self._sgr_cache[key] = (cursor.attrs, screen.cells_for(cursor.attrs))
        else:
            cursor.attrs = pen[0]

    def _cursor_state(self) -> tuple[int, int, bool]:
        cursor = self._screen.cursor
        return (cursor.x, cursor.y, not cursor.hidden)

    def _collect_changes(self) -> None:
        """Turn what pyte marked dirty into lines of the view to redraw."""
        screen = self._screen
        changed = screen.dirty
        screen.dirty = set()
        cursor = self._cursor_state()
        if cursor != self._shown_cursor:
            changed.add(self._shown_cursor[1])
            changed.add(cursor[1])
            self._shown_cursor = cursor
        pushed = screen.history_pushed - self._seen_pushed
        self._seen_pushed = screen.history_pushed
        full = screen.full_redraw
        screen.full_redraw = False
        offset = self._scroll_offset
        if offset:
            # Scrolled back: keep showing the same lines while output arrives.
            wanted = offset + pushed
            offset = min(wanted, len(screen.history))
            if offset != wanted:
                full = True
            self._scroll_offset = offset
            changed = {y + offset for y in changed if y + offset < screen.lines}
        if full:
            self._full = True
            self._strips.clear()
        else:
            self._dirty |= changed
            for y in changed:
                self._strips.pop(y, None)

    def pending_replies(self) -> bytes:
        """Answers to the program's queries (DA, DSR/CPR) to write back to the container."""
        with self.lock:
            replies = self._screen.replies
            if not replies:
                return b""
            self._screen.replies = []
            return "".join(replies).encode("utf-8")

    # -- geometry and modes --------------------------------------------------

    def resize(self, columns: int, lines: int) -> None:
        with self.lock:
            self._screen.resize(lines=max(1, lines), columns=max(1, columns))
            self._scroll_offset = min(self._scroll_offset, len(self._screen.history))
            self._collect_changes()

    @property
    def columns(self) -> int:
        return self._screen.columns

    @property
    def lines(self) -> int:
        return self._screen.lines

    @property
    def cursor(self) -> CursorState:
        with self.lock:
            cursor = self._screen.cursor
            return CursorState(min(cursor.x, self._screen.columns - 1), cursor.y, not cursor.hidden)

    @property
    def application_cursor_keys(self) -> bool:
        return DECCKM in self._screen.mode

    @property
    def bracketed_paste(self) -> bool:
        return BRACKETED_PASTE in self._screen.mode

    @property
    def alternate_screen(self) -> bool:
        return self._screen.in_alternate_screen

    @property
    def title(self) -> str:
        return self._screen.safe_title

    @property
    def show_cursor(self) -> bool:
        return self._show_cursor

    @show_cursor.setter
    def show_cursor(self, value: bool) -> None:
        with self.lock:
            if value != self._show_cursor:
                self._show_cursor = value
                y = self._screen.cursor.y + self._scroll_offset
                self._dirty.add(y)
                self._strips.pop(y, None)

    @property
    def display(self) -> list[str]:
        """The live screen as text, one string per line (for tests and copy)."""
        with self.lock:
            return screen_text(self._screen)

    # -- scrollback ----------------------------------------------------------

    @property
    def history_size(self) -> int:
        return len(self._screen.history)

    @property
    def scroll_offset(self) -> int:
        """How many lines the view is scrolled back into history; 0 is live."""
        return self._scroll_offset

    def scroll_up(self, n: int = 1) -> None:
        with self.lock:
            self._set_offset(self._scroll_offset + max(0, n))

    def scroll_down(self, n: int = 1) -> None:
        with self.lock:
            self._set_offset(self._scroll_offset - max(0, n))

    def scroll_to_bottom(self) -> None:
        with self.lock:
            self._set_offset(0)

    def _set_offset(self, offset: int) -> None:
        offset = max(0, min(offset, len(self._screen.history)))
        if offset != self._scroll_offset:
            self._scroll_offset = offset
            self._full = True
            self._strips.clear()

    # -- output ----------------------------------------------------------------

    def take_dirty(self) -> DirtyLines:
        """View lines changed since the last call; `.full` after resize, alt switch or scroll."""
        with self.lock:
            dirty = DirtyLines(range(self._screen.lines) if self._full else self._dirty)
            dirty.full = self._full
            self._dirty = set()
            self._full = False
            return dirty

    def render_line(self, y: int, width: int) -> Strip:
        """Line `y` of the view (history when scrolled back) as exactly `width` cells."""
        with self.lock:
            cached = self._strips.get(y)
            if cached is not None and cached[0] == width:
                return cached[1]
            screen = self._screen
            offset = self._scroll_offset
            history = screen.history
            cursor_x = None
            if offset:
                index = len(history) - offset + y
                if 0 <= index < len(history):
                    strip = self._renderer.render_history(history[index], width)
                    self._strips[y] = (width, strip)
                    return strip
                y -= offset
            if not 0 <= y < screen.lines:
                return Strip.blank(width)
            cursor = screen.cursor
            if not offset and self._show_cursor and not cursor.hidden and cursor.y == y:
                cursor_x = min(cursor.x, screen.columns - 1)
            strip = self._renderer.render_row(
                screen.buffer.get(y), screen.columns, width, screen.default_char, cursor_x
            )
            self._strips[y + offset] = (width, strip)
            return strip


def _params(body: str) -> list[int]:
    """CSI parameters as pyte's parser reads them: empty is 0, capped at 9999."""
    return [min(int(p or 0), 9999) for p in body.split(";")]


def screen_text(screen: pyte.Screen) -> list[str]:
    """Like pyte's `Screen.display`, which fails on a wide character's orphaned right half."""
    out = []
    for y in range(screen.lines):
        row = screen.buffer.get(y)
        if not row:
            out.append(" " * screen.columns)
            continue
        chars = []
        wide = False
        for x in range(screen.columns):
            data = row[x].data
            if wide and data == "":
                wide = False
                continue
            wide = bool(data) and wcwidth(data[0]) == 2
            chars.append(data or " ")
        out.append("".join(chars))
    return out


def _colon_sgr(body: str) -> str:
    """Rewrite ITU colon SGR (38:2::r:g:b, 4:3) into the semicolon form pyte knows."""
    out: list[str] = []
    for group in body.split(";"):
        if ":" not in group:
            out.append(group)
            continue
        sub = group.split(":")
        head = sub[0]
        if head in ("38", "48") and len(sub) >= 3:
            if sub[1] == "5":
                out += [head, "5", sub[2] or "0"]
            elif sub[1] == "2":
                rgb = [v or "0" for v in sub[-3:]]
                out += [head, "2", *rgb]
        elif head == "4":
            # Curly/dotted/double underlines are still underlines; 4:0 is none.
            out.append("24" if sub[1:2] == ["0"] else "4")
        # 58 (underline colour) and unknown groups have no pyte equivalent.
    return ";".join(out) if out else ""
