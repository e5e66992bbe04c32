"""The terminal emulator: same screen as pyte, plus what pyte lacks."""

from __future__ import annotations

import threading

import pyte
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tui.terminal.emulator import TerminalEmulator, _Screen, screen_text


def feed_all(emulator: TerminalEmulator, *chunks: bytes | str) -> TerminalEmulator:
    for chunk in chunks:
        emulator.feed(chunk.encode() if isinstance(chunk, str) else chunk)
    return emulator


def cells(screen: pyte.Screen) -> list[list[tuple]]:
    """Every cell with its attributes, without creating lines in the buffer."""
    out = []
    for y in range(screen.lines):
        row = screen.buffer.get(y)
        default = screen.default_char if row is None else row.default
        out.append([tuple(row.get(x, default) if row else default) for x in range(screen.columns)])
    return out


def state(screen: pyte.Screen) -> dict:
    c = screen.cursor
    return {
        "display": screen_text(screen),
        "cells": cells(screen),
        "cursor": (c.x, c.y, c.hidden, tuple(c.attrs)),
        "mode": set(screen.mode),
        "margins": screen.margins,
        "tabstops": set(screen.tabstops),
        "charset": (screen.charset, screen.g0_charset[:128], screen.g1_charset[:128]),
    }


class _PyteScreen(pyte.Screen):
    # pyte asserts in these two when origin mode is on without margins; the
    # emulator treats the region as the whole screen, and so does the reference.
    cursor_to_line = _Screen.cursor_to_line.__wrapped__  # type: ignore[attr-defined]
    report_device_status = _Screen.report_device_status.__wrapped__  # type: ignore[attr-defined]


class Reference:
    """Plain pyte: Screen + Stream over the whole decoded input."""

    def __init__(self, columns: int, lines: int) -> None:
        self.screen = _PyteScreen(columns, lines)
        self.replies: list[str] = []
        self.screen.write_process_input = self.replies.append  # type: ignore[method-assign]
        self.stream = pyte.Stream(self.screen)
        # The emulator honours ESC ( 0 / SI / SO (line drawing), pyte only
        # does when not in UTF-8 mode; decoding is done up front here.
        self.stream.use_utf8 = False

    def feed(self, data: bytes) -> None:
        self.stream.feed(data.decode("utf-8", "replace"))


# -- input generators ------------------------------------------------------------

_n = st.integers(min_value=0, max_value=12).map(lambda n: "" if n == 0 else str(n))

_sgr_param = st.one_of(
    st.sampled_from(
        [0, 1, 3, 4, 5, 7, 9, 22, 23, 24, 25, 27, 29, 39, 49]
        + list(range(30, 38))
        + list(range(40, 48))
        + list(range(90, 98))
        + list(range(100, 108))
    ).map(str),
    st.tuples(st.sampled_from(["38", "48"]), st.integers(0, 255)).map(lambda t: f"{t[0]};5;{t[1]}"),
    st.tuples(st.sampled_from(["38", "48"]), st.lists(st.integers(0, 255), min_size=3, max_size=3)).map(
        lambda t: f"{t[0]};2;{t[1][0]};{t[1][1]};{t[1][2]}"
    ),
)
_sgr = st.lists(_sgr_param, max_size=3).map(lambda ps: "\x1b[" + ";".join(ps) + "m")

_csi = st.one_of(
    st.tuples(_n, st.sampled_from("ABCDEFGdeaL@MPX")).map(lambda t: f"\x1b[{t[0]}{t[1]}"),
    st.tuples(_n, _n).map(lambda t: f"\x1b[{t[0]};{t[1]}H"),
    st.tuples(_n, _n).map(lambda t: f"\x1b[{t[0]};{t[1]}f"),
    st.sampled_from(["", "0", "1", "2"]).map(lambda n: f"\x1b[{n}K"),
    st.sampled_from(["", "0", "1", "2", "3"]).map(lambda n: f"\x1b[{n}J"),
    st.tuples(_n, _n).map(lambda t: f"\x1b[{t[0]};{t[1]}r"),
    st.sampled_from(
        [
            "\x1b[r",
            "\x1b[4h",
            "\x1b[4l",
            "\x1b[20h",
            "\x1b[20l",
            "\x1b[?7h",
            "\x1b[?7l",
            "\x1b[?6h",
            "\x1b[?6l",
            "\x1b[?25h",
            "\x1b[?25l",
            "\x1b[?1h",
            "\x1b[?1l",
            "\x1b[?2004h",
            "\x1b[?2004l",
            "\x1b[?5h",
            "\x1b[?5l",
            "\x1b[g",
            "\x1b[3g",
            "\x1b[6n",
            "\x1b[5n",
            "\x1b[c",
        ]
    ),
)
_esc = st.sampled_from(
    ["\x1b7", "\x1b8", "\x1bM", "\x1bD", "\x1bE", "\x1bH", "\x1b(0", "\x1b(B", "\x1b)0", "\x0e", "\x0f"]
    + ["\x1b]0;title\x07", "\x1b]2;other\x1b\\", "\x1b#8"]
)
_text = st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=40)
_controls = st.sampled_from(["\r", "\n", "\r\n", "\t", "\b", "\x07", "\x0b", "\x0c"])
_unicode = st.sampled_from(["é", "你好", "e\u0301", "😀", "ü", "─", "日本語"])

