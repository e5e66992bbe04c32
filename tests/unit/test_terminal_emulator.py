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
    # pyte's leaves a line in place when the one below it was never written
    # (whether it was depends on how the text got there): see the test below.
    delete_lines = _Screen.delete_lines


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
    assert_same_as_pyte(size, tokens, cuts)


def assert_same_as_pyte(size: tuple[int, int], tokens: list[str], cuts: list[int]) -> None:
    """Plain pyte fed everything at once, the emulator fed it cut at `cuts`: same screen, same replies."""
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
    fast_and_slow_in(chunked("".join(tokens).encode("utf-8"), cuts), *size, kept=50)


def fast_and_slow_in(chunks: list[bytes], columns: int, lines: int, kept: int) -> tuple[TerminalEmulator, TerminalEmulator]:
    """The emulator fed `chunks`, and pyte's per-character path fed all at once: same screen, history and mode."""
    fast = TerminalEmulator(columns, lines, history=kept)
    for chunk in chunks:
        fast.feed(chunk)
    slow = TerminalEmulator(columns, lines, history=kept)
    slow.bulk_plain_text = False
    slow.feed(b"".join(chunks))
    assert state(fast._screen) == state(slow._screen)
    fast_pushed, fast_rows = history(fast)
    slow_pushed, slow_rows = history(slow)
    assert fast_rows == slow_rows
    if fast._screen.history.dropped_unread:
        # A run of a flood's lines pushed out of history unread counts as
        # its lines, not as the rows its wrapped lines would have made.
        assert fast_pushed <= slow_pushed
    else:
        assert fast_pushed == slow_pushed
    assert fast.alternate_screen == slow.alternate_screen
    return fast, slow


def history(emulator: TerminalEmulator) -> tuple[int, list[tuple]]:
    """Lines ever pushed, and every history line as the cells it shows."""
    rows = [emulator.history_cells(i) for i in range(emulator.history_size)]
    return emulator._screen.history_pushed, rows


# Lines of text and SGR with CR LF between them, more than the screen holds:
# what the flood path takes (a TAB, colours or wide lines on the way).
def _lines_of(piece: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.lists(st.lists(piece, max_size=5).map("".join), min_size=1, max_size=40).map("\r\n".join)


_flood = st.one_of(
    _lines_of(_text),
    _lines_of(st.one_of(_text, _sgr, st.sampled_from(["\x1b[m", "\x1b[0;1m", "\x1b[31m"]))),
    _lines_of(st.one_of(_text, st.sampled_from(["\t", "ab\tc"]))),
    _lines_of(st.one_of(_text, _sgr, st.sampled_from(["\t", "\x08", "\r", "\n"]))),
    _lines_of(st.one_of(_text, _sgr, st.sampled_from(["é", "├── ", "→", "ü"]))),
    _lines_of(st.one_of(_text, _unicode)),
)
#: Also what the emulator deliberately does differently from pyte (a zero-width space).
_any_flood = st.one_of(_flood, _lines_of(st.one_of(_text, st.sampled_from(["é", "你", "e\u0301", "\u200b", "\x9b"]))))
flood_token = st.one_of(_any_flood, _any_flood, _any_flood, common_token, st.sampled_from(["\x1b[?1049h", "\x1b[?1049l", "\r\r\n"]))


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    sizes,
    st.sampled_from([0, 3, 50]),
    st.lists(flood_token, min_size=1, max_size=12),
    st.lists(st.integers(0, 10_000), max_size=8),
)
def test_floods_skipped_through_match_the_per_character_path(
    size: tuple[int, int], kept: int, tokens: list[str], cuts: list[int]
) -> None:
    # Lines a flood scrolls through are never drawn: history and screen
    # must still be exactly what drawing every one of them makes.
    fast_and_slow_in(chunked("".join(tokens).encode("utf-8"), cuts), *size, kept=kept)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(sizes, st.lists(st.one_of(_flood, common_token), min_size=1, max_size=12), st.lists(st.integers(0, 10_000), max_size=8))
def test_floods_match_pyte(size: tuple[int, int], tokens: list[str], cuts: list[int]) -> None:
    assert_same_as_pyte(size, tokens, cuts)


