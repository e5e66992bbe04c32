"""pyte cells to Textual Strips: colours, text attributes, wide characters, the cursor.

A Style is built once per distinct set of attributes and looked up per cell by
the (shared, interned) Char object, so rendering a line allocates one Segment
per run of equal style, not one object per cell.

History lines come in three shapes (see `render_history`): cells like a screen
line, or, for lines a flood scrolled through without ever being drawn, the
text itself (`str`, default attributes) or `PenRuns`.
"""

from __future__ import annotations

from functools import lru_cache
from itertools import compress, repeat
from operator import is_not, itemgetter
from typing import Any, Sequence

from pyte.graphics import FG_BG_256
from pyte.screens import Char, wcwidth
from rich.color import Color
from rich.segment import Segment
from rich.style import Style
from textual.strip import Strip

_ANSI = {
    "black": 0,
    "red": 1,
    "green": 2,
    "brown": 3,  # pyte's name for yellow
    "yellow": 3,
    "blue": 4,
    "magenta": 5,
    "cyan": 6,
    "white": 7,
}

# pyte turns `38;5;N` into the hex of xterm's palette. For the 16 base colours
# map it back to the index so they follow the user's terminal theme; the cube
# and grey ramp are exact RGB anyway. A base colour whose hex is also in the
# cube (ff0000 is 9 and 196) stays RGB: it may as well be 38;2;255;0;0.
_BASE_PALETTE: dict[str, int] = {
    value: index for index, value in enumerate(FG_BG_256[:16]) if value not in FG_BG_256[16:]
}

#: An empty cell with no attributes: what history rows are padded with.
BLANK_CELL = Char(" ")
_first = itemgetter(0)
_EMPTY = Strip([], 0)
_STYLE_CACHE_LIMIT = 20000


class PenRuns(tuple):  # type: ignore[type-arg]
    """A line of text from column 0 as ((pen, text), ...): each text in its pen's attributes.

    The pen is a Char whose data is ignored (the cursor's attributes when the
    text was written). Empty texts are allowed. The text has no control
    character; a character pyte takes as two cells wide takes two (`cell_texts`).
    """

    __slots__ = ()


def cell_texts(text: str) -> list[str] | str:
    """What each cell holds once `text` is written, pyte's way: a wide character, then an empty cell."""
    if text.isascii():
        return text
    out: list[str] = []
    for char in text:
        out.append(char)
        if wcwidth(char) == 2:
            out.append("")
    return out


@lru_cache(maxsize=2048)
def to_color(name: str) -> Color | None:
    """pyte's colour value ("red", "brightred", "default", "ff8700") as a rich Color."""
    if name == "default":
        return None
    if name in _ANSI:
        return Color.from_ansi(_ANSI[name])
    if name.startswith("bright") and name[6:] in _ANSI:
        return Color.from_ansi(_ANSI[name[6:]] + 8)
    if name == "bfightmagenta":  # pyte's spelling for SGR 105
        return Color.from_ansi(13)
    index = _BASE_PALETTE.get(name)
    if index is not None:
        return Color.from_ansi(index)
    if len(name) == 6:
        try:
            return Color.from_rgb(int(name[0:2], 16), int(name[2:4], 16), int(name[4:6], 16))
        except ValueError:
            return None
    return None  # e.g. truecolor components > 255, which pyte formats as longer hex


def style_for(char: Char) -> Style:
    """The rich Style for a cell's attributes (its text is ignored)."""
    return Style(
        color=to_color(char.fg),
        bgcolor=to_color(char.bg),
        bold=char.bold or None,
        italic=char.italics or None,
        underline=char.underscore or None,
        strike=char.strikethrough or None,
        reverse=char.reverse or None,
        blink=char.blink or None,
    )


