"""LogView over a spool filled by hand: wrapping, sideways scrolling, cut
lines, timestamps, following and its pause, and that rendering reads only the
lines on screen."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from textual.app import App, ComposeResult

from tui.docker.logspool import STDERR, LogLine, LogSpool
from tui.widgets.log_view import DISPLAY_LIMIT, FOLLOW_REPAINT_SECONDS, LogView, short_names, short_timestamp

STAMP = "2026-11-29T07:02:21.123456789Z"


class ViewApp(App[None]):
    def __init__(self, spool: LogSpool, names: tuple[str, ...] = ("one",)) -> None:
        super().__init__()
        self.spool = spool
        self.names = names

    def compose(self) -> ComposeResult:
        yield LogView()

    def on_mount(self) -> None:
        view = self.query_one(LogView)
        view.set_source(self.spool, names=self.names)
        view.lines_changed()
        view.focus()


@asynccontextmanager
async def viewing(spool: LogSpool, size: tuple[int, int]) -> AsyncIterator[tuple[Any, LogView]]:
    """The view over `spool` running in an app of `size`: its pilot and the view."""
    app = ViewApp(spool)
    async with app.run_test(size=size) as pilot:
        yield pilot, app.query_one(LogView)


def fill(spool: LogSpool, count: int, start: int = 0) -> None:
    spool.extend(LogLine(f"line {i}", timestamp=STAMP) for i in range(start, start + count))


def text_rows(view: LogView) -> list[str]:
    return [row.rstrip() for row in view.plain_rows()]


async def last_row_becomes(pilot, view: LogView, text: str) -> None:
    """Following moves at most every FOLLOW_REPAINT_SECONDS: wait for the move."""
    for _ in range(100):
        if text_rows(view)[-1].strip() == text:
            return
        await pilot.pause(FOLLOW_REPAINT_SECONDS / 2)
    assert text_rows(view)[-1].strip() == text


async def test_follows_the_end_and_pauses_when_scrolled_up() -> None:
    with LogSpool() as spool:
        fill(spool, 100)
        async with viewing(spool, size=(40, 10)) as (pilot, view):
            await pilot.pause()
            assert text_rows(view)[-1].strip() == "line 99"

            fill(spool, 5, 100)
            view.lines_changed()
            await last_row_becomes(pilot, view, "line 104")

            await pilot.press("up")
            assert not view.following
            top = view.top_spool_index()
            fill(spool, 7, 105)
            view.lines_changed()
            await pilot.pause()
            assert view.pending == 7 and view.top_spool_index() == top

            await pilot.press("G")
            await pilot.pause()
            assert view.following and view.pending == 0
            assert text_rows(view)[-1].strip() == "line 111"

            await pilot.press("home")
            assert not view.following and text_rows(view)[0].strip() == "line 0"
            await pilot.press("end")
            assert view.following


async def test_a_burst_of_new_lines_ends_with_the_last_line_shown() -> None:
    """A flood moves the view a few times a second, not once per batch of
    lines; the last batch is never left unshown."""
    with LogSpool() as spool:
        fill(spool, 20)
        async with viewing(spool, size=(40, 10)) as (pilot, view):
            await pilot.pause()
            for start in range(20, 220, 10):
                fill(spool, 10, start)
                view.lines_changed()
            await last_row_becomes(pilot, view, "line 219")
            assert view.following and view.shown_count == 220


async def test_scrolling_down_to_the_end_resumes() -> None:
    with LogSpool() as spool:
        fill(spool, 50)
        async with viewing(spool, size=(40, 10)) as (pilot, view):
            await pilot.pause()
            await pilot.press("up", "up")
            assert not view.following
            await pilot.press("down", "down")
            await pilot.pause()
            assert view.following


async def test_long_lines_are_cut_and_scroll_sideways_without_wrap() -> None:
    with LogSpool() as spool:
        spool.append(LogLine("start " + "x" * 100_000 + " end"))
        spool.append(LogLine("short"))
        async with viewing(spool, size=(40, 10)) as (pilot, view):
            await pilot.pause()
            first = view.render_line(0)
            assert "".join(s.text for s in first).strip().startswith("start x")
            await pilot.pause()
            # the virtual width is the cut line's, not 100k cells
            assert DISPLAY_LIMIT < view.virtual_size.width < DISPLAY_LIMIT + 100
            await pilot.press("right", "right", "right")
            await pilot.pause()
            assert view.scroll_x > 0
            shifted = "".join(s.text for s in view.render_line(0))
            assert shifted == (" start " + "x" * 100)[int(view.scroll_x) :][: len(shifted)]
            await pilot.press("end")
            view._scroll(x=view.max_scroll_x)
            await pilot.pause()
            assert "more characters]" in "".join(s.text for s in view.render_line(0))


async def test_wrap_shows_a_long_line_on_several_rows_and_keeps_the_end_visible() -> None:
    with LogSpool() as spool:
        fill(spool, 20)
        spool.append(LogLine("w" * 100, stream=STDERR))
        spool.append(LogLine("tail line"))
        async with viewing(spool, size=(30, 10)) as (pilot, view):
            await pilot.pause()
            await pilot.press("w")  # not bound on the bare view: use the method
            view.set_wrap(True)
            await pilot.pause()
            rows = text_rows(view)
            assert rows[-1].strip() == "tail line" or "tail line" in rows
            wrapped = [r for r in rows if "w" * 10 in r]
            assert len(wrapped) >= 3
            assert all(r.startswith("▌") for r in wrapped)  # the stderr mark on every row of it
            assert view.virtual_size.width == view.scrollable_content_region.width

            view.set_wrap(False)
            await pilot.pause()
            assert sum("w" * 10 in r for r in text_rows(view)) == 1


async def test_timestamps_toggle_and_markup_stays_literal() -> None:
    with LogSpool() as spool:
        spool.append(LogLine("[bold]not bold[/bold] \x1b[31mred\x1b[0m", timestamp=STAMP))
        async with viewing(spool, size=(80, 5)) as (pilot, view):
            await pilot.pause()
            assert text_rows(view)[0] == " [bold]not bold[/bold] red"
            view.set_timestamps(True)
            await pilot.pause()
            assert text_rows(view)[0] == " 2026-11-29 07:02:21.123 [bold]not bold[/bold] red"
            segments = list(view.render_line(0))
            red = [s for s in segments if s.text == "red"]
            assert red and red[0].style.color.number == 1
            assert not any("\x1b" in s.text for s in segments)


async def test_rendering_reads_only_the_lines_on_screen() -> None:
    with LogSpool() as spool:
        fill(spool, 200_000)
        read: list[int] = []
        original = spool.get

        def counting_get(index: int) -> LogLine:
            read.append(index)
            return original(index)

        spool.get = counting_get  # type: ignore[method-assign]
        async with viewing(spool, size=(60, 20)) as (pilot, view):
            await pilot.pause()
            assert text_rows(view)[-1].strip() == "line 199999"
            # a screen or two of lines, never the log
            assert 0 < len(set(read)) <= 60
            assert 199_999 in read


def test_short_names_drop_the_shared_prefix() -> None:
    labels = short_names(["shop-web-1", "shop-db-1", "shop-cache-1"])
    assert labels == {"shop-web-1": "web-1", "shop-db-1": "db-1", "shop-cache-1": "cache-1"}
    assert short_names(["alpha"]) == {"alpha": "alpha"}
    long = short_names(["a" * 40 + "-x", "b" * 40 + "-y"], width=10)
    assert all(len(label) == 10 and label.startswith("…") for label in long.values())


def test_short_timestamp() -> None:
    assert short_timestamp(STAMP) == "2026-11-29 07:02:21.123"
    assert short_timestamp("2026-11-29T07:02:21Z") == "2026-11-29 07:02:21"
    assert short_timestamp("") == ""


class SearchApp(ViewApp):
    BINDINGS = [("slash", "open_search", "Search")]

    def compose(self) -> ComposeResult:
        from textual.widgets import Input

        yield LogView()
        yield Input(id="box")

    def action_open_search(self) -> None:
        self.screen.set_focus(self.query_one("#box"))


async def test_keys_typed_with_the_search_key_reach_the_box() -> None:
    # A burst ("/" and text in one read, as over SSH or from a paste) is all
    # routed to the view; the text must still end up in the box, not be lost
    # or run as the view's own keys (g, G scroll).
    from textual import events
    from textual.widgets import Input

    with LogSpool() as spool:
        fill(spool, 50)
        app = SearchApp(spool)
        async with app.run_test(size=(40, 10)) as pilot:
            await pilot.pause()
            for key, character in (("slash", "/"), ("g", "g"), ("r", "r"), ("e", "e"), ("G", "G")):
                app.post_message(events.Key(key, character))
            await pilot.pause(0.3)
            assert app.query_one("#box", Input).value == "greG"


async def test_a_wrapped_line_taller_than_the_screen_says_how_to_read_the_rest() -> None:
    with LogSpool() as spool:
        spool.append(LogLine("y" * 2000))
        spool.append(LogLine("after"))
        async with viewing(spool, size=(40, 10)) as (pilot, view):
            view.set_wrap(True)
            await pilot.pause()
            rows = [r for r in text_rows(view) if r.strip()]
            # the line takes the screen less two rows, its last saying what is left
            assert sum("y" * 10 in r for r in rows) == 10 - 3
            assert "45 more rows of this line: w unwraps it" in rows[-2]
            assert rows[-1].strip() == "after"


async def test_a_growing_log_moves_the_scrollbar_with_it() -> None:
    """New lines under a scrollbar already shown skip the screen's layout
    pass; the scrollbar must still know the log's new length."""
    with LogSpool() as spool:
        fill(spool, 100)
        async with viewing(spool, size=(40, 10)) as (pilot, view):
            await pilot.pause()
            assert view.show_vertical_scrollbar
            fill(spool, 400, 100)
            view.lines_changed()
            await last_row_becomes(pilot, view, "line 499")
            assert view.virtual_size.height == 500
            assert view.vertical_scrollbar.window_virtual_size == 500
            assert view.scroll_y == view.max_scroll_y
            await pilot.press("up")
            fill(spool, 100, 500)
            view.lines_changed()
            await pilot.pause()
            assert view.virtual_size.height == 600 and view.vertical_scrollbar.window_virtual_size == 600
            assert view.scroll_y < view.max_scroll_y and view.pending == 100