def test_flood_of_lines_matches_pyte() -> None:
    data = "".join(f"{i}\r\n" for i in range(5000)).encode()
    reference = Reference(80, 24)
    reference.feed(data)
    emulator = TerminalEmulator(80, 24)
    for start in range(0, len(data), 4096):
        emulator.feed(data[start : start + 4096])
    assert state(emulator._screen) == state(reference.screen)
    assert emulator.display[-2] == "4999".ljust(80)


def fast_and_slow(data: bytes, columns: int, lines: int, read: int) -> tuple[TerminalEmulator, TerminalEmulator]:
    """The same output through the emulator in reads of `read` bytes, and through pyte's per-character path."""
    return fast_and_slow_in([data[start : start + read] for start in range(0, len(data), read)], columns, lines, 5000)


def ls_lines(count: int, width: int = 5) -> bytes:
    """`ls --color` output: a reset, a colour, a name and a reset per entry."""
    kinds = ["01;34", "01;32", "01;36", "0", "38;5;208", "48;2;1;2;3"]
    return "".join(
        "".join(f"\x1b[0m\x1b[{kinds[(i + k) % len(kinds)]}mname_{i * 7 + k}\x1b[0m  " for k in range(width)) + "\r\n"
        for i in range(count)
    ).encode()


@pytest.mark.parametrize("read", [37, 4096, 65536])
def test_coloured_flood_in_reads_keeps_screen_and_history_exact(read: int) -> None:
    # Several reads in a row each scroll more than a screen: lines the
    # previous read left as text go to history as they are.
    fast, _ = fast_and_slow(ls_lines(1500), 80, 24, read)
    assert fast.history_size == 1500 - 23
    first = fast.render_line(0, 80)
    assert "name_" in first.text


def test_coloured_flood_history_shows_each_line_in_its_colours() -> None:
    fast, slow = fast_and_slow(ls_lines(400) + b"\x1b[?5h", 80, 24, 4096)
    fast.scroll_up(200)
    slow.scroll_up(200)
    # Reverse screen mode (DECSCNM) came after: history keeps the pens it was written in.
    assert [list(fast.render_line(y, 80)) for y in range(24)] == [list(slow.render_line(y, 80)) for y in range(24)]
    colours = {segment.style.color.name for segment in fast.render_line(0, 80) if segment.style.color}
    assert colours >= {"color(4)", "color(2)"}


@pytest.mark.parametrize("read", [100, 4096])
def test_flood_of_wide_coloured_lines_wraps_exactly(read: int) -> None:
    data = "".join(f"\x1b[3{i % 8}m{i:05d}" + "w" * (i % 200) + "\x1b[0m tail\r\n" for i in range(600)).encode()
    fast_and_slow(data, 80, 24, read)


@pytest.mark.parametrize("read", [100, 4096])
def test_flood_with_tabs_matches(read: int) -> None:
    # Source code through `cat`: tabs, some at the end of a line.
    data = "".join(f"\tdef f{i}(x):\t# {i}\r\n\t\treturn x\t\r\n\r\n" for i in range(500)).encode()
    fast_and_slow(data, 80, 24, read)
    fast_and_slow(b"\x1b[31m" + data, 80, 24, read)


@pytest.mark.parametrize("read", [100, 4096])
def test_flood_of_accented_and_box_drawing_text(read: int) -> None:
    # `tree`, logs in French: not ASCII, still one cell per character.
    data = "".join(f"│   ├── fichier_{i}_été.txt \x1b[32m✓\x1b[0m\r\n" for i in range(800)).encode()
    fast, _ = fast_and_slow(data, 60, 20, read)
    fast.scroll_up(100)
    assert "├── fichier_" in fast.render_line(3, 60).text


@pytest.mark.parametrize("read", [100, 4096])
@pytest.mark.parametrize("columns", [80, 50])  # lines that fit; lines that wrap
def test_flood_of_cjk_and_emoji_keeps_two_cells_a_character(read: int, columns: int) -> None:
    data = "".join(
        f"{i} 日本語のテキスト \x1b[33m🐳\x1b[0m {'中' * (i % 25)}{'x' * (i % 3)}\r\n" for i in range(600)
    ).encode()
    fast, slow = fast_and_slow(data, columns, 20, read)
    fast.scroll_up(300)
    slow.scroll_up(300)
    for y in range(20):
        shown = fast.render_line(y, columns)
        assert shown.cell_length == columns
        assert shown.text == slow.render_line(y, columns).text