class _StyleByChar(dict):  # type: ignore[type-arg]
    """Char -> Style; a miss builds (or reuses) the Style for the Char's attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.by_attrs: dict[tuple[Any, ...], Style] = {}

    def __missing__(self, char: Char) -> Style:
        attrs = char[1:]
        style = self.by_attrs.get(attrs)
        if style is None:
            style = self.by_attrs[attrs] = style_for(char)
        if len(self) > _STYLE_CACHE_LIMIT:
            self.clear()
        self[char] = style
        return style


class StripRenderer:
    """Caches of Styles and blank Strips shared by every line of one terminal."""

    def __init__(self) -> None:
        self._styles = _StyleByChar()
        self._cursor_styles: dict[Style, Style] = {}
        self._blanks: dict[tuple[int, Char], Strip] = {}

    def render_row(
        self,
        row: Any,
        columns: int,
        width: int,
        blank: Char,
        cursor_x: int | None = None,
    ) -> Strip:
        """A screen line (pyte's sparse dict of cells, or None when never written)."""
        if width <= 0:
            return _EMPTY  # a view with no room (being laid out or removed)
        count = min(columns, width)
        if not row:
            if cursor_x is None:
                return self._blank(width, blank)
            cells = [blank] * count
        else:
            cells = list(map(row.get, range(count), repeat(row.default, count)))
        if count < width:
            cells.extend(repeat(blank, width - count))
        return self._strip(cells, width, cursor_x)

    def render_history(self, row: Sequence[Char] | str | PenRuns, width: int) -> Strip:
        """A history line from column 0, possibly shorter or wider than `width`.

        A tuple of cells; a `str` of printable ASCII in the default attributes;
        or `PenRuns`.
        """
        if width <= 0:
            return _EMPTY
        if not row:
            return self._blank(width, BLANK_CELL)
        if row.__class__ is str:
            if row.isascii():  # type: ignore[union-attr]
                text = row[:width]  # type: ignore[index]
                if len(text) < width:
                    text = text.ljust(width)
                return Strip([Segment(text, self._styles[BLANK_CELL])], width)
            row = PenRuns(((BLANK_CELL, row),))
        if row.__class__ is PenRuns:
            if all(text.isascii() for _, text in row):  # type: ignore[misc]
                return self._runs_strip(row, width)  # type: ignore[arg-type]
            # Other text goes cell by cell, like a screen line (rich may
            # measure a character differently from pyte).
            row = [Char(data, *pen[1:]) for pen, text in row for data in cell_texts(text)]  # type: ignore[misc]
        cells = list(row[:width])  # type: ignore[index]
        if len(cells) < width:
            cells.extend(repeat(BLANK_CELL, width - len(cells)))
        return self._strip(cells, width, None)

    def _runs_strip(self, runs: PenRuns, width: int) -> Strip:
        styles = self._styles
        # (text, style) with neighbours of the same style joined, as `_strip` does.
        pieces: list[list[Any]] = []
        room = width
        for pen, text in runs:
            if not text:
                continue
            text = text[:room]
            style = styles[pen]
            if pieces and pieces[-1][1] is style:
                pieces[-1][0] += text
            else:
                pieces.append([text, style])
            room -= len(text)
            if not room:
                break
        if room:
            style = styles[BLANK_CELL]
            if pieces and pieces[-1][1] is style:
                pieces[-1][0] += " " * room
            else:
                pieces.append([" " * room, style])
        return Strip([Segment(text, style) for text, style in pieces], width)

    def _blank(self, width: int, blank: Char) -> Strip:
        key = (width, blank)
        strip = self._blanks.get(key)
        if strip is None:
            if len(self._blanks) > 64:
                self._blanks.clear()
            strip = self._blanks[key] = Strip([Segment(" " * width, self._styles[blank])], width)
        return strip

    def _cursor_style(self, style: Style) -> Style:
        cursor = self._cursor_styles.get(style)
        if cursor is None:
            cursor = self._cursor_styles[style] = style + Style(reverse=not style.reverse)
        return cursor

    def _strip(self, cells: list[Char], width: int, cursor_x: int | None) -> Strip:
        count = len(cells)
        datas = list(map(_first, cells))
        text = "".join(datas)
        plain = text.isascii()
        if not plain:
            _fix_wide(datas)
        styles = list(map(self._styles.__getitem__, cells))
        if cursor_x is not None and 0 <= cursor_x < count:
            if not plain and datas[cursor_x] == "" and cursor_x:
                cursor_x -= 1  # on the right half of a wide character
            styles[cursor_x] = self._cursor_style(styles[cursor_x])
            if not plain and cursor_x + 1 < count and datas[cursor_x + 1] == "":
                styles[cursor_x + 1] = styles[cursor_x]
        cuts = list(compress(range(1, count), map(is_not, styles[1:], styles)))
        bounds = [0, *cuts, count]
        if plain:
            segments = [Segment(text[a:b], styles[a]) for a, b in zip(bounds, bounds[1:])]
            return Strip(segments, width)
        segments = []
        for a, b in zip(bounds, bounds[1:]):
            piece = "".join(datas[a:b])
            if piece:
                segments.append(Segment(piece, styles[a]))
        strip = Strip(segments)
        # A character rich measures differently from wcwidth must not shift the row.
        return strip if strip.cell_length == width else strip.adjust_cell_length(width)


def _fix_wide(datas: list[str]) -> None:
    """Make each cell's text occupy exactly its cell, as a real terminal shows it.

    pyte stores a wide character followed by an empty stub cell. A stub
    without its character (overwritten) becomes a space; so does a wide
    character whose right half was overwritten or cut off at the edge.
    """
    count = len(datas)
    x = 0
    while x < count:
        data = datas[x]
        if data == "":
            datas[x] = " "
        elif not data.isascii() and wcwidth(data[0]) == 2:
            if x + 1 < count and datas[x + 1] == "":
                x += 2
                continue
            datas[x] = " "
        x += 1
