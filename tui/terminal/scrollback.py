"""The terminal's scrollback: lines that left the top of the screen, oldest first.

In a flood most lines scroll through the screen and out of reach of a
bounded scrollback long before anybody scrolls back to them. So besides
rows, the scrollback takes whole runs of a flood's lines as they came
(`RawLines`: text and SGR, CR LF between them) and makes them rows only
when someone asks for a row or the count. Until then a run costs the slice
of text it is; a run that newer lines push out of reach is dropped
unread.
"""

from __future__ import annotations

from collections import deque
from typing import Any, Callable

#: Characters of runs kept unread before they are made rows, per line kept:
#: runs of very long lines then cost no more memory than their rows would.
CHARS_PER_LINE = 1024


class RawLines:
    """`count` lines of a flood, text and SGR joined by CR LF, as written at `columns` with `pen` (a Char) to start."""

    __slots__ = ("columns", "count", "pen", "text")

    def __init__(self, text: str, count: int, pen: Any, columns: int) -> None:
        self.text = text
        self.count = count
        self.pen = pen
        self.columns = columns


class Scrollback:
    """At most `maxlen` rows, some of them still runs of raw lines.

    A run of `count` lines is at least `count` rows (more if a line wraps),
    so an item is dropped only when the rows after it are `maxlen` or more
    for certain; the exact cut is made when the runs become rows. `expand`
    turns a run into its rows. `pushed` counts rows ever added; it grows by
    the wrapped lines' extra rows when their run is expanded, so a run
    dropped unread counts as its lines (`dropped_unread` says how many
    were). Whoever needs `pushed` exact (a view scrolled back) reads the
    length first.
    """

    def __init__(self, maxlen: int, expand: Callable[[RawLines], list[Any]]) -> None:
        self.maxlen = max(0, maxlen)
        self.pushed = 0
        self._expand = expand
        self._items: deque[Any] = deque()
        #: Rows kept, each run counted as its line count.
        self._floor = 0
        self._runs = 0
        self._chars = 0
        self.dropped_unread = 0

    def append(self, row: Any) -> None:
        self.pushed += 1
        if self.maxlen:
            self._items.append(row)
            self._floor += 1
            self._trim()

    def extend(self, rows: list[Any]) -> None:
        self.pushed += len(rows)
        if self.maxlen:
            if len(rows) > self.maxlen:
                rows = rows[-self.maxlen :]
            self._items.extend(rows)
            self._floor += len(rows)
            self._trim()

    def skip(self, count: int) -> None:
        """`count` rows went by with nothing kept."""
        self.pushed += count

    def add_run(self, run: RawLines) -> None:
        self.pushed += run.count
        if not self.maxlen:
            self.dropped_unread += 1
            return
        self._items.append(run)
        self._floor += run.count
        self._runs += 1
        self._chars += len(run.text)
        self._trim()
        if self._chars > self.maxlen * CHARS_PER_LINE:
            self._settle()

    def clear(self) -> None:
        self.dropped_unread += self._runs
        self._items.clear()
        self._floor = self._runs = self._chars = 0

    def __len__(self) -> int:
        self._settle()
        return len(self._items)

    def __getitem__(self, index: int) -> Any:
        self._settle()
        return self._items[index]

    @property
    def unread(self) -> int:
        """Runs not made rows yet."""
        return self._runs

    def _trim(self) -> None:
        # Drop from the front what the rest surely pushes out: a row when
        # anything is over, a run when all its lines are.
        excess = self._floor - self.maxlen
        if excess <= 0:
            return
        items = self._items
        popleft = items.popleft
        while excess > 0 and items:
            first = items[0]
            if first.__class__ is RawLines:
                if first.count > excess:
                    break
                excess -= first.count
                self._runs -= 1
                self._chars -= len(first.text)
                self.dropped_unread += 1
            else:
                excess -= 1
            popleft()
        self._floor = self.maxlen + excess

    def _settle(self) -> None:
        """Make every run rows, and cut to `maxlen` rows exactly."""
        if not self._runs:
            return
        # Runs are mostly the newest items: only what follows the oldest
        # one is taken off and put back.
        items = self._items
        taken = []
        runs = self._runs
        while runs:
            item = items.pop()
            taken.append(item)
            if item.__class__ is RawLines:
                runs -= 1
        extra = 0
        for item in reversed(taken):
            if item.__class__ is RawLines:
                made = self._expand(item)
                extra += len(made) - item.count
                items.extend(made)
            else:
                items.append(item)
        self.pushed += extra
        self._floor = len(items)
        self._runs = self._chars = 0
        self._trim()
