"""The scrollback keeps a flood's lines as runs of text until someone looks."""

from __future__ import annotations

import pytest

from tui.terminal.emulator import TerminalEmulator
from tui.terminal.scrollback import CHARS_PER_LINE, RawLines, Scrollback


def lines_of(run: RawLines) -> list[str]:
    """A run as one row per line: the emulator wraps long lines, this stand-in does not need to."""
    return run.text.split("\r\n")


def run_of(first: int, count: int) -> RawLines:
    return RawLines("\r\n".join(f"l{i}" for i in range(first, first + count)), count, None, 80)


def test_rows_and_runs_keep_their_order() -> None:
    history = Scrollback(10, lines_of)
    history.append("a")
    history.add_run(run_of(0, 3))
    history.extend(["b", "c"])
    assert history.unread == 1
    assert [history[i] for i in range(len(history))] == ["a", "l0", "l1", "l2", "b", "c"]
    assert history.unread == 0
    assert history.pushed == 6


def test_a_run_pushed_out_of_reach_is_dropped_unread() -> None:
    expanded = []
    history = Scrollback(5, lambda run: expanded.append(run) or lines_of(run))
    history.add_run(run_of(0, 4))
    history.add_run(run_of(4, 5))  # five newer lines: the first run is out of reach whatever its rows
    history.append("x")
    assert history.dropped_unread == 1
    assert [history[i] for i in range(len(history))] == ["l5", "l6", "l7", "l8", "x"]
    assert [run.text[:2] for run in expanded] == ["l4"]
    assert history.pushed == 10


def test_the_cut_is_exact_once_runs_are_rows() -> None:
    # Two rows a line: the run's four lines make eight rows, of which five stay.
    history = Scrollback(5, lambda run: [row for line in lines_of(run) for row in (line, line + "+")])
    history.add_run(run_of(0, 4))
    assert history.dropped_unread == 0
    assert len(history) == 5
    assert history[0] == "l1+"
    assert history.pushed == 8


def test_no_history_keeps_nothing_and_counts_lines() -> None:
    history = Scrollback(0, lines_of)
    history.add_run(run_of(0, 7))
    history.append("x")
    assert len(history) == 0
    assert history.pushed == 8


def test_runs_of_long_lines_become_rows_before_they_cost_more_than_rows() -> None:
    expanded = []
    history = Scrollback(3, lambda run: expanded.append(run) or lines_of(run))
    history.add_run(RawLines("y" * (3 * CHARS_PER_LINE), 1, None, 80))
    assert not expanded
    history.add_run(RawLines("z" * 10, 1, None, 80))
    assert len(expanded) == 2 and history.unread == 0


def test_clear_forgets_runs() -> None:
    history = Scrollback(5, lines_of)
    history.add_run(run_of(0, 3))
    history.clear()
    assert len(history) == 0 and history.unread == 0


def coloured(first: int, count: int, width: int) -> bytes:
    """Lines of `width` characters or so, every one coloured, some wrapping at 80 columns."""
    return "".join(
        f"\x1b[3{i % 8}m{i:06d}\x1b[0m " + "w" * (i * 37 % width) + "\r\n" for i in range(first, first + count)
    ).encode()


def test_history_of_a_flood_larger_than_it_holds_has_the_last_lines_exactly() -> None:
    emulator = TerminalEmulator(80, 24, history=500)
    data = coloured(0, 5000, 150)
    for start in range(0, len(data), 65536):
        emulator.feed(data[start : start + 65536])
    history = emulator._screen.history
    assert history.dropped_unread > 0  # most of the flood was never split into lines
    reference = TerminalEmulator(80, 24, history=500)
    reference.bulk_plain_text = False
    reference.feed(data)
    assert emulator.history_size == reference.history_size == 500
    assert [emulator.history_cells(i) for i in range(500)] == [reference.history_cells(i) for i in range(500)]
    assert emulator.display == reference.display


def scrolled_back_view(emulator: TerminalEmulator) -> list[str]:
    """The history lines a view scrolled back shows, read from history rather than the drawn lines' cache."""
    size = emulator.history_size
    first = size - emulator.scroll_offset
    return ["".join(cell.data for cell in emulator.history_cells(i)) for i in range(first, min(size, first + 24))]


@pytest.mark.parametrize("read", [4096, 65536])
def test_scrolled_back_view_stays_put_while_a_flood_of_wrapping_lines_arrives(read: int) -> None:
    emulator = TerminalEmulator(80, 24, history=5000)
    emulator.feed(coloured(0, 300, 150))
    emulator.scroll_up(40)
    shown = [emulator.render_line(y, 80).text for y in range(24)]
    assert [line.ljust(80) for line in scrolled_back_view(emulator)] == shown
    data = coloured(300, 1000, 150)
    for start in range(0, len(data), read):
        emulator.feed(data[start : start + read])
        assert [line.ljust(80) for line in scrolled_back_view(emulator)] == shown
        assert [emulator.render_line(y, 80).text for y in range(24)] == shown


def test_scrolling_back_after_a_flood_keeps_the_view_where_it_was_put() -> None:
    emulator = TerminalEmulator(80, 24, history=5000)
    emulator.feed(coloured(0, 30, 150))  # the screen fills up
    emulator.feed(coloured(30, 1970, 150))
    assert emulator._screen.history.unread  # the flood's history is still runs of text
    emulator.scroll_up(30)
    shown = scrolled_back_view(emulator)
    emulator.feed(coloured(2000, 100, 150))  # wrapped lines while scrolled back
    assert scrolled_back_view(emulator) == shown