#: What both pyte and the emulator treat the same way.
common_token = st.one_of(_text, _text, _text, _controls, _controls, _sgr, _csi, _esc, _unicode)
#: Including the alternate screen, which pyte lacks: compared bulk vs no bulk.
any_token = st.one_of(
    common_token,
    st.sampled_from(["\x1b[?1049h", "\x1b[?1049l", "\x1b[?47h", "\x1b[?47l", "\x1b[?1047h", "\x1b[?1047l"]),
    st.sampled_from(["\x1b[38:2::255:0:0m", "\x1b[4:3m", "\x1b[3J", "\x1bc"]),
)
sizes = st.tuples(st.integers(1, 14), st.integers(1, 7))


def chunked(data: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({c % (len(data) + 1) for c in cuts})
    out, last = [], 0
    for p in points:
        out.append(data[last:p])
        last = p
    out.append(data[last:])
    return out


# -- the emulator is pyte, faster ------------------------------------------------


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(sizes, st.lists(common_token, max_size=60), st.lists(st.integers(0, 10_000), max_size=8))
def test_same_screen_as_pyte(size: tuple[int, int], tokens: list[str], cuts: list[int]) -> None:
    columns, lines = size
    data = "".join(tokens).encode("utf-8")
    reference = Reference(columns, lines)
    reference.feed(data)
    emulator = TerminalEmulator(columns, lines)
    for chunk in chunked(data, cuts):
        emulator.feed(chunk)
    assert state(emulator._screen) == state(reference.screen)
    assert emulator.pending_replies() == "".join(reference.replies).encode()


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(sizes, st.lists(any_token, max_size=60), st.lists(st.integers(0, 10_000), max_size=8))
def test_bulk_path_matches_per_character_path(
    size: tuple[int, int], tokens: list[str], cuts: list[int]
) -> None:
    columns, lines = size
    data = "".join(tokens).encode("utf-8")
    fast = TerminalEmulator(columns, lines, history=50)
    slow = TerminalEmulator(columns, lines, history=50)
    slow.bulk_plain_text = False
    for chunk in chunked(data, cuts):
        fast.feed(chunk)
    slow.feed(data)
    assert state(fast._screen) == state(slow._screen)
    assert list(fast._screen.history) == list(slow._screen.history)
    assert fast.alternate_screen == slow.alternate_screen


def test_flood_of_lines_matches_pyte() -> None:
    data = "".join(f"{i}\r\n" for i in range(5000)).encode()
    reference = Reference(80, 24)
    reference.feed(data)
    emulator = TerminalEmulator(80, 24)
    for start in range(0, len(data), 4096):
        emulator.feed(data[start : start + 4096])
    assert state(emulator._screen) == state(reference.screen)
    assert emulator.display[-2] == "4999".ljust(80)


def test_long_lines_wrap_like_pyte() -> None:
    data = ("x" * 250 + "\r\n" + "y" * 80 + "z\n").encode() * 20
    reference = Reference(80, 10)
    reference.feed(data)
    emulator = feed_all(TerminalEmulator(80, 10), data)
    assert state(emulator._screen) == state(reference.screen)


@pytest.mark.parametrize(("top", "bottom"), [(1, 9), (1, 12), (2, 5)])
def test_flood_inside_a_scroll_region_matches_pyte(top: int, bottom: int) -> None:
    # A fixed header and status line around scrolling output, as less/apt/vi do.
    data = (
        f"header\x1b[12;1Hstatus\x1b[{top};{bottom}r\x1b[{bottom};1H"
        + "".join(f"\x1b[3{i % 8}mrow {i}\x1b[0m\tx\r\n" for i in range(300))
    ).encode()
    reference = Reference(30, 12)
    reference.feed(data)
    emulator = TerminalEmulator(30, 12)
    for start in range(0, len(data), 1000):
        emulator.feed(data[start : start + 1000])
    assert state(emulator._screen) == state(reference.screen)
    # Every CR LF is at the region's bottom; only a region starting at line 1 feeds history.
    assert emulator.history_size == (300 if top == 1 else 0)


def test_status_line_stays_while_output_scrolls_above_it() -> None:
    emulator = feed_all(TerminalEmulator(20, 4), "\x1b[4;1H[status]\x1b[1;3r\x1b[1;1H")
    feed_all(emulator, "".join(f"out {i}\r\n" for i in range(10)))
    assert emulator.display == ["out 8".ljust(20), "out 9".ljust(20), " " * 20, "[status]".ljust(20)]
    assert emulator.history_size == 8


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=400), sizes)
def test_random_bytes_never_raise(data: bytes, size: tuple[int, int]) -> None:
    emulator = TerminalEmulator(*size)
    emulator.feed(data)
    emulator.feed(b"\x1b[?1049h" + data + b"\x1b[?1049l")
    for y in range(emulator.lines):
        assert emulator.render_line(y, size[0]).cell_length == size[0]


