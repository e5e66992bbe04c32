"""A log line must never reach the user's terminal as a command."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from tui.docker.ansi import display_cut, sanitize, strip_ansi

ESC = "\x1b"
SGR_ONLY = re.compile(r"\x1b(?!\[[0-9;:]*m)")
CONTROLS = re.compile(r"[\x00-\x08\x0a-\x1a\x1c-\x1f\x7f-\x9f]")


def assert_terminal_safe(text: str) -> None:
    assert SGR_ONLY.search(text) is None, repr(text)
    assert CONTROLS.search(text.replace("\n", "")) is None, repr(text)


def test_osc_title_with_bel_is_removed() -> None:
    assert sanitize("before\x1b]0;pwned\x07after") == "beforeafter"


def test_osc_title_with_st_is_removed() -> None:
    assert sanitize("a\x1b]2;pwned\x1b\\b") == "ab"


def test_osc52_clipboard_write_is_removed() -> None:
    out = sanitize("x\x1b]52;c;cm0gLXJmIH4K\x07y")
    assert out == "xy"
    assert "52" not in out


def test_osc8_hyperlink_keeps_its_text_and_drops_the_url() -> None:
    assert sanitize("\x1b]8;;https://evil.example/\x1b\\click\x1b]8;;\x1b\\") == "click"


def test_unterminated_osc_ends_with_its_line() -> None:
    assert sanitize("a\x1b]0;title without end\nnext line") == "a\nnext line"


def test_clear_screen_and_alternate_screen_are_removed() -> None:
    assert sanitize("\x1b[2J\x1b[H\x1b[?1049hvisible\x1b[?25l") == "visible"


def test_cursor_movement_is_removed() -> None:
    assert sanitize("ab\x1b[10;20Hc\x1b[3Ad\x1b[K") == "abcd"


def test_private_mode_with_final_m_is_not_mistaken_for_colour() -> None:
    # xterm modifyOtherKeys: same final byte as SGR, but a terminal mode.
    assert sanitize("\x1b[>4;2mk") == "k"


def test_eight_bit_csi_is_neutralised() -> None:
    out = sanitize("a\x9b2Jb")
    assert "\x9b" not in out
    assert out == "a\ufffd2Jb"


def test_c1_string_introducers_are_neutralised() -> None:
    out = sanitize("\x9d0;title\x9c\x90dcs\x9c")
    assert_terminal_safe(out)


def test_dcs_apc_pm_sos_strings_are_removed() -> None:
    text = "1\x1bPq#0;2;0;0;0\x1b\\2\x1b_apc\x1b\\3\x1b^pm\x1b\\4\x1bXsos\x1b\\5"
    assert sanitize(text) == "12345"


def test_single_character_escapes_are_removed() -> None:
    assert sanitize("\x1bcreset \x1b7saved\x1b8 \x1b(Bcharset \x1b#8") == "reset saved charset "


def test_sgr_colours_are_kept() -> None:
    text = "\x1b[1;31merror\x1b[0m \x1b[38;2;10;20;30mrgb\x1b[m \x1b[38:5:208mcolon"
    assert sanitize(text) == text


def test_markup_like_text_is_left_literal() -> None:
    for text in ["[red]x[/red]", "[bold]x[/]", "[link=http://x]y[/link]", "\\[escaped]"]:
        assert sanitize(text) == text


def test_c0_controls_become_visible_control_pictures() -> None:
    assert sanitize("a\x00b\x07c\x08d\x7fe") == "a\u2400b\u2407c\u2408d\u2421e"


def test_tab_is_kept() -> None:
    assert sanitize("a\tb") == "a\tb"


def test_carriage_return_keeps_what_a_finished_redraw_shows() -> None:
    assert sanitize("progress 10%\rprogress 100%") == "progress 100%"
    assert sanitize("done\r") == "done"
    assert sanitize("tty line\r\n") == "tty line\n"


def test_carriage_return_carries_colour_of_the_overwritten_part() -> None:
    assert sanitize("\x1b[32m 10%\r100%\x1b[0m") == "\x1b[32m100%\x1b[0m"


def test_bytes_are_decoded_with_replacement() -> None:
    assert sanitize(b"caf\xc3\xa9 \xff\xfe ok") == "café \ufffd\ufffd ok"


def test_strip_ansi_leaves_plain_text() -> None:
    assert strip_ansi("\x1b[1;31merror\x1b[0m: \x1b[4mdisk\x1b[24m full") == "error: disk full"
    assert strip_ansi("no escapes") == "no escapes"


@given(st.text(alphabet=st.characters(codec="utf-8") | st.sampled_from(list("\x1b[]();?0123456789mHJP\\\x07\x9b\x9c\r\n"))))
def test_anything_sanitized_is_terminal_safe_and_stable(text: str) -> None:
    out = sanitize(text)
    assert_terminal_safe(out)
    assert sanitize(out) == out
    assert ESC not in strip_ansi(out)
    assert out.count("\n") == text.count("\n")


@given(st.binary())
def test_any_bytes_sanitize_to_safe_text(data: bytes) -> None:
    assert_terminal_safe(sanitize(data))


def test_display_cut_leaves_short_lines_alone() -> None:
    assert display_cut("short", 10) == "short"


def test_display_cut_cuts_long_lines_and_says_so() -> None:
    out = display_cut("x" * 100_000, 10_000)
    assert out.startswith("x" * 10_000)
    assert len(out) < 10_100
    assert "90,000 more characters" in out


def test_display_cut_never_splits_a_colour_sequence() -> None:
    text = "a" * 9_997 + "\x1b[31m" + "b" * 100
    out = display_cut(text, 10_000)
    assert "\x1b[3" not in out.replace("\x1b[0m", "")
    assert_terminal_safe(out)


def test_display_cut_output_is_bounded_whatever_the_line_length() -> None:
    huge = "y" * 50_000_000
    out = display_cut(huge)
    assert len(out) < 10_100
    assert out.startswith("y" * 100) and "more characters" in out


def test_sanitize_leaves_typical_lines_unchanged() -> None:
    # speed is measured in bench/, not asserted here
    plain = "2024-05-01 12:00:00 INFO request handled path=/api/items status=200 in 12ms\n" * 20_000
    coloured = "\x1b[32mINFO\x1b[0m request handled path=/api/items \x1b[1mstatus=200\x1b[0m\n" * 20_000
    for text in (plain, coloured):
        assert sanitize(text) == text


# Bytes a container may write: escapes of every kind, C0 and C1 controls,
# carriage returns, multi-byte UTF-8 (0xC2 leads both "°" and the C1
# controls), and bytes that are not UTF-8 at all.
container_bytes = st.lists(
    st.one_of(
        st.sampled_from(
            [b"\x1b[31m", b"\x1b[0m", b"\x1b]0;t\x07", b"\x1b[2J", b"\x1b", b"\r", b"\r\n", b"\n", b"\t", b"\x00", b"\x07", b"\x7f",
             "\u00b0".encode(), "\u009b".encode(), b"\xc2", b"\xff", "中".encode(), b"[red]x[/red]"]
        ),
        st.binary(max_size=6),
    ),
    max_size=25,
).map(b"".join)


@given(container_bytes)
def test_the_byte_fast_paths_agree_with_sanitize(data: bytes) -> None:
    """Lines are stored as bytes and neutralised when read: the shortcuts for
    clean and colour-only text must give exactly what sanitize gives."""
    from tui.docker.ansi import plain_bytes, sanitize_bytes

    assert sanitize_bytes(data) == sanitize(data)
    assert plain_bytes(data) == strip_ansi(sanitize(data))
    assert_terminal_safe(sanitize_bytes(data))


@given(container_bytes)
def test_sanitize_is_idempotent(data: bytes) -> None:
    """Text read back from the spool may be sanitized again (a LogLine stored
    by hand): a second pass must change nothing."""
    once = sanitize(data)
    assert sanitize(once) == once


def _one_line_reference(line: str) -> str:
    line = line.rstrip("\r")
    if "\r" not in line:
        return line
    overwritten, _, shown = line.rpartition("\r")
    return "".join(re.findall(r"\x1b\[[0-9;:]*m", overwritten)) + shown


@given(st.lists(st.text(alphabet=st.sampled_from(list("ab\r\x1b[31m;0")), max_size=12), max_size=8))
def test_carriage_returns_resolve_per_line_in_a_whole_block(lines: list[str]) -> None:
    """A block of lines is resolved in one pass; each line must come out as
    if it had been resolved alone."""
    from tui.docker.ansi import _resolve_carriage_returns

    assert _resolve_carriage_returns("\n".join(lines)) == "\n".join(_one_line_reference(line) for line in lines)
