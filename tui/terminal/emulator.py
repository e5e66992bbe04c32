"""Terminal state for the embedded terminal: bytes from a container in, screen lines out.

pyte interprets escape sequences. Plain text (printable ASCII, CR, LF, TAB, BS)
is the bulk of a flood of output, and pyte handles it one character and one
scroll at a time; `_Screen.write_plain` applies a whole run of it at once to
the line buffer, with pyte's exact wrap/scroll semantics, and moves the lines
that scroll off into a bounded history. Complete CSI sequences are cut out with
one regex and dispatched straight to the screen (SGR results are cached);
everything else goes through pyte's own parser.

In a flood of lines (text and SGR, CR LF between them) the scroll region is
kept as a list of lines (`_Screen.lazy_region`) and the lines as the text
they came as (`TerminalEmulator._flood`): scrolling is list surgery, lines
that scroll in and out within one read are never made cells, history keeps
the text, and only the lines on screen become cells, when they are drawn.
A read that is nothing but such lines is told in a few passes at C speed
(`TerminalEmulator._flood_read`), and the lines that scroll straight
through it are not even split: history keeps them as one run of text
(`scrollback.RawLines`) until someone scrolls back to it.

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
from collections import defaultdict
from functools import wraps
from itertools import compress, repeat
from typing import Any, Callable, Iterable, NamedTuple

import pyte
from pyte import charsets as cs
from pyte import modes as mo
from pyte.screens import Char, StaticDefaultDict, wcwidth
from pyte.streams import Stream
from textual.strip import Strip

from tui.terminal.render import BLANK_CELL, PenRuns, StripRenderer, cell_texts
from tui.terminal.scrollback import RawLines, Scrollback

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
#: A span of text (no C0/C1 control but CR, LF, TAB, BS) and SGR only is
#: what a flood of (coloured) lines is made of; it ends at the first of
#: these: a control that is not allowed, or an ESC that does not start an
#: SGR. Two searches, each starting with a set or a literal, scan at C
#: speed; one pattern alternating text runs and SGRs went through the
#: engine's group loop at every SGR, twice as slow on coloured output.
# No possessive quantifiers (++, *+): Python 3.11 before 3.11.5 (Debian 12
# ships 3.11.2) matches them wrongly.
_SPAN_BREAKING_CONTROL = re.compile(r"[\x00-\x07\x0b\x0c\x0e-\x1a\x1c-\x1f\x7f-\x9f]")
_SPAN_BREAKING_ESC = re.compile(r"\x1b(?!\[[0-9;]*m)")
#: The ASCII a span may hold (ESC only to start an SGR, which is checked apart).
_SPAN_ASCII = bytes(range(0x20, 0x7F)) + b"\r\n\t\x08\x1b"
#: For telling a read made only of lines of text and SGR (`_flood_read`) in
#: a few passes at C speed: printable ASCII, CR, LF and ESC stay, any other
#: byte becomes NUL, and digits and ";" go, so that every SGR reads "\x1b[m".
_FLOOD_TABLE = bytes(b if 0x20 <= b < 0x7F or b in b"\r\n\x1b" else 0 for b in range(256))
_FLOOD_DELETE = b"0123456789;"


def _next_break(pattern: re.Pattern[str], text: str, start: int) -> int:
    found = pattern.search(text, start)
    return found.start() if found is not None else len(text)
_SGR = re.compile(r"\x1b\[([0-9;]*)m")
#: "text\r\r\n" (a file with CR LF line ends through a TTY) is "text\r\n".
_CRS_LF = re.compile(r"\r+\n")
_SLOW_END = re.compile(r"[\x1b\r\n]")
_PARTIAL_CSI = re.compile(r"\x1b(?:\[[0-9;:?]*)?\Z")
_MAX_HELD = 64

#: An unterminated OSC would otherwise swallow all later output.
_MAX_SEQUENCE = 4096
_MAX_TITLE = 256
#: SGR transitions remembered, all pens together (truecolor output makes many).
_CACHE_LIMIT = 16384


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
    """Char objects for one pen (set of attributes), so a cell costs a dict lookup, not a namedtuple.

    It is also the pen's node in a graph of SGR transitions: `after[body]` is
    the pen SGR `body` switches to (hashing a str, not a nine-field Char).
    """

    __slots__ = ("after", "attrs", "rest")

    def __init__(self, attrs: Char) -> None:
        super().__init__()
        self.attrs = attrs
        self.rest = tuple(attrs[1:])
        self.after: dict[str, _CellCache] = {}

    def __missing__(self, data: str) -> Char:
        char = Char(data, *self.rest)
        self[data] = char
        return char


class _SgrBlock:
    """Lines of a flood, text and SGR sequences, as they came.

    `pen` is the pen (a Char) the first line starts in and `last_pen` the
    one the last line starts in (the next read of a flood may go on with
    it); the pens the others start in are worked out when one of them is
    first drawn (`pens`).
    """

    __slots__ = ("last_pen", "lines", "pen", "pens")

    def __init__(self, lines: list[str], pen: Char, last_pen: Char) -> None:
        self.lines = lines
        self.pen = pen
        self.last_pen = last_pen
        self.pens: list[Char] | None = None


class _SgrLine(tuple):  # type: ignore[type-arg]
    """(block, index): line `index` of an _SgrBlock; `_Screen.runs_of` turns it into what it shows."""

    __slots__ = ()


#: A line as history and a flood's lazy screen lines keep it.
_Row = "tuple[Char, ...] | str | PenRuns | _SgrLine"
#: Lines a flood left as text: history keeps them as they are.
_TEXT_ROWS = frozenset({str, PenRuns, _SgrLine})


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
    """pyte's Screen plus scrollback, the alternate screen, bulk plain text and lines kept as text."""

    def __init__(self, columns: int, lines: int, history: int) -> None:
        #: Lines that left the top of the main screen, oldest first: a tuple of
        #: cells, or text a flood left (see `scroll_region`): a str in the
        #: default pen, PenRuns or an _SgrLine (`runs_of` makes it PenRuns),
        #: and runs of a flood's lines not made rows yet (`_expand_run`).
        self.history = Scrollback(history, self._expand_run)
        self.replies: list[str] = []
        #: The scroll region's lines as a flood left them (see `lazy_region`),
        #: from line `_lazy_top`; they become cells when `buffer` is next used.
        self._lazy: list[Any] | None = None
        self._lazy_top = 0
        self.full_redraw = True
        self._alt: _SavedMain | None = None
        self._cell_caches: dict[Char, _CellCache] = {}
        self._transitions = 0
        self._title = ""
        super().__init__(columns, lines)

    # -- state the emulator exposes ------------------------------------

    @property  # type: ignore[override]
    def buffer(self) -> defaultdict[int, StaticDefaultDict[int, Char]]:
        """pyte's line buffer; lines a flood left as text are made cells first."""
        if self._lazy is not None:
            self._place_lazy()
        return self._buffer

    @buffer.setter
    def buffer(self, value: defaultdict[int, StaticDefaultDict[int, Char]]) -> None:
        self._lazy = None
        self._buffer = value

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

    # -- pens and SGR ----------------------------------------------------------

    def apply_sgr(self, body: str) -> None:
        """SGR `body` (parameters as written) on the cursor's pen."""
        cursor = self.cursor
        if mo.DECSCNM in self.mode:  # the reset pen depends on the mode: not cacheable
            self.select_graphic_rendition(*_params(body))
            return
        pen = self.cells_for(cursor.attrs)
        after = pen.after.get(body)
        cursor.attrs = (self.learn_sgr(pen, body) if after is None else after).attrs

    def learn_sgr(self, pen: _CellCache, body: str) -> _CellCache:
        """The pen SGR `body` makes of `pen` with DECSCNM off, remembered in `pen.after`.

        All transitions are forgotten now and then, so memory stays bounded
        whatever the output. The cursor's pen is left as it was.
        """
        cursor = self.cursor
        saved = cursor.attrs
        reverse = mo.DECSCNM in self.mode
        if reverse:
            self.mode.discard(mo.DECSCNM)
        try:
            cursor.attrs = pen.attrs
            self.select_graphic_rendition(*_params(body))
            after = self.cells_for(cursor.attrs)
        finally:
            cursor.attrs = saved
            if reverse:
                self.mode.add(mo.DECSCNM)
        self._transitions += 1
        if self._transitions > _CACHE_LIMIT:
            self._transitions = 0
            for cells in self._cell_caches.values():
                cells.after.clear()
        pen.after[body] = after
        return after

    def fold_sgr(self, text: str, pen: _CellCache) -> _CellCache:
        """The pen after the SGRs in `text`, from `pen`."""
        # Those before the last SGR that resets everything do not matter.
        # The other two are looked for only after the usual one: a coloured
        # flood has "\x1b[0m" near its end, and no need to scan all of it again.
        at = text.rfind("\x1b[0m")
        after = max(at, 0)
        at = max(at, text.rfind("\x1b[m", after), text.rfind("\x1b[0;", after))
        if at >= 0:
            pen = self.cells_for(BLANK_CELL)
        for body in _SGR.findall(text, max(at, 0)):
            after = pen.after.get(body)
            pen = self.learn_sgr(pen, body) if after is None else after
        return pen

    def _line_pens(self, lines: list[str], pen: _CellCache) -> list[Char]:
        pens = []
        for line in lines:
            pens.append(pen.attrs)
            if "\x1b" in line:
                pen = self.fold_sgr(line, pen)
        return pens

    def runs_of(self, row: str | PenRuns | _SgrLine) -> PenRuns:
        """A line a flood left as text as runs of text in their pens."""
        if row.__class__ is str:
            return PenRuns(((BLANK_CELL, row),))
        if row.__class__ is PenRuns:
            return row  # type: ignore[return-value]
        block, index = row
        if index == len(block.lines) - 1:
            attrs = block.last_pen
        else:
            if block.pens is None:
                block.pens = self._line_pens(block.lines, self.cells_for(block.pen))
            attrs = block.pens[index]
        pen = self.cells_for(attrs)
        parts = _SGR.split(block.lines[index])
        runs = [(attrs, parts[0])]
        for index in range(1, len(parts), 2):
            after = pen.after.get(parts[index])
            pen = self.learn_sgr(pen, parts[index]) if after is None else after
            runs.append((pen.attrs, parts[index + 1]))
        return PenRuns(runs)

    def pen_rows(self, lines: list[str], pen: _CellCache, has_sgr: bool) -> tuple[list[str | _SgrLine], _CellCache]:
        """Lines of text and SGR as they are kept (str in the default pen, else _SgrLine), and the pen after them."""
        if not has_sgr and pen.attrs == BLANK_CELL:
            return lines, pen  # type: ignore[return-value]
        start = pen
        if has_sgr and len(lines) > 1:
            pen = self.fold_sgr("\r\n".join(lines[:-1]), pen)
        block = _SgrBlock(lines, start.attrs, pen.attrs)
        rows = list(map(_SgrLine, zip(repeat(block), range(len(lines)))))
        if has_sgr:
            pen = self.fold_sgr(lines[-1], pen)
        return rows, pen  # type: ignore[return-value]

    def _expand_run(self, run: RawLines) -> list[Any]:
        """The history rows a run of a flood's lines makes (wrapped as they were, at the width then)."""
        lines = run.text.split("\r\n")
        has_sgr = "\x1b" in run.text
        rows, _ = self.pen_rows(lines, self.cells_for(run.pen), has_sgr)
        widths = _ascii_widths(lines, run.columns, has_sgr)
        if max(widths) > run.columns:
            rows = _wrap_all(rows, widths, run.columns, self.runs_of)
        return rows

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
        cursor = self.cursor
        cells = self.cells_for(cursor.attrs)
        columns = self.columns
        buffer = self.buffer
        x = cursor.x
        if x + len(data) <= columns and mo.IRM not in self.mode:
            # Text that fits on the line, every character one cell (accented
            # letters, arrows, box drawing) or two (CJK, emoji): no wrap, no
            # combining, so all of it at once.
            widths = list(map(wcwidth, data))
            if widths.count(1) == len(data):
                buffer[cursor.y].update(zip(range(x, x + len(data)), map(cells.__getitem__, data)))
                cursor.x = x + len(data)
                self.dirty.add(cursor.y)
                return
            if widths.count(1) + widths.count(2) == len(data) and x + sum(widths) <= columns:
                line = buffer[cursor.y]
                stub = cells[""]
                for char, width in zip(data, widths):
                    line[x] = cells[char]
                    if width == 2:
                        line[x + 1] = stub
                    x += width
                cursor.x = x
                self.dirty.add(cursor.y)
                return
        autowrap = mo.DECAWM in self.mode
        insert = mo.IRM in self.mode
        for char in data:
            char_width = wcwidth(char)
            if char_width < 0 or (char_width == 0 and not unicodedata.combining(char)):
                continue
            if cursor.x == columns:
                if autowrap:
                    self.dirty.add(cursor.y)
                    self.carriage_return()
                    self.linefeed()
                elif char_width > 0:
                    cursor.x -= char_width
            if insert and char_width > 0:
                self.insert_characters(char_width)
            line = buffer[cursor.y]
            if char_width == 1:
                line[cursor.x] = cells[char]
            elif char_width == 2:
                line[cursor.x] = cells[char]
                if cursor.x + 1 < columns:
                    line[cursor.x + 1] = cells[""]
            elif cursor.x:
                last = line[cursor.x - 1]
                line[cursor.x - 1] = last._replace(data=unicodedata.normalize("NFC", last.data + char))
            elif cursor.y:
                above = buffer[cursor.y - 1]
                last = above[columns - 1]
                above[columns - 1] = last._replace(data=unicodedata.normalize("NFC", last.data + char))
            if char_width > 0:
                cursor.x = min(cursor.x + char_width, columns)
        self.dirty.add(cursor.y)

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

    def delete_lines(self, count: int | None = None) -> None:
        # pyte's leaves a line where it was when the one that should move up
        # into it has no cells yet (never written); it must become blank.
        count = count or 1
        top, bottom = self.margins or (0, self.lines - 1)
        if top <= self.cursor.y <= bottom:
            buffer = self.buffer
            self.dirty.update(range(self.cursor.y, self.lines))
            for y in range(self.cursor.y, bottom + 1):
                moved = buffer.pop(y + count, None) if y + count <= bottom else None
                if moved is None:
                    buffer.pop(y, None)
                else:
                    buffer[y] = moved
            self.carriage_return()

    def index(self) -> None:
        top, bottom = self.margins or (0, self.lines - 1)
        if self.cursor.y == bottom and top == 0 and self._alt is None:
            self._push_history([self.buffer.get(0)])
        super().index()

    def erase_in_line(self, how: int = 0, private: bool = False) -> None:
        # pyte's, with the cells written in one go (top and vi send one per line).
        cursor = self.cursor
        self.dirty.add(cursor.y)
        if how == 0:
            interval = range(cursor.x, self.columns)
        elif how == 1:
            interval = range(cursor.x + 1)
        elif how == 2:
            interval = range(self.columns)
        else:
            return
        self.buffer[cursor.y].update(zip(interval, repeat(cursor.attrs)))

    def erase_in_display(self, how: int = 0, *args: Any, **kwargs: Any) -> None:
        # pyte's (which erases only the cells a line has), in one go per line.
        cursor = self.cursor
        if how == 0:
            interval = range(cursor.y + 1, self.lines)
        elif how == 1:
            interval = range(cursor.y)
        elif how == 2 or how == 3:
            interval = range(self.lines)
        else:
            return
        self.dirty.update(interval)
        buffer = self.buffer
        for y in interval:
            line = buffer[y]
            if line:
                line.update(dict.fromkeys(line, cursor.attrs))
        if how == 0 or how == 1:
            self.erase_in_line(how)
        if how == 3:  # `clear` sends ESC[3J: forget the scrollback too
            self.history.clear()
            self.full_redraw = True

    def set_mode(self, *modes: int, **kwargs: Any) -> None:
        self._place_lazy()  # DECSCNM changes the blank a line is made with
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
        self._place_lazy()
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
            # Without a saved cursor (modes 47 and 1047), the last line with
            # anything on it: pyte leaves blank lines in the buffer or not
            # depending on how the text got there.
            anchor = saved.cursor.y if saved.cursor is not None else self._last_written(saved.buffer)
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
        """Freeze lines leaving the top of the main screen.

        A pyte line, a list of cells or None (blank) become a tuple of cells;
        a line a flood left as text (str, PenRuns, _SgrLine) is kept as it is.
        """
        rows = list(rows)
        maxlen = self.history.maxlen
        kept = rows[-maxlen:] if maxlen else []
        self.history.skip(len(rows) - len(kept))
        # Cells are the shared Chars of the cell caches, so a history line
        # costs one tuple of references. Lines a flood left as text are kept
        # as they are.
        self.history.extend([row if row.__class__ in _TEXT_ROWS and row else self._frozen(row) for row in kept])

    def _frozen(self, row: Any) -> tuple[Char, ...]:
        if not row:
            return ()
        if row.__class__ is list:
            return tuple(row)
        if row.__class__ is StaticDefaultDict:
            width = min(max(row) + 1, self.columns)
            return tuple(map(row.get, range(width), repeat(row.default, width)))
        return row  # type: ignore[no-any-return]

    @property
    def history_pushed(self) -> int:
        """Lines ever pushed to history; the view uses it to stay put while scrolled back."""
        return self.history.pushed

    @property
    def feeds_history(self) -> bool:
        """Lines scrolling off the region's top go to history (main screen, region from line 1)."""
        return self._alt is None and (self.margins is None or self.margins.top == 0)

    # -- the scroll region as a flood leaves it -----------------------------
    #
    # In a flood the region's lines are kept as a list (`_lazy`, top to
    # bottom): pyte lines, None, or text as it came (str, PenRuns, _SgrLine),
    # so scrolling is list surgery and text becomes cells only when drawn.
    # `buffer` puts them back before anything else touches the screen.

    def lazy_region(self) -> list[Any]:
        """The scroll region's lines as a list the flood path can edit in place."""
        top, bottom = self.margins or (0, self.lines - 1)
        lazy = self._lazy
        if lazy is not None and (top != self._lazy_top or len(lazy) != bottom - top + 1):
            self._place_lazy()  # the region changed since: start again from the cells
            lazy = None
        if lazy is None:
            buffer = self._buffer
            lazy = self._lazy = [buffer.pop(y, None) for y in range(top, bottom + 1)]
            self._lazy_top = top
        return lazy

    def scroll_region(self, rows: list[Any], run: RawLines | None = None) -> None:
        """Line feeds at the region's bottom bring `rows` in: as many lines leave at the top (to history if kept).

        `run` is lines that came before `rows` and scrolled straight
        through (`count >= height` then), kept as they came.
        """
        lazy = self.lazy_region()
        height = len(lazy)
        count = len(rows)
        keep = self.feeds_history
        if count >= height:
            if keep:
                self._push_history(lazy)
                if run is not None:
                    self.history.add_run(run)
                if count > height:
                    # Text lines that scroll straight through are history already.
                    self.history.extend(rows[: count - height])
            lazy[:] = rows[count - height :]
        else:
            if keep:
                self._push_history(lazy[:count])
            del lazy[:count]
            lazy += rows
        self.dirty.update(range(self._lazy_top, self._lazy_top + height))

    def _place_lazy(self) -> None:
        rows, self._lazy = self._lazy, None
        if rows is None:
            return
        buffer = self._buffer
        blank = self.default_char
        plain = self.cells_for(BLANK_CELL)
        cells_for = self.cells_for
        for y, row in enumerate(rows, self._lazy_top):
            if row.__class__ is StaticDefaultDict:
                buffer[y] = row
                continue
            if not row:
                buffer.pop(y, None)
                continue
            line = StaticDefaultDict(blank)
            if row.__class__ is str:
                line.update(enumerate(map(plain.__getitem__, cell_texts(row))))
            else:
                x = 0
                for pen, text in self.runs_of(row):
                    if text:
                        data = cell_texts(text)
                        line.update(zip(range(x, x + len(data)), map(cells_for(pen).__getitem__, data)))
                        x += len(data)
            buffer[y] = line

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

    def _last_written(self, buffer: defaultdict[int, StaticDefaultDict[int, Char]]) -> int:
        blank = self.default_char
        return max((y for y, row in buffer.items() if any(cell != blank for cell in row.values())), default=0)

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
                    rows[index] = [blank if c is _GAP else c for c in rows[index]]
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

    def _process(self, text: str, spans: bool = True) -> None:
        """Apply decoded text; with `spans`, runs of lines longer than the screen go to `_flood`."""
        if spans and "\r\n" in text and self._flood_read(text):
            return
        screen = self._screen
        stream = self._stream
        token = _TOKEN.match
        slow_end = _SLOW_END.search
        # Plain runs with the pen they were written with; flushed before
        # anything other than SGR touches the screen.
        batch: list[tuple[_CellCache, str]] = []
        add = batch.append
        # State that only non-SGR operations change; refreshed after each.
        cursor = screen.cursor
        cells = screen.cells_for(cursor.attrs)
        plain_ok = self.bulk_plain_text and screen.can_write_plain()
        sgr_cacheable = mo.DECSCNM not in screen.mode
        # A span of text and SGR goes to `_flood` if it has a line feed, or
        # the region is kept as a list already (a flood goes on); text
        # before `span_end` is known not to start one.
        spans = spans and self.bulk_plain_text and ("\r\n" in text or screen._lazy is not None)
        span_end = 0
        # Where the next span-breaking control and ESC are (-1: not looked yet).
        control_at = esc_at = -1 if spans else len(text)
        control_free: bool | None = None
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
                flood = False
                if spans and i >= span_end and plain_ok and sgr_cacheable:
                    # Each search runs on from where the last one's find
                    # was passed, so the text is scanned once in all.
                    if control_at < i:
                        if control_free is None:
                            # ASCII text with no control but CR, LF, TAB, BS
                            # and ESC (the usual flood) is told at C speed,
                            # three times the regex's; asked once per text.
                            control_free = text.isascii() and not text.encode("ascii").translate(None, _SPAN_ASCII)
                        control_at = n if control_free else _next_break(_SPAN_BREAKING_CONTROL, text, i)
                    if esc_at < i:
                        esc_at = _next_break(_SPAN_BREAKING_ESC, text, i)
                    found = min(control_at, esc_at)
                    if found == i:
                        span_end = i + 1
                    else:
                        span_end = found
                        flood = screen._lazy is not None or text.find("\r\n", i, span_end) >= 0
                if flood:
                    if batch:
                        screen.write_plain(batch)
                        batch.clear()
                    self._flood(text[i:span_end])
                    i = span_end
                else:
                    match = token(text, i)
                    if match is not None:
                        i = match.end()
                        sgr, run, plain_run, private, body, final = match.groups()
                        if sgr is not None or (final == "m" and not private):
                            if sgr is None:
                                sgr = body
                            after = cells.after.get(sgr) if sgr_cacheable else None
                            if after is None:
                                screen.apply_sgr(sgr)
                                cells = screen.cells_for(cursor.attrs)
                            else:
                                cells = after
                                cursor.attrs = after.attrs
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
                                screen.apply_sgr(_colon_sgr(match.group(1)))
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
            if cursor.attrs is not cells.attrs:
                cells = screen.cells_for(cursor.attrs)
            plain_ok = self.bulk_plain_text and screen.can_write_plain()
            sgr_cacheable = mo.DECSCNM not in screen.mode
        if batch:
            screen.write_plain(batch)

    def _flood_read(self, text: str) -> bool:
        """Apply `text` if it is all lines of ASCII text and SGR, CR LF between them, scrolling the region through.

        That is most reads of a flood once it goes on. It is told with a few
        passes over the bytes at C speed, and the lines that scroll straight
        through are not even split: they go to history as the text they
        came in (`RawLines`), made rows only if anybody scrolls back before
        newer lines push them out. Only the region's lines are looked at.
        False, with nothing done, for anything else (`_process` goes on).
        """
        screen = self._screen
        cursor = screen.cursor
        top, bottom = screen.margins or (0, screen.lines - 1)
        height = bottom - top + 1
        if not (
            cursor.y == bottom
            and len(text) > 2 * height
            and text.isascii()
            and self.bulk_plain_text
            and self._stream._taking_plain_text
            and screen.can_write_plain()
            and mo.DECAWM in screen.mode
            and mo.DECSCNM not in screen.mode
        ):
            return False
        if text[0] == "\n":
            if cursor.x:
                return False
            text = "\r" + text  # at column 0 (the CR ended the last read), LF is CR LF
        # A CR at the end (maybe the first half of a CR LF) only moves the cursor.
        cr_end = text[-1] == "\r"
        if cr_end:
            text = text[:-1]
        data = text.encode("ascii")
        kept = data.translate(_FLOOD_TABLE, _FLOOD_DELETE)
        if b"\x00" in kept:
            return False  # a control but CR and LF
        count = data.count(b"\r\n")
        if count <= height:
            return False
        # Every CR and LF is in a CR LF and every ESC starts an SGR when
        # there are no more of them than those make. CR LF and ESC [ are
        # counted as written, not once digits are out ("\r5\n" is no CR LF,
        # ESC 7 saves the cursor).
        sgrs = 0
        if b"\x1b" in kept:
            sgrs = kept.count(b"\x1b[m")
            if data.count(b"\x1b[") != sgrs:
                return False
        if len(kept) - len(kept.translate(None, b"\r\n\x1b")) != 2 * count + sgrs:
            return False
        self._in_sequence = 0
        end = text.find("\r\n")
        if end and not self._extend_last_line(text[:end]):
            self._process(text[:end], spans=False)
            if cursor.y != bottom or not self._stream._taking_plain_text:
                self._process(text[end:], spans=False)
                return True
        # The lines after the first: those before the last `height` scroll
        # straight through (`through`, CR LF before each); the last ones fill
        # the region (when lines wrap, their first rows pass to history too).
        parts = text[end:].rsplit("\r\n", height)
        through = parts[0]
        lines = parts[1:]
        columns = screen.columns
        pen = screen.cells_for(cursor.attrs)
        has_sgr = bool(sgrs)
        run = None
        if screen.feeds_history:
            run = RawLines(through[2:], count - height, pen.attrs, columns)
        if has_sgr:
            pen = screen.fold_sgr(through, pen)
        rows, pen = screen.pen_rows(lines, pen, has_sgr)
        widths = _ascii_widths(lines, columns, has_sgr)
        if max(widths) > columns:
            rows = _wrap_all(rows, widths, columns, screen.runs_of)
        screen.scroll_region(rows, run)
        last = lines[-1]
        width = len(_SGR.sub("", last)) if "\x1b" in last else len(last)
        cursor.x = 0 if cr_end or not width else (width - 1) % columns + 1
        cursor.attrs = pen.attrs
        return True

    def _flood(self, span: str) -> None:
        """Apply lines of text and SGR with CR LF between them that scroll the region.

        The lines are kept as text (see `_Screen.scroll_region`): lines that
        scroll in at the bottom and out at the top within the span are
        never made cells at all, and only their SGRs are followed, for the
        pen. The lines before the cursor reaches the region's bottom are
        applied as usual. What this does not cover exactly (TAB with colours
        or custom tab stops, BS, a lone CR or LF, combining characters, long
        lines without autowrap or with two-cell characters) takes the usual
        path.
        """
        screen = self._screen
        if span[0] == "\n" and screen.cursor.x == 0:
            span = "\r" + span  # the CR of a CR LF came at the end of the last read
        # A CR at the end (maybe the first half of a CR LF) only moves the cursor.
        trimmed = span.rstrip("\r")
        self._flood_lines(trimmed)
        if len(trimmed) < len(span):
            screen.cursor.x = 0

    def _flood_lines(self, span: str) -> None:
        screen = self._screen
        if "\r\r" in span:
            span = _CRS_LF.sub("\r\n", span)
        bottom = screen.margins.bottom if screen.margins else screen.lines - 1
        lines = span.split("\r\n")
        # Line feeds move the cursor down over lines on screen until it is
        # on the region's bottom line: those lines are written as usual.
        lead = bottom - screen.cursor.y + 1
        if lead == 1 and self._extend_last_line(lines[0]):
            if len(lines) == 1:
                return
        elif len(lines) <= lead:
            self._process(span, spans=False)
            return
        else:
            self._process(span[: sum(map(len, lines[:lead])) + 2 * (lead - 1)], spans=False)
        rest = lines[lead:]
        rest_text = span[sum(map(len, lines[:lead])) + 2 * (lead - 1) :]  # "\r\n" before each line of `rest`
        if not (
            screen.cursor.y == bottom
            and self._stream._taking_plain_text
            and screen.can_write_plain()
            and mo.DECSCNM not in screen.mode
        ):
            self._process(rest_text, spans=False)
            return
        count = len(rest)
        # No control but CR LF between the lines (SGR has none), and every
        # character one or (`doubles`) two cells wide.
        doubles = False if rest_text.isascii() else _doubles(rest_text)
        if doubles is None or "\x08" in rest_text or rest_text.count("\r") != count or rest_text.count("\n") != count:
            self._process(rest_text, spans=False)
            return
        has_sgr = "\x1b" in rest_text
        pen = screen.cells_for(screen.cursor.attrs)
        columns = screen.columns
        height = bottom - (screen.margins.top if screen.margins else 0) + 1
        texts = rest
        tabs = "\t" in rest_text
        if tabs:
            # TAB moves over cells without writing them: on a fresh line
            # that is the default pen's blanks, so there tabs are spaces.
            if has_sgr or doubles or pen.attrs != BLANK_CELL or screen.tabstops != set(range(8, columns, 8)):
                self._process(rest_text, spans=False)
                return
            # A tab at the end writes nothing: pyte's line ends before it.
            texts = [_expand_tabs(line) if "\t" in line else line for line in rest]
            if any(len(text) >= columns for text, line in zip(texts, rest) if "\t" in line):
                self._process(rest_text, spans=False)  # a tab would stop at the last column
                return
            widths = list(map(len, texts))
        elif doubles:
            widths = [_width(_SGR.sub("", line) if "\x1b" in line else line) for line in rest]
        else:
            widths = _ascii_widths(rest, columns, has_sgr)
        wide = max(widths) > columns
        # Two-cell characters are not wrapped here: pyte may cut one at the edge.
        if wide and (doubles or mo.DECAWM not in screen.mode):
            self._process(rest_text, spans=False)
            return
        # Lines from `first` on fill the region by the end (or all lines, if
        # they are fewer); the ones before only pass through.
        if wide:
            first = count
            filled = 0
            while first and filled < height:
                first -= 1
                filled += (widths[first] - 1) // columns + 1 if widths[first] else 1
        else:
            first = max(0, count - height)
            filled = count - first
        if tabs and filled < height:
            self._process(rest_text, spans=False)
            return
        passing: list[Any] = []
        if first:
            if screen.feeds_history:
                passing, pen = screen.pen_rows(texts[:first], pen, has_sgr)
                if wide:
                    passing = _wrap_all(passing, widths, columns, screen.runs_of)
            elif has_sgr:
                pen = screen.fold_sgr(rest_text[: sum(map(len, rest[:first])) + 2 * first], pen)
        if tabs:
            # The lines that stay leave cells unwritten: they are applied as usual.
            screen.scroll_region(passing + [None] * height)
            screen.cursor.x = 0
            screen.cursor.y = bottom - height + 1
            screen.cursor.attrs = pen.attrs
            self._process(rest_text[sum(map(len, rest[:first])) + 2 * first + 2 :], spans=False)
            return
        shown, pen = screen.pen_rows(rest[first:], pen, has_sgr)
        if wide:
            shown = _wrap_all(shown, widths[first:], columns, screen.runs_of)
        screen.scroll_region(passing + shown if passing else shown)
        last = rest[-1]
        width = _width(_SGR.sub("", last) if "\x1b" in last else last)
        screen.cursor.x = (width - 1) % columns + 1 if width else 0
        screen.cursor.attrs = pen.attrs

    def _joined_row(self, last: Any, text: str, x: int) -> tuple[Any, _CellCache] | None:
        """`last`, a line of ASCII a flood left as text and `x` cells wide, with `text` after it, and the pen then.

        The line stays text: one line of its own. None if `last` is not that simple.
        """
        screen = self._screen
        if last.__class__ is str:
            line, start = last, BLANK_CELL
        elif last.__class__ is _SgrLine:
            block, index = last
            if index == len(block.lines) - 1:
                start = block.last_pen
            elif block.pens is not None:
                start = block.pens[index]
            else:
                return None
            line = block.lines[index]
        else:
            return None
        if not line.isascii() or (len(_SGR.sub("", line)) if "\x1b" in line else len(line)) != x:
            return None  # over what is there, or after cells skipped: the usual path
        pen = screen.cells_for(screen.cursor.attrs)
        if (screen.fold_sgr(line, screen.cells_for(start)).attrs if "\x1b" in line else start) != pen.attrs:
            return None  # the pen changed after the line's own SGRs (a colon SGR, say)
        if "\x1b" in text:
            pen = screen.fold_sgr(text, pen)
        line += text
        if start == BLANK_CELL and "\x1b" not in line:
            return line, pen
        return _SgrLine((_SgrBlock([line], start, start), 0)), pen

    def _extend_last_line(self, text: str) -> bool:
        """Write `text` (text and SGR) at the cursor on the region's last line, kept as a flood left it.

        The next read of a flood goes on where the last one stopped, usually
        in the middle of a line. False (nothing done) unless the region is
        kept as a list already and this is exactly what writing `text` does.
        """
        screen = self._screen
        if screen._lazy is None:
            return False
        has_sgr = "\x1b" in text
        plain = _SGR.sub("", text) if has_sgr else text
        if plain and not plain.isprintable():
            return False
        doubles = False if plain.isascii() else _doubles(plain)
        if doubles is None:
            return False
        written = _width(plain)
        cursor = screen.cursor
        x = cursor.x
        columns = screen.columns
        lazy = screen.lazy_region()
        last = lazy[-1]
        cells = bool(not last or last.__class__ is StaticDefaultDict)
        if x + written > columns and (cells or doubles or mo.DECAWM not in screen.mode):
            return False
        if plain and not cells and not doubles and x + written <= columns:
            joined = self._joined_row(last, text, x)
            if joined is not None:
                lazy[-1], pen = joined
                cursor.x = x + written
                cursor.attrs = pen.attrs
                screen.dirty.add(cursor.y)
                return True
        if plain and not cells:
            if last.__class__ is not str:
                last = screen.runs_of(last)
            width = _width(last) if last.__class__ is str else sum(_width(run[1]) for run in last)
            if x != width:
                # Over what is there, or after cells skipped (pyte has no
                # cell there, which erasing tells apart): the usual path.
                return False
            if x + written > columns and not (last if last.__class__ is str else "".join(t for _, t in last)).isascii():
                return False  # autowrap over wide characters: the usual path
        rows, pen = screen.pen_rows([text], screen.cells_for(cursor.attrs), has_sgr)
        cursor.attrs = pen.attrs
        if not plain:
            return True  # SGR only: nothing is written
        if cells:
            # pyte's own line (or none yet): write the cells.
            line = last if last else StaticDefaultDict(screen.default_char)
            for attrs, run in screen.runs_of(rows[0]):
                if run:
                    data = cell_texts(run)
                    line.update(zip(range(x, x + len(data)), map(screen.cells_for(attrs).__getitem__, data)))
                    x += len(data)
            lazy[-1] = line
        else:
            more = rows[0]
            if last.__class__ is str and more.__class__ is str:
                joined: Any = last + more
            else:
                joined = PenRuns(screen.runs_of(last) + screen.runs_of(more))
            x += written
            if x <= columns:
                lazy[-1] = joined
            else:
                # Autowrap: the line goes on below, scrolling the region.
                pieces = _wrap(joined, columns)
                lazy[-1] = pieces[0]
                screen.scroll_region(pieces[1:])
                x = (x - 1) % columns + 1
        cursor.x = x
        screen.dirty.add(cursor.y)
        return True

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

    def _cursor_state(self) -> tuple[int, int, bool]:
        cursor = self._screen.cursor
        return (cursor.x, cursor.y, not cursor.hidden)

    def _collect_changes(self) -> None:
        """Turn what pyte marked dirty into lines of the view to redraw."""
        screen = self._screen
        offset = self._scroll_offset
        if offset:
            # Runs of a flood's lines become rows first, so that `pushed`
            # counts the rows their wrapped lines make.
            len(screen.history)
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
        if offset:
            # Scrolled back: keep showing the same lines while output arrives.
            wanted = offset + pushed
            shown_from = offset  # the first view line that showed the screen
            offset = min(wanted, len(screen.history))
            if offset != wanted:
                full = True
            self._scroll_offset = offset
            changed = {y + offset for y in changed if y + offset < screen.lines}
            if pushed:
                # The view lines that showed the screen show other lines of
                # it now, or the ones pushed to history: lines that stayed
                # below a scroll region are not among them.
                changed.update(range(shown_from, screen.lines))
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
            if self._scroll_offset:
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
        with self.lock:  # counting makes rows of runs of lines the reader thread may be adding to
            return len(self._screen.history)

    def history_cells(self, index: int) -> tuple[Char, ...]:
        """History line `index` (0 is the oldest) as the cells it shows, from column 0."""
        with self.lock:
            row = self._screen.history[index]
            if row.__class__ is tuple:
                return row  # type: ignore[return-value]
            return tuple(pen._replace(data=data) for pen, text in self._screen.runs_of(row) for data in cell_texts(text))

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
        # Counting the history made rows of runs of lines (and counted their
        # wrapped lines as pushed): not lines that came since the last feed.
        self._seen_pushed = self._screen.history_pushed
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
                    row = history[index]
                    if row.__class__ is _SgrLine:
                        row = screen.runs_of(row)
                    strip = self._renderer.render_history(row, width)
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