@pytest.mark.parametrize(
    "garbage",
    [b"\x1b[5J", b"\x1b[9K", b"\x1b[1;2;3A", b"\x1b[?1;2;3H", b"\x1b[38;5;999m", b"\x1b[38;2;999;1;1m",
     b"\x1b[?m", b"\x1b[99999999999999999999C", b"\x1b]0;" + b"x" * 10000],
)
def test_malformed_sequences_are_ignored(garbage: bytes) -> None:
    emulator = TerminalEmulator(20, 3)
    emulator.feed(garbage + b"\x07after")
    # An unterminated OSC is abandoned eventually; everything else leaves "after" visible.
    emulator.feed(b"\x07\x1b\\\r\nok")
    assert "ok" in "".join(emulator.display)


# -- decoding -----------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["é", "你", "😀", "a你b😀cé"])
def test_utf8_split_at_every_byte_boundary(text: str) -> None:
    data = text.encode("utf-8")
    for cut in range(len(data) + 1):
        emulator = TerminalEmulator(20, 2)
        emulator.feed(data[:cut])
        emulator.feed(data[cut:])
        assert emulator.display[0].rstrip() == text.replace("\u0301", "")


def test_utf8_one_byte_at_a_time() -> None:
    emulator = TerminalEmulator(20, 2)
    for byte in "naïve 日本 🐳".encode():
        emulator.feed(bytes([byte]))
    assert emulator.display[0].startswith("naïve 日本 🐳")


def test_invalid_utf8_becomes_replacement_character() -> None:
    emulator = feed_all(TerminalEmulator(10, 1), b"a\xffb")
    assert emulator.display[0].startswith("a\ufffdb")


def test_zero_width_characters_do_not_eat_the_rest_of_the_line() -> None:
    # pyte alone stops drawing at U+FE0F / U+200B and loses "after".
    emulator = feed_all(TerminalEmulator(20, 1), "❤\ufe0f after\u200bx\x01y")
    assert emulator.display[0].startswith("❤ afterxy")


# -- modes ------------------------------------------------------------------------------------


def test_application_cursor_keys_follow_decckm() -> None:
    emulator = TerminalEmulator(10, 2)
    assert not emulator.application_cursor_keys
    emulator.feed(b"\x1b[?1h")
    assert emulator.application_cursor_keys
    emulator.feed(b"\x1b[?1l")
    assert not emulator.application_cursor_keys


@pytest.mark.parametrize("cut", range(len(b"\x1b[?2004h") + 1))
def test_bracketed_paste_tracked_across_chunk_splits(cut: int) -> None:
    emulator = TerminalEmulator(10, 2)
    on, off = b"\x1b[?2004h", b"\x1b[?2004l"
    emulator.feed(b"x" + on[:cut])
    emulator.feed(on[cut:] + b"y")
    assert emulator.bracketed_paste
    emulator.feed(off[:cut])
    emulator.feed(off[cut:])
    assert not emulator.bracketed_paste
    assert emulator.display[0].startswith("xy")


