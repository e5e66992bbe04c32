"""LogView: a scrolling view over a :class:`LogSpool`, drawn with the line API.

The view never holds the log's text. Its virtual height is the number of lines
shown (all of the spool, or a filter's matches); ``render_line`` reads the
lines it needs from the spool by index and keeps a small LRU of rendered
Strips, so opening a log of any size costs one screen of work.

Log text is attacker-controlled. The spool hands it out sanitized (only SGR
colour sequences survive); here it becomes a rich ``Text`` with ``Text.from_ansi``,
which understands SGR and never parses ``[markup]``. Very long lines are cut
with :func:`display_cut` before any styling, so a 1 MB line costs no more
than a short one.

Following: while ``following`` the view stays at the bottom as lines arrive.
Scrolling up pauses it (whatever did the scrolling: keys, wheel, scrollbar)
and counts the lines that arrive meanwhile; ``End``/``G`` resumes.

Wrap: with wrap off a line is one row and the view scrolls sideways; with wrap
on, ``scroll_y`` counts lines, not rows — the page is laid out from the line at
the top — so wrapping never needs the height of every line in the log.
"""

from __future__ import annotations

import bisect
import re
import time
import zlib
from collections import OrderedDict
from collections.abc import Sequence
from os.path import commonprefix as os_commonprefix
from typing import Any

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.timer import Timer
from textual.widget import Widget

from tui.docker.ansi import display_cut
from tui.docker.logspool import LogFilter, LogLine, LogSpool

#: Characters of one line that are styled and shown; the rest is summarised.
DISPLAY_LIMIT = 10_000
#: Rendered lines kept (each a Strip or a few, for wrapped lines).
STRIP_CACHE_SIZE = 2048
#: Container names are shown in at most this many cells in a merged view.
NAME_WIDTH_MAX = 20
#: Following, the view moves to new lines at most once in this many seconds
#: on average: a flood is a blur at any rate, and every move redraws every
#: row, holding the GIL the threads reading the log need. The first
#: FOLLOW_BURST moves come at once, so a log opening (its tail arrives in
#: two or three batches) is on screen as soon as it is read.
FOLLOW_REPAINT_SECONDS = 0.1
FOLLOW_BURST = 3

NAME_COLOURS = (
    "bright_cyan",
    "bright_magenta",
    "bright_green",
    "bright_yellow",
    "bright_blue",
    "cyan",
    "magenta",
    "green",
    "yellow",
    "dodger_blue2",
    "orange1",
    "orchid",
)
STDERR_MARK = Segment("▌", Style(color="red", bold=True))
STDOUT_MARK = Segment(" ")
TIMESTAMP_STYLE = Style(color="bright_black")
MATCH_STYLE = Style(color="black", bgcolor="yellow")
CURRENT_MATCH_STYLE = Style(color="black", bgcolor="dark_orange", bold=True)
CURRENT_LINE_STYLE = Style(bgcolor="grey23")
TRUNCATED_STYLE = Style(color="bright_black", italic=True)


def name_colour(name: str) -> str:
    """The same colour for a container name in every view and every run."""
    return NAME_COLOURS[zlib.crc32(name.encode("utf-8", "replace")) % len(NAME_COLOURS)]


def short_names(names: Sequence[str], width: int = NAME_WIDTH_MAX) -> dict[str, str]:
    """Labels for a merged view: the part of each name that tells them apart.

    A prefix every name shares (a compose project's ``proj-``) is dropped at a
    separator, and a label still too long keeps its end, where compose puts
    the service and replica.
    """
    if len(names) < 2:
        return {name: name for name in names}
    common = len(os_commonprefix(names))
    cut = max((names[0].rfind(sep, 0, common) for sep in "-_."), default=-1) + 1
    labels = {}
    for name in names:
        label = name[cut:] or name
        if len(label) > width:
            label = "…" + label[-(width - 1) :]
        labels[name] = label
    return labels


def short_timestamp(stamp: str) -> str:
    """``2026-11-29T07:02:21.123456789Z`` -> ``2026-11-29 07:02:21.123``."""
    if len(stamp) < 19:
        return stamp
    text = stamp[:10] + " " + stamp[11:19]
    if len(stamp) > 19 and stamp[19] == ".":
        text += stamp[19:23]
    return text