@pytest.mark.parametrize("bulk", [True, False])
def test_deleting_a_line_moves_up_the_blank_line_below(bulk: bool) -> None:
    # Like xterm: the lines below the cursor move up, a never written one too.
    emulator = TerminalEmulator(1, 7)
    emulator.bulk_plain_text = bulk
    feed_all(emulator, "\r\n\r\n0000\r\n\r\n\x1b[5;H\x1b[M")
    assert emulator.display == [" ", "0", "0", "0", " ", " ", " "]


def test_crlf_file_through_a_tty() -> None:
    # A file with CR LF line ends: the TTY makes each "\r\r\n".
    data = "".join(f"line {i}\r\r\n" if i % 7 else f"line {i}\r\r\r\n" for i in range(500)).encode()
    fast, _ = fast_and_slow(data, 40, 10, 512)
    assert fast.display[-2].startswith("line 499")


def test_flood_on_the_alternate_screen_keeps_history_as_it_was() -> None:
    data = b"".join([b"before\r\n" * 3, b"\x1b[?1049h", ls_lines(500), b"\x1b[?1049l", b"after"])
    fast, _ = fast_and_slow(data, 60, 12, 1000)
    assert fast.history_size == 0
    assert fast.display[3].startswith("after")


@pytest.mark.parametrize("screen", ["", "\x1b[?1049h", "\x1b[3;20r"])
def test_flood_whose_colours_carry_over_line_ends(screen: str) -> None:
    # No reset in sight: each line's pen is where the lines before left it
    # ("01" is bold, not a reset), also where no history is kept.
    data = screen.encode() + "".join(
        f"{i} \x1b[3{i % 8}m{'x' * (i % 9)}\x1b[01m{i}\x1b[4{i % 3}m\r\n" for i in range(700)
    ).encode()
    fast, slow = fast_and_slow(data, 50, 24, 2000)
    assert fast.render_line(5, 50) == slow.render_line(5, 50)


def test_flood_goes_on_after_the_cursor_moved_right() -> None:
    # Cursor forward leaves cells unwritten before the text that follows.
    data = b"".join(
        ls_lines(60) + f"tail{i}\x1b[{i % 4 + 1}Cmore\x1b[1;32m ok\r\n".encode() + ls_lines(60) for i in range(8)
    )
    fast_and_slow(data, 80, 24, len(ls_lines(60)) + 9)


@pytest.mark.parametrize(
    ("after", "size"),
    [
        ("\x1b[38:2::255:0:0mred", (4, 3)),  # colon SGR: not a span of the flood path
        ("\x1b[1m\x1b[Cé\x1b[2J", (4, 3)),  # a cell skipped, then erased: only cells that exist are
        ("\x1b[?5h\r\n\t00", (2, 1)),  # reverse screen: a tab's gap is the reversed blank
        ("\x1b[3Cx\x1b[1K\r\nz", (4, 3)),
    ],
)
@pytest.mark.parametrize("split", [False, True])
def test_flood_then_other_sequences(after: str, size: tuple[int, int], split: bool) -> None:
    # Found by the randomized tests: what follows a flood in the same read
    # (or the next) sees the same screen as drawing every line would make.
    flood = "".join(f"l{i}\r\n" for i in range(12)).encode()
    chunks = [flood, after.encode()] if split else [flood + after.encode()]
    fast_and_slow_in(chunks, *size, kept=5)


def test_flood_then_cursor_addressing_draws_over_it() -> None:
    # vi/less-like output right after a flood: the lines left as text become cells first.
    data = ls_lines(500) + b"\x1b[5;3H\x1b[1;31mX\x1b[K\x1b[2J\x1b[HY\x1b[3;1r\x1b[10;1Hz\r\n" + ls_lines(100)
    fast_and_slow(data, 70, 20, 3000)


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


@pytest.mark.parametrize("control", ["\x07", "\x0f", "\x0e", "\x1b[2K", "\x1b7", "é\x9b", "\x7f"])
@pytest.mark.parametrize("read", [64, 4096])
def test_a_control_inside_a_coloured_flood_ends_the_span_where_it_stands(control: str, read: int) -> None:
    # Floods are checked for controls in one go; one control part-way must
    # still be applied exactly where it stands, before and after it the flood.
    lines = [f"\x1b[3{i % 8}m{i:5d}\x1b[0m line {'x' * (i % 30)}" for i in range(300)]
    lines[150] += control + "after"
    data = "\r\n".join(lines).encode()
    fast_and_slow_in([data[i : i + read] for i in range(0, len(data), read)], 40, 10, kept=50)