def test_alternate_screen_restores_main_screen_and_cursor() -> None:
    emulator = feed_all(TerminalEmulator(20, 5), "$ ls\r\nfile1 file2\r\n$ vi")
    before = emulator.display
    cursor = emulator.cursor
    emulator.feed(b"\x1b[?1049h")
    assert emulator.alternate_screen
    assert all(not line.strip() for line in emulator.display)
    feed_all(emulator, "\x1b[H\x1b[2J~\r\n~\r\n\x1b[5;1H\"x\" 0L", "\x1b[1;1H" + "line\r\n" * 10)
    assert emulator.history_size == 0  # the alternate screen never scrolls into history
    emulator.feed(b"\x1b[?1049l")
    assert not emulator.alternate_screen
    assert emulator.display == before
    assert emulator.cursor == cursor


@pytest.mark.parametrize("mode", [47, 1047])
def test_other_alternate_screen_modes(mode: int) -> None:
    emulator = feed_all(TerminalEmulator(10, 3), "main")
    emulator.feed(f"\x1b[?{mode}h".encode())
    assert emulator.alternate_screen and not emulator.display[0].strip()
    emulator.feed(b"alt")
    emulator.feed(f"\x1b[?{mode}l".encode())
    assert emulator.display[0].startswith("main")


def test_alternate_screen_survives_resize() -> None:
    emulator = feed_all(TerminalEmulator(20, 6), "".join(f"l{i}\r\n" for i in range(5)))
    emulator.feed(b"\x1b[?1049h")
    emulator.resize(10, 3)
    emulator.feed(b"\x1b[?1049l")
    assert (emulator.columns, emulator.lines) == (10, 3)
    assert emulator.display == ["l3".ljust(10), "l4".ljust(10), " " * 10]
    assert emulator.cursor.y == 2


def test_title_is_sanitised() -> None:
    emulator = feed_all(TerminalEmulator(10, 2), "\x1b]0;top - \x1b[31mred\x9b\x07\x1b]2;x\x07")
    assert emulator.title == "x"
    emulator.feed("\x1b]2;st\u009c".encode())  # the C1 string terminator
    assert emulator.title == "st"
    emulator.feed(b"\x1b]2;bell\x07tail")
    assert emulator.title == "bell"
    emulator.feed(b"\x1b]0;evil\x1b[2Jtitle\x07")
    assert "\x1b" not in emulator.title


def test_bell_is_harmless() -> None:
    emulator = feed_all(TerminalEmulator(10, 1), "a\x07b")
    assert emulator.display[0].startswith("ab")


def test_cursor_position_and_device_attribute_queries_are_answered() -> None:
    emulator = feed_all(TerminalEmulator(20, 5), "\x1b[3;7H\x1b[6n")
    assert emulator.pending_replies() == b"\x1b[3;7R"
    assert emulator.pending_replies() == b""
    emulator.feed(b"\x1b[c\x1b[5n")
    assert emulator.pending_replies() == b"\x1b[?6c\x1b[0n"


def test_origin_mode_without_margins_does_not_crash() -> None:
    emulator = feed_all(TerminalEmulator(10, 4), "\x1b[?6h\x1b[3d\x1b[6nx")
    assert emulator.pending_replies() == b"\x1b[3;1R"
    assert emulator.display[2].startswith("x")


def test_cursor_visibility() -> None:
    emulator = feed_all(TerminalEmulator(10, 2), "ab")
    assert emulator.cursor == (2, 0, True)
    emulator.feed(b"\x1b[?25l")
    assert not emulator.cursor.visible


# -- history and scrolling -------------------------------------------------------------------------


def test_history_is_bounded_and_keeps_the_latest_lines() -> None:
    emulator = feed_all(TerminalEmulator(10, 3, history=5), "".join(f"n{i}\r\n" for i in range(100)))
    assert emulator.history_size == 5
    emulator.scroll_up(100)
    assert emulator.scroll_offset == 5
    assert [emulator.render_line(y, 10).text.rstrip() for y in range(3)] == ["n93", "n94", "n95"]


def test_history_lines_keep_their_colours() -> None:
    emulator = feed_all(TerminalEmulator(10, 2), "\x1b[31mred\x1b[0m\r\n\r\n\r\n")
    emulator.scroll_up(2)
    first = list(emulator.render_line(0, 10))[0]
    assert first.text == "red" and first.style.color.number == 1