def line_text(
    line: LogLine,
    *,
    timestamps: bool,
    name_width: int,
    pattern: re.Pattern[str] | None,
    current: bool,
    label: str = "",
) -> Text:
    """One log line as styled text, without the stream gutter."""
    cut = display_cut(line.text, DISPLAY_LIMIT)
    body = Text.from_ansi(cut, end="", tab_size=8) if "\x1b" in cut else Text(cut, end="")
    if "\t" in cut:
        body.expand_tabs(8)
    if pattern is not None:
        body.highlight_regex(pattern, CURRENT_MATCH_STYLE if current else MATCH_STYLE)
    text = Text(end="", no_wrap=True)
    if name_width:
        name = (label or line.container)[:name_width].ljust(name_width)
        text.append(name, Style(color=name_colour(line.container), bold=True))
        text.append(" ")
    if timestamps and line.timestamp:
        text.append(short_timestamp(line.timestamp), TIMESTAMP_STYLE)
        text.append(" ")
    text.append_text(body)
    if current:
        # Under the match highlights, which must stay readable on it.
        text.stylize_before(CURRENT_LINE_STYLE)
    return text


class _Rendered:
    """A line's rendered rows, and its last row as shown (cropped, styled)."""

    __slots__ = ("rows", "shown", "shown_key")

    def __init__(self, rows: list[Strip]) -> None:
        self.rows = rows
        self.shown: Strip | None = None
        self.shown_key: tuple[Any, ...] | None = None