@pytest.mark.parametrize(
    "odd",
    [
        "\r",  # a CR on its own: the line is written over from column 0
        "\n",  # an LF on its own: down a line, same column
        "\r\r\n",  # a file's CR LF through a TTY
        "\r5\n",  # CR and LF with a digit between: a CR LF once digits are left out
        "\x1b[\r\nm",  # CR LF inside a CSI: executed, and the CSI goes on
        "\r\x1b[0m\n",  # an SGR between CR and LF
        "\x1b[38:5:208m",  # colon parameters
        "\x1b[1;2H",  # cursor addressing, digits and ";" like an SGR's
        "\x1b[?25l",
        "\x1b[ m",
        "\x1b[\x1b[0mm",
        "\x1b7[m",  # save the cursor, then "[m" as text: with digits left out, it reads like an SGR
        "\x1b;[1m",
        "\t",
        "\x08",
        "\x1b",
    ],
)
@pytest.mark.parametrize("read", [4096, 65536])
def test_one_odd_sequence_in_a_read_of_lines_matches_the_per_character_path(odd: str, read: int) -> None:
    # A read that is only lines of text and SGR is told in a few passes over
    # its bytes with digits and ";" left out: what looks like it, but is not,
    # must take the usual path.
    lines = [f"\x1b[3{i % 8};1m{i:5d}\x1b[0m line {'x' * (i % 30)}" for i in range(2000)]
    lines[1500] += "ab" + odd + "cd"
    data = ("\r\n".join(lines) + "\r\n").encode()
    fast_and_slow_in([data[i : i + read] for i in range(0, len(data), read)], 40, 10, kept=500)


@pytest.mark.parametrize("bulk", [True, False])
def test_scrolled_back_view_redraws_status_lines_below_a_scroll_region(bulk: bool) -> None:
    # Lines scroll into history from a region above two status lines: the
    # view keeps its history lines, and the screen lines it shows move.
    emulator = TerminalEmulator(10, 7, history=50)
    emulator.bulk_plain_text = bulk
    emulator.feed(b"".join(b"h%d\r\n" % i for i in range(10)) + b"\x1b[6;1Hstat5\x1b[7;1Hstat6\x1b[1;2r\x1b[2;1H")
    emulator.scroll_up(1)
    [emulator.render_line(y, 10) for y in range(7)]  # drawn, so cached
    emulator.feed(b"\r\na1\r\na2\r\na3")
    shown = [emulator.render_line(y, 10).text.rstrip() for y in range(7)]
    assert shown == ["h3", "h4", "h5", "a1", "a2", "a3", "h6"]
    emulator._strips.clear()
    assert [emulator.render_line(y, 10).text.rstrip() for y in range(7)] == shown


@pytest.mark.parametrize("final", ["m", "H", "J"])
def test_a_parameter_of_thousands_of_digits_is_capped_not_an_error(final: str) -> None:
    # Python refuses to convert more than 4300 digits to an int.
    emulator = feed_all(TerminalEmulator(10, 3, history=50), "x\r\n" * 3)
    huge = "\x1b[" + "1" * 4400 + final
    feed_all(emulator, huge + "ok", "\r\n".join(["a", "b", "\x1b[" + "1" * 4400 + "mc\x1b[0m"] + ["d"] * 10))
    emulator.scroll_up(8)
    assert [emulator.render_line(y, 10).cell_length for y in range(3)] == [10, 10, 10]
    assert "c" in "".join(emulator.render_line(y, 10).text for y in range(3))


def test_resize_on_the_alternate_screen_without_a_saved_cursor_keeps_the_written_lines() -> None:
    # Mode 47 saves no cursor: what scrolls off the main screen on shrinking
    # depends on its last written line, not on which blank lines pyte made.
    for bulk in (True, False):
        emulator = TerminalEmulator(7, 3, history=5)
        emulator.bulk_plain_text = bulk
        feed_all(emulator, "a\r\n\r\n\r\n\x1b[?47h")  # "a" scrolls off; blank lines left
        emulator.resize(7, 1)
        assert emulator.history_size == 1  # no blank line pushed after it
        feed_all(emulator, "b\x1b[?47l")
        assert emulator.display == ["       "]