def test_scrolled_back_view_stays_put_while_output_arrives() -> None:
    emulator = feed_all(TerminalEmulator(10, 3), "".join(f"a{i}\r\n" for i in range(20)))
    emulator.scroll_up(5)
    shown = [emulator.render_line(y, 10).text for y in range(3)]
    emulator.take_dirty()
    feed_all(emulator, "".join(f"b{i}\r\n" for i in range(4)))
    assert emulator.scroll_offset == 9
    assert [emulator.render_line(y, 10).text for y in range(3)] == shown
    assert not emulator.take_dirty()
    emulator.scroll_to_bottom()
    assert emulator.scroll_offset == 0
    assert emulator.display[1].startswith("b3")


def test_scroll_down_and_limits() -> None:
    emulator = feed_all(TerminalEmulator(10, 3), "".join(f"{i}\r\n" for i in range(10)))
    emulator.scroll_up(3)
    emulator.scroll_down(1)
    assert emulator.scroll_offset == 2
    emulator.scroll_down(10)
    assert emulator.scroll_offset == 0
    emulator.scroll_up(1000)
    assert emulator.scroll_offset == emulator.history_size


def test_clear_scrollback_sequence_empties_history() -> None:
    emulator = feed_all(TerminalEmulator(10, 3), "".join(f"{i}\r\n" for i in range(10)))
    emulator.scroll_up(2)
    emulator.feed(b"\x1b[H\x1b[2J\x1b[3J")
    assert emulator.history_size == 0
    assert emulator.scroll_offset == 0


def test_scroll_region_does_not_feed_history() -> None:
    # A pager scrolling a region below a fixed header must not fill scrollback.
    emulator = feed_all(TerminalEmulator(10, 5), "\x1b[2;5r\x1b[5;1H", "x\r\n" * 10)
    assert emulator.history_size == 0


# -- resize -------------------------------------------------------------------------------------------


def test_shrink_keeps_the_cursor_line_and_moves_the_top_to_history() -> None:
    emulator = feed_all(TerminalEmulator(10, 6), "".join(f"l{i}\r\n" for i in range(5)) + "$ ")
    emulator.resize(10, 3)
    assert emulator.display == ["l3".ljust(10), "l4".ljust(10), "$".ljust(10)]
    assert emulator.cursor == (2, 2, True)
    assert emulator.history_size == 3


def test_shrink_with_cursor_at_top_cuts_the_bottom() -> None:
    emulator = feed_all(TerminalEmulator(10, 6), "$ ")
    emulator.resize(10, 3)
    assert emulator.display[0].startswith("$")
    assert emulator.history_size == 0


def test_resize_columns_truncates_and_clamps_cursor() -> None:
    emulator = feed_all(TerminalEmulator(10, 2), "0123456789")
    emulator.resize(4, 2)
    assert emulator.display[0] == "0123"
    assert emulator.cursor.x == 3
    emulator.resize(12, 4)
    assert emulator.display[0] == "0123".ljust(12)
    emulator.feed(b"\tX")
    assert emulator._screen.tabstops == {8}


def test_take_dirty_reports_changed_lines_and_full_redraws() -> None:
    emulator = TerminalEmulator(10, 4)
    assert emulator.take_dirty().full  # first frame
    emulator.feed(b"\x1b[3;1Hx")
    dirty = emulator.take_dirty()
    assert 2 in dirty and not dirty.full
    assert not emulator.take_dirty()
    emulator.resize(8, 4)
    assert emulator.take_dirty().full
    emulator.feed(b"\x1b[?1049h")
    assert emulator.take_dirty().full
    emulator.feed(b"\x1b[2;2H")  # the cursor leaves line 2 for line 1: both are redrawn
    assert emulator.take_dirty() == {1, 2}


def test_feeding_from_a_thread_while_rendering() -> None:
    emulator = TerminalEmulator(40, 10, history=100)
    data = "".join(f"\x1b[3{i % 8}m{i}\x1b[0m 你好\r\n" for i in range(3000)).encode()
    errors: list[BaseException] = []

    def reader() -> None:
        try:
            for start in range(0, len(data), 512):
                emulator.feed(data[start : start + 512])
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)

    thread = threading.Thread(target=reader)
    thread.start()
    while thread.is_alive():
        emulator.take_dirty()
        with emulator.lock:
            for y in range(emulator.lines):
                assert emulator.render_line(y, 40).cell_length == 40
    thread.join()
    assert not errors
    assert emulator.display[-2].startswith("2999 你好")
