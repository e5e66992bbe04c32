"""Screen lines become Strips that show every attribute at the right column."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.color import Color, ColorType
from rich.segment import Segment
from textual.strip import Strip

from tui.terminal.emulator import TerminalEmulator


def line(data: str, columns: int = 20, lines: int = 2, y: int = 0, *, cursor: bool = False) -> Strip:
    emulator = TerminalEmulator(columns, lines)
    emulator.feed(data.encode())
    if not cursor:
        emulator.feed(b"\x1b[?25l")
    return emulator.render_line(y, columns)


def first(strip: Strip) -> Segment:
    return list(strip)[0]


@pytest.mark.parametrize(
    ("sgr", "color"),
    [
        ("31", Color.from_ansi(1)),
        ("33", Color.from_ansi(3)),  # pyte calls it "brown"
        ("37", Color.from_ansi(7)),
        ("91", Color.from_ansi(9)),
        ("97", Color.from_ansi(15)),
        ("38;5;1", Color.from_ansi(1)),  # a base colour by index follows the theme
        ("38;5;4", Color.from_ansi(4)),
        ("38;5;196", Color.from_rgb(255, 0, 0)),
        ("38;5;244", Color.from_rgb(128, 128, 128)),
        ("38;2;1;2;3", Color.from_rgb(1, 2, 3)),
    ],
)
def test_foreground_colours(sgr: str, color: Color) -> None:
    segment = first(line(f"\x1b[{sgr}mX"))
    assert segment.text == "X"
    assert segment.style.color == color


@pytest.mark.parametrize(
    ("sgr", "color"),
    [
        ("41", Color.from_ansi(1)),
        ("105", Color.from_ansi(13)),  # pyte misspells this one "bfightmagenta"
        ("107", Color.from_ansi(15)),
        ("48;5;21", Color.from_rgb(0, 0, 255)),
        ("48;2;255;128;0", Color.from_rgb(255, 128, 0)),
    ],
)
def test_background_colours(sgr: str, color: Color) -> None:
    assert first(line(f"\x1b[{sgr}mX")).style.bgcolor == color


def test_truecolor_is_truecolor() -> None:
    style = first(line("\x1b[38;2;10;20;30;48;2;40;50;60mX")).style
    assert style.color.type == ColorType.TRUECOLOR and style.color.triplet == (10, 20, 30)
    assert style.bgcolor.triplet == (40, 50, 60)


def test_colon_truecolor_and_styled_underline() -> None:
    style = first(line("\x1b[38:2::255:0:0;4:3mX")).style
    assert style.color.triplet == (255, 0, 0)
    assert style.underline


def test_default_colours_inherit_from_the_widget() -> None:
    style = first(line("X")).style
    assert style.color is None and style.bgcolor is None


@pytest.mark.parametrize(
    ("sgr", "attribute"),
    [("1", "bold"), ("3", "italic"), ("4", "underline"), ("5", "blink"), ("7", "reverse"), ("9", "strike")],
)
def test_text_attributes(sgr: str, attribute: str) -> None:
    on = first(line(f"\x1b[{sgr}mX")).style
    assert getattr(on, attribute) is True
    off = first(line(f"\x1b[{sgr}m\x1b[0mX")).style
    assert not getattr(off, attribute)


def test_runs_of_equal_style_are_one_segment() -> None:
    strip = line("\x1b[31mred red\x1b[0mplain\x1b[1mbold", columns=20)
    assert [s.text for s in strip] == ["red red", "plain", "bold", "    "]
    assert strip.cell_length == 20


def test_styles_are_shared_not_built_per_cell() -> None:
    emulator = TerminalEmulator(10, 2)
    emulator.feed(b"\x1b[?25l\x1b[32mab\x1b[0m \x1b[32mcd\r\nef")
    a, _, c, *_ = emulator.render_line(0, 10)
    assert a.style is c.style


def test_wide_characters_keep_columns() -> None:
    strip = line("你好ab", columns=10)
    assert strip.text == "你好ab    "
    assert strip.cell_length == 10


def test_wide_character_cut_by_the_right_edge_is_blank() -> None:
    # pyte puts the wide character in the last column without its right half.
    strip = line("abcd你", columns=5)
    assert strip.cell_length == 5
    assert strip.text == "abcd "


def test_overwritten_half_of_a_wide_character() -> None:
    left = line("你好\x1b[1Gx", columns=6)  # left half replaced: the stub is orphaned
    assert left.cell_length == 6 and left.text == "x 好  "
    right = line("你好\x1b[2Gx", columns=6)  # right half replaced
    assert right.cell_length == 6 and right.text == " x好  "


def test_combining_characters_stay_in_their_cell() -> None:
    strip = line("e\u0301x", columns=4)
    assert strip.cell_length == 4
    assert strip.text.startswith("éx")


def test_emoji_and_cjk_mixture_keeps_width() -> None:
    strip = line("🐳 docker 日本語 ok", columns=30)
    assert strip.cell_length == 30
    assert strip.text.rstrip() == "🐳 docker 日本語 ok"


def test_cursor_is_a_reverse_cell() -> None:
    strip = line("ab", columns=5, cursor=True)
    segments = list(strip)
    assert [s.text for s in segments] == ["ab", " ", "  "]
    assert segments[1].style.reverse and not segments[0].style.reverse


def test_cursor_on_reverse_text_is_not_reversed() -> None:
    strip = line("\x1b[7mab\x1b[D", columns=4, cursor=True)
    segments = list(strip)
    assert segments[0].text == "a" and segments[0].style.reverse
    assert segments[1].text == "b" and segments[1].style.reverse is False


def test_cursor_in_pending_wrap_shows_in_the_last_column() -> None:
    strip = line("abcd", columns=4, cursor=True)
    assert list(strip)[-1].text == "d" and list(strip)[-1].style.reverse


def test_cursor_on_a_wide_character_covers_it() -> None:
    strip = line("你好\x1b[2G", columns=6, cursor=True)
    cursor = [s for s in strip if s.style.reverse]
    assert [s.text for s in cursor] == ["你"]
    assert strip.cell_length == 6


def test_hidden_cursor_and_scrolled_back_view_draw_no_cursor() -> None:
    assert not any(s.style.reverse for s in line("ab\x1b[?25l", columns=4, cursor=True))
    emulator = TerminalEmulator(4, 2)
    emulator.feed(b"1\r\n2\r\n3\r\nab")
    emulator.scroll_up(1)
    assert not any(s.style.reverse for y in range(2) for s in emulator.render_line(y, 4))


def test_unfocused_terminal_can_hide_its_cursor() -> None:
    emulator = TerminalEmulator(4, 1)
    emulator.feed(b"ab")
    emulator.show_cursor = False
    assert 0 in emulator.take_dirty()
    assert not any(s.style.reverse for s in emulator.render_line(0, 4))


def test_line_drawing_charset() -> None:
    strip = line("\x1b(0lqk\x1b(B x", columns=6)
    assert strip.text == "┌─┐ x "


def test_strip_is_exactly_the_requested_width() -> None:
    emulator = TerminalEmulator(10, 2)
    emulator.feed("0123456789你".encode())
    for width in (1, 5, 10, 15):
        assert emulator.render_line(0, width).cell_length == width
        assert emulator.render_line(1, width).cell_length == width


def test_zero_width_renders_an_empty_strip() -> None:
    # A view being laid out or removed has no columns: nothing to draw, no error.
    emulator = TerminalEmulator(10, 3, history=10)
    emulator.feed("ab\x1b[31mcd你\r\n".encode() * 5 + b"\x1b[1;32mxy")
    assert emulator.history_size
    for y in range(3):
        assert emulator.render_line(y, 0).cell_length == 0
    emulator.scroll_up(2)
    assert [emulator.render_line(y, 0).cell_length for y in range(3)] == [0, 0, 0]
    assert emulator.render_line(0, 10).text.startswith("ab")


def test_reverse_screen_mode_blank_lines() -> None:
    emulator = TerminalEmulator(4, 2)
    emulator.feed(b"\x1b[?25l\x1b[?5h")
    assert first(emulator.render_line(1, 4)).style.reverse


text_with_escapes = st.lists(
    st.one_of(
        st.text(max_size=10),
        st.sampled_from(["\x1b[31m", "\x1b[0m", "\x1b[7m", "你", "😀", "\r\n", "\x1b[H", "\x1b[2G", "e\u0301"]),
    ),
    max_size=30,
).map("".join)


@settings(max_examples=200, deadline=None)
@given(text_with_escapes, st.integers(1, 12), st.integers(1, 4), st.integers(0, 16))
def test_any_output_renders_at_exact_width(data: str, columns: int, lines: int, width: int) -> None:
    emulator = TerminalEmulator(columns, lines)
    emulator.feed(data.encode("utf-8", "surrogatepass"))
    for offset in (0, 2):  # the live screen, then scrolled back into history
        emulator.scroll_up(offset)
        for y in range(lines):
            strip = emulator.render_line(y, width)
            assert strip.cell_length == width
            assert all(s.text for s in strip)


def test_a_closed_event_loop_does_not_end_the_session_as_lost() -> None:
    # The reader thread may finish a flood while the app exits: asking a closed
    # loop to draw raised RuntimeError in the reader, which ended the session
    # as "lost" and skipped the exit code.
    import asyncio

    from tui.widgets.terminal_view import TerminalView

    view = TerminalView.__new__(TerminalView)
    loop = asyncio.new_event_loop()
    loop.close()
    view._loop = loop
    assert view._on_loop(lambda: None) is False
    view._loop = None
    assert view._on_loop(lambda: None) is False