class LogView(ScrollView, can_focus=True):
    """The lines of a spool (or of a filter over it), following the end."""

    DEFAULT_CSS = """
    LogView {
        height: 1fr;
    }
    """

    BINDINGS = [
        Binding("end", "follow", "Follow", show=False),
        Binding("G", "follow", "Follow", show=False),
        Binding("g", "scroll_home", "Top", show=False),
    ]

    class FollowChanged(Message):
        """Following paused or resumed, or the count of waiting lines changed."""

        def __init__(self, view: LogView) -> None:
            super().__init__()
            self.view = view

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.spool: LogSpool | None = None
        self.line_filter: LogFilter | None = None
        self.wrap = False
        self.timestamps = False
        self.following = True
        self.pattern: re.Pattern[str] | None = None
        #: Spool index of the current search match, or None.
        self.current_match: int | None = None
        self._count = 0  # lines shown, as of the last update
        self._count_at_pause = 0
        self._name_width = 0
        self.labels: dict[str, str] = {}
        self._max_width = 0
        self._cache: OrderedDict[tuple[Any, ...], _Rendered] = OrderedDict()
        self._page_key: tuple[Any, ...] | None = None
        self._page: list[Strip] = []
        self._page_lines = 0
        self._programmatic_scroll = 0
        self._line_style: Style | None = None
        self._follow_moves = float(FOLLOW_BURST)  # moves allowed now, refilled with time
        self._followed_at = 0.0
        self._follow_timer: Timer | None = None

    # -- keys --------------------------------------------------------------

    async def _on_key(self, event: events.Key) -> None:
        """Run this key's binding now, in the order keys were typed.

        Textual sends every key of a burst (a paste, keys batched over SSH) to
        the widget focused when the burst arrived, and runs bindings only after
        the key has bubbled up to the app. So after ``/`` opened the search
        box, the text typed with it would still reach this view and be lost.
        Running the binding here moves the focus before the next key is
        handled; keys that arrive after the focus moved are passed on to the
        newly focused widget.
        """
        focused = self.screen.focused
        if focused is not None and focused is not self:
            event.stop()
            event.prevent_default()
            focused.post_message(events.Key(event.key, event.character))
            return
        active = self.screen.active_bindings.get(event.key)
        if active is not None and active.enabled:
            event.stop()
            event.prevent_default()
            await self.app.run_action(active.binding.action, active.node)
            return
        await super()._on_key(event)

    # -- what is shown ---------------------------------------------------

    def set_source(self, spool: LogSpool | None, *, names: Sequence[str] = ()) -> None:
        """Show *spool* (a new follow); *names* longer than one means merged."""
        self.spool = spool
        self.line_filter = None
        self.current_match = None
        self.labels = short_names(names)
        self._name_width = max(map(len, self.labels.values())) if len(names) > 1 else 0
        self._count = 0
        self._count_at_pause = 0
        self._max_width = 0
        self._cache.clear()
        self.following = True
        self._follow_moves = float(FOLLOW_BURST)
        self._sync(keep_top=None)
        self.post_message(self.FollowChanged(self))

    def set_filter(self, line_filter: LogFilter | None) -> None:
        """Show only *line_filter*'s lines (None: every line), keeping the place."""
        top = self.top_spool_index()
        self.line_filter = line_filter
        self._count = len(line_filter.indices) if line_filter is not None else (len(self.spool) if self.spool else 0)
        self._cache.clear()
        self._sync(keep_top=top)

    def lines_changed(self) -> None:
        """The spool or the filter has more lines: grow, and follow."""
        if self.spool is None or self.spool.closed:
            return
        count = len(self.line_filter.indices) if self.line_filter is not None else len(self.spool)
        if count == self._count:
            return
        if self.following:
            now = time.monotonic()
            moves = min(FOLLOW_BURST, self._follow_moves + (now - self._followed_at) / FOLLOW_REPAINT_SECONDS)
            self._followed_at = now
            if moves < 1:
                self._follow_moves = moves
                if self._follow_timer is None:
                    self._follow_timer = self.set_timer((1 - moves) * FOLLOW_REPAINT_SECONDS, self._follow_later)
                return
            self._follow_moves = moves - 1
        # Paused over a full screen, the rows shown stay as they are: only
        # the scrollbar changes, and repainting every row 20 times a second
        # during a flood would cost the reader threads their CPU.
        screen_was_full = self._count - int(self.scroll_y) >= self.scrollable_content_region.height
        self._count = count
        self._sync(keep_top=None, repaint=self.following or self.wrap or not screen_was_full)

    def _follow_later(self) -> None:
        self._follow_timer = None
        self.lines_changed()

    @property
    def shown_count(self) -> int:
        return self._count

    @property
    def pending(self) -> int:
        """Lines that arrived in the log since following paused."""
        if self.following or self.spool is None or self.spool.closed:
            return 0
        return max(0, len(self.spool) - self._count_at_pause)

    def spool_index(self, shown: int) -> int:
        return int(self.line_filter.indices[shown]) if self.line_filter is not None else shown

    def shown_index(self, spool_index: int) -> int:
        """The shown line at or after *spool_index* (clipped to what is shown)."""
        if self.line_filter is None:
            return min(spool_index, max(0, self._count - 1))
        position = bisect.bisect_left(self.line_filter.indices, spool_index, 0, self._count)
        return min(position, max(0, self._count - 1))

    def top_spool_index(self) -> int | None:
        if not self._count:
            return None
        return self.spool_index(min(int(self.scroll_y), self._count - 1))

    def visible_spool_indices(self) -> list[int]:
        """Spool indices of the lines on screen now."""
        top = int(self.scroll_y)
        lines = self._page_lines if self.wrap else self.scrollable_content_region.height
        return [self.spool_index(k) for k in range(top, min(self._count, top + max(lines, 1)))]

    # -- options ---------------------------------------------------------

    def set_wrap(self, wrap: bool) -> None:
        top = self.top_spool_index()
        self.wrap = wrap
        self._page_key = None
        self._sync(keep_top=top)
        self.refresh()

    def set_timestamps(self, timestamps: bool) -> None:
        self.timestamps = timestamps
        self._max_width = 0
        self._page_key = None
        self._sync(keep_top=self.top_spool_index())
        self.refresh()

    def set_pattern(self, pattern: re.Pattern[str] | None) -> None:
        self.pattern = pattern
        self._page_key = None
        self.refresh()

    # -- following ---------------------------------------------------------

    def pause(self) -> None:
        if self.following:
            self.following = False
            # Counted in the log's lines, matching a filter or not.
            self._count_at_pause = len(self.spool) if self.spool is not None and not self.spool.closed else 0
            self.post_message(self.FollowChanged(self))

    def action_follow(self) -> None:
        self.following = True
        self._scroll_to_end()
        self.post_message(self.FollowChanged(self))

    def go_to(self, spool_index: int, *, center: bool = True) -> None:
        """Show the line at *spool_index* (as the current match, centred)."""
        self.pause()
        shown = self.shown_index(spool_index)
        height = self.scrollable_content_region.height
        if self.wrap:
            top = shown
            rows = 0
            width = self._text_width()
            while top > 0 and rows < height // 2:
                rows += len(self._strips(top - 1, width))
                if rows > height // 2:
                    break
                top -= 1
        else:
            top = shown - height // 2 if center else shown
        self._scroll(y=max(0, min(top, self.max_scroll_y)))
        self._page_key = None
        self.refresh()

    def _scroll_to_end(self) -> None:
        self._scroll(y=self.max_scroll_y)

    def _scroll(self, *, x: float | None = None, y: float | None = None) -> None:
        self._programmatic_scroll += 1
        try:
            self.scroll_to(x=x, y=y, animate=False, immediate=True, force=True)
        finally:
            self._programmatic_scroll -= 1

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        if self._programmatic_scroll:
            return
        # A clamp after the view got shorter lands exactly on the end; only a
        # move above the end is the user scrolling up.
        if new_value < old_value and new_value < self.max_scroll_y:
            self.pause()
        elif not self.following and new_value > old_value and new_value >= self.max_scroll_y and self._count:
            # Already at the end: resume without scrolling, which would cut
            # short the scroll animation that brought us here.
            self.following = True
            self.post_message(self.FollowChanged(self))

    def action_scroll_home(self) -> None:
        self.pause()
        self._scroll(y=0)

    def action_page_up(self) -> None:
        self.pause()
        step = max(1, (self._page_lines if self.wrap else self.scrollable_content_region.height) - 1)
        self._scroll(y=max(0, self.scroll_y - step))

    def action_page_down(self) -> None:
        step = max(1, (self._page_lines if self.wrap else self.scrollable_content_region.height) - 1)
        target = min(self.max_scroll_y, self.scroll_y + step)
        self._scroll(y=target)
        if target >= self.max_scroll_y and not self.following:
            self.action_follow()

    def action_scroll_up(self) -> None:
        self.pause()
        self._scroll(y=max(0, self.scroll_y - 1))

    # -- size --------------------------------------------------------------

    def _text_width(self) -> int:
        return max(1, self.scrollable_content_region.width - 1)

    def _sync(self, *, keep_top: int | None, repaint: bool = True) -> None:
        """Set the virtual size for the current count and mode; place the view."""
        height = max(1, self.scrollable_content_region.height)
        if self.wrap:
            end_top = self._wrap_end_top(height)
            self._set_virtual_size(Size(self.scrollable_content_region.width, end_top + height if self._count else 0))
        else:
            width = max(self._max_width + 1, self.scrollable_content_region.width)
            self._set_virtual_size(Size(width, self._count))
        self._page_key = None
        if self.following:
            self._scroll_to_end()
        elif keep_top is not None and self._count:
            self._scroll(y=min(self.shown_index(keep_top), self.max_scroll_y))
        if repaint:
            self.refresh()

    def _set_virtual_size(self, size: Size) -> None:
        """Set the scrollable size without a layout pass when only the height
        grows under a scrollbar already shown.

        Assigning ``virtual_size`` lays out the whole screen; following a flood
        that happened 20 times a second and took the reader threads' time.
        Growing taller under a shown scrollbar changes nothing outside this
        view but the scrollbar's thumb, which ``_scroll_update`` moves.
        """
        old = self.virtual_size
        if size == old:
            return
        if size.width == old.width and size.height >= old.height and self.show_vertical_scrollbar:
            self.set_reactive(Widget.virtual_size, size)
            self._scroll_update(size)
        else:
            self.virtual_size = size

    def _wrap_end_top(self, height: int) -> int:
        """The first line of the last page: the top when the view is at the end."""
        width = self._text_width()
        rows = 0
        index = self._count
        while index > 0:
            rows += len(self._strips(index - 1, width))
            if rows > height:
                break
            index -= 1
        return min(index, max(0, self._count - 1))

    def on_resize(self) -> None:
        self._page_key = None
        self._sync(keep_top=None if self.following else self.top_spool_index())

    # -- rendering ---------------------------------------------------------

    def _strips(self, shown: int, width: int) -> list[Strip]:
        """Rendered rows of shown line *shown* (one row unless wrapping), uncropped."""
        return self._entry(shown, width).rows

    def _entry(self, shown: int, width: int) -> _Rendered:
        spool_index = self.spool_index(shown)
        current = spool_index == self.current_match
        # Wrapped, a line may take at most a screen less two rows: the page is
        # laid out line by line, so rows below the screen could never be seen.
        max_rows = max(2, self.scrollable_content_region.height - 2) if self.wrap else 0
        key = (spool_index, width if self.wrap else 0, max_rows, self.wrap, self.timestamps, self.pattern, current)
        entry = self._cache.get(key)
        if entry is not None:
            self._cache.move_to_end(key)
            return entry
        assert self.spool is not None
        line = self.spool.get(spool_index)
        text = line_text(line, timestamps=self.timestamps, name_width=self._name_width, pattern=self.pattern, current=current, label=self.labels.get(line.container, ""))
        mark = STDERR_MARK if line.is_stderr else STDOUT_MARK
        console = self.app.console
        if self.wrap:
            rows = list(text.wrap(console, width, overflow="fold", no_wrap=False)) or [Text("")]
            if len(rows) > max_rows:
                hidden = len(rows) - max_rows + 1
                rows = rows[: max_rows - 1] + [Text(f"… {hidden:,} more rows of this line: w unwraps it", style=TRUNCATED_STYLE)]
            strips = [Strip([mark, *row.render(console)], 1 + row.cell_len) for row in rows]
        else:
            strips = [Strip([mark, *text.render(console)], 1 + text.cell_len)]
            if strips[0].cell_length > self._max_width:
                self._max_width = strips[0].cell_length
                self.call_after_refresh(self._grow_width)
        entry = _Rendered(strips)
        self._cache[key] = entry
        if len(self._cache) > STRIP_CACHE_SIZE:
            self._cache.popitem(last=False)
        return entry

    def _grow_width(self) -> None:
        if not self.wrap and self._max_width + 1 > self.virtual_size.width:
            self.virtual_size = Size(self._max_width + 1, self._count)

    def _wrapped_page(self, top: int, width: int, height: int) -> list[Strip]:
        key = (top, width, height, self._count, self.wrap, self.timestamps, self.pattern, self.current_match, id(self.spool), id(self.line_filter))
        if key != self._page_key:
            rows: list[Strip] = []
            index = top
            while len(rows) < height and index < self._count:
                rows.extend(self._strips(index, width - 1))
                index += 1
            self._page = rows[:height]
            self._page_lines = index - top
            self._page_key = key
        return self._page

    @property
    def _base_style(self) -> Style:
        # rich_style walks every ancestor's colours: once per style change,
        # not once per row of every frame.
        if self._line_style is None:
            self._line_style = self.rich_style
        return self._line_style

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        style = self._base_style
        if self.spool is None or self.spool.closed or not self._count:
            return Strip.blank(width, style)
        scroll_x, scroll_y = self.scroll_offset
        try:
            if self.wrap:
                page = self._wrapped_page(scroll_y, width, self.scrollable_content_region.height)
                if y >= len(page):
                    return Strip.blank(width, style)
                return page[y].extend_cell_length(width, style).apply_style(style)
            shown = scroll_y + y
            if shown >= self._count:
                return Strip.blank(width, style)
            entry = self._entry(shown, width)
        except (ValueError, IndexError):
            # The spool closed under a last repaint (the view is going away).
            return Strip.blank(width, style)
        # While following, each frame shows mostly the rows of the last one:
        # the cropped, styled row is kept with the strip it came from.
        key = (scroll_x, width, style)
        if entry.shown_key != key:
            entry.shown = entry.rows[0].crop_extend(scroll_x, scroll_x + width, style).apply_style(style)
            entry.shown_key = key
        assert entry.shown is not None
        return entry.shown

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._line_style = None
        self._cache.clear()
        self._page_key = None

    def plain_rows(self) -> list[str]:
        """The text of the rows on screen (for tests and screenshots)."""
        return ["".join(segment.text for segment in self.render_line(y)) for y in range(self.scrollable_content_region.height)]