def _doubles(text: str) -> bool | None:
    """Whether `text` has characters two cells wide; None if some take none (combining, zero width) or are not printable."""
    widths = {wcwidth(char) for char in set(text) if char > "\x7f"}
    if not widths <= {1, 2}:
        return None
    return 2 in widths


def _width(text: str) -> int:
    """The cells `text` (printable, one or two cells a character) takes."""
    return len(text) if text.isascii() else sum(map(wcwidth, text))


def _ascii_widths(lines: list[str], columns: int, has_sgr: bool) -> list[int]:
    """Printable lengths of ASCII lines of text and SGR where they matter: `columns` for a line that fits."""
    widths = list(map(len, lines))
    if has_sgr and max(widths) > columns:
        # Only lines longer than the screen with their SGRs are measured
        # (each SGR is 3 characters at least).
        for index in compress(range(len(lines)), map(columns.__lt__, widths)):
            line = lines[index]
            if len(line) - 3 * line.count("\x1b") > columns:
                widths[index] = len(_SGR.sub("", line))
            else:
                widths[index] = columns  # fits: one screen line
    return widths


def _expand_tabs(line: str) -> str:
    return line.rstrip("\t").expandtabs()


def _wrap_all(rows: list[Any], widths: list[int], columns: int, runs_of: Callable[[Any], PenRuns]) -> list[Any]:
    """Lines as the screen lines autowrap makes of them (widths: their printable lengths)."""
    out: list[Any] = []
    for row, width in zip(rows, widths):
        if width > columns:
            out += _wrap(row if row.__class__ is str else runs_of(row), columns)
        else:
            out.append(row)
    return out


def _wrap(row: str | PenRuns, columns: int) -> list[str | PenRuns]:
    """A history line wider than the screen as the screen lines autowrap makes of it."""
    if row.__class__ is str:
        return [row[x : x + columns] for x in range(0, max(1, len(row)), columns)]
    out: list[str | PenRuns] = []
    runs: list[tuple[Char, str]] = []
    room = columns
    for pen, text in row:
        while len(text) > room:
            runs.append((pen, text[:room]))
            out.append(PenRuns(runs))
            runs = []
            text = text[room:]
            room = columns
        runs.append((pen, text))
        room -= len(text)
    out.append(PenRuns(runs))
    return out


def _params(body: str) -> list[int]:
    """CSI parameters as pyte's parser reads them: empty is 0, capped at 9999."""
    return [min(int(p or 0), 9999) if len(p) < 5 else _long_param(p) for p in body.split(";")]


def _long_param(digits: str) -> int:
    # Capped before it is converted: Python refuses to convert more than 4300 digits.
    digits = digits.lstrip("0")
    return 9999 if len(digits) > 4 else int(digits or 0)


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
