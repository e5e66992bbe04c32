"""Keys, pastes and detach keys become the bytes an xterm would send."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tui.terminal.keys import (
    DEFAULT_DETACH_KEYS,
    DetachMatcher,
    encode_key,
    encode_paste,
    parse_detach_keys,
)

KEY_TABLE = [
    # (Textual key, character, application cursor mode, bytes)
    ("a", "a", False, b"a"),
    ("A", "A", False, b"A"),
    ("shift+a", "A", False, b"A"),
    ("exclamation_mark", "!", False, b"!"),
    ("space", " ", False, b" "),
    ("é", "é", False, "é".encode()),
    ("你", "你", False, "你".encode()),
    ("enter", "\r", False, b"\r"),
    ("tab", "\t", False, b"\t"),
    ("shift+tab", None, False, b"\x1b[Z"),
    ("backspace", "\x7f", False, b"\x7f"),
    ("ctrl+h", None, False, b"\x08"),
    ("escape", "\x1b", False, b"\x1b"),
    ("ctrl+a", None, False, b"\x01"),
    ("ctrl+c", None, False, b"\x03"),
    ("ctrl+p", None, False, b"\x10"),
    ("ctrl+q", None, False, b"\x11"),
    ("ctrl+z", None, False, b"\x1a"),
    ("ctrl+shift+a", None, False, b"\x01"),
    ("ctrl+@", None, False, b"\x00"),
    ("ctrl+at", None, False, b"\x00"),
    ("ctrl+space", None, False, b"\x00"),
    ("ctrl+left_square_bracket", None, False, b"\x1b"),
    ("ctrl+backslash", None, False, b"\x1c"),
    ("ctrl+right_square_bracket", None, False, b"\x1d"),
    ("ctrl+circumflex_accent", None, False, b"\x1e"),
    ("ctrl+underscore", None, False, b"\x1f"),
    ("alt+x", "x", False, b"\x1bx"),
    ("alt+shift+x", "X", False, b"\x1bX"),
    ("meta+x", None, False, b"\x1bx"),
    ("alt+ctrl+a", None, False, b"\x1b\x01"),
    ("alt+backspace", None, False, b"\x1b\x7f"),
    ("up", None, False, b"\x1b[A"),
    ("down", None, False, b"\x1b[B"),
    ("right", None, False, b"\x1b[C"),
    ("left", None, False, b"\x1b[D"),
    ("up", None, True, b"\x1bOA"),
    ("down", None, True, b"\x1bOB"),
    ("right", None, True, b"\x1bOC"),
    ("left", None, True, b"\x1bOD"),
    ("shift+up", None, False, b"\x1b[1;2A"),
    ("shift+up", None, True, b"\x1b[1;2A"),
    ("alt+up", None, False, b"\x1b[1;3A"),
    ("ctrl+up", None, False, b"\x1b[1;5A"),
    ("ctrl+shift+left", None, False, b"\x1b[1;6D"),
    ("home", None, False, b"\x1b[H"),
    ("end", None, False, b"\x1b[F"),
    ("home", None, True, b"\x1bOH"),
    ("end", None, True, b"\x1bOF"),
    ("ctrl+home", None, False, b"\x1b[1;5H"),
    ("pageup", None, False, b"\x1b[5~"),
    ("pagedown", None, False, b"\x1b[6~"),
    ("shift+pageup", None, False, b"\x1b[5;2~"),
    ("insert", None, False, b"\x1b[2~"),
    ("delete", None, False, b"\x1b[3~"),
    ("ctrl+delete", None, False, b"\x1b[3;5~"),
    ("f1", None, False, b"\x1bOP"),
    ("f2", None, False, b"\x1bOQ"),
    ("f3", None, False, b"\x1bOR"),
    ("f4", None, False, b"\x1bOS"),
    ("f5", None, False, b"\x1b[15~"),
    ("f6", None, False, b"\x1b[17~"),
    ("f7", None, False, b"\x1b[18~"),
    ("f8", None, False, b"\x1b[19~"),
    ("f9", None, False, b"\x1b[20~"),
    ("f10", None, False, b"\x1b[21~"),
    ("f11", None, False, b"\x1b[23~"),
    ("f12", None, False, b"\x1b[24~"),
    ("ctrl+f1", None, False, b"\x1b[1;5P"),
    ("ctrl+f5", None, False, b"\x1b[15;5~"),
    # Textual names shift+F1..F12 f13..f24, as xterm's terminfo does.
    ("f13", None, False, b"\x1b[1;2P"),
    ("f17", None, False, b"\x1b[15;2~"),
    ("f24", None, False, b"\x1b[24;2~"),
]


@pytest.mark.parametrize(("key", "character", "app", "expected"), KEY_TABLE)
def test_key_encoding(key: str, character: str | None, app: bool, expected: bytes) -> None:
    assert encode_key(key, character, application_cursor=app) == expected


@pytest.mark.parametrize("key", ["caps_lock", "ctrl+f99", "hyperspace+a", "<scroll-up>"])
def test_keys_without_bytes_are_none(key: str) -> None:
    assert encode_key(key, None, application_cursor=False) is None


@given(st.text(min_size=1, max_size=1).filter(str.isprintable))
def test_every_printable_character_is_sent_as_utf8(ch: str) -> None:
    assert encode_key(ch, ch, application_cursor=False) == ch.encode("utf-8")


def test_paste_normalises_newlines_to_cr() -> None:
    assert encode_paste("a\nb\r\nc", bracketed=False) == b"a\rb\rc"


def test_bracketed_paste_is_wrapped() -> None:
    assert encode_paste("ls\n", bracketed=True) == b"\x1b[200~ls\r\x1b[201~"


def test_bracketed_paste_cannot_end_early() -> None:
    evil = "x\x1b[201~rm -rf /\n"
    out = encode_paste(evil, bracketed=True)
    assert out.startswith(b"\x1b[200~") and out.endswith(b"\x1b[201~")
    assert out.count(b"\x1b[201~") == 1
    # Removing one marker must not assemble another from its surroundings.
    nested = "\x1b[20\x1b[201~1~echo owned"
    out = encode_paste(nested, bracketed=True)
    assert out.count(b"\x1b[201~") == 1


@given(st.text())
def test_bracketed_paste_has_exactly_one_end_marker(text: str) -> None:
    out = encode_paste(text, bracketed=True)
    assert out.count(b"\x1b[201~") == 1 and out.endswith(b"\x1b[201~")
    assert b"\n" not in out


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        (DEFAULT_DETACH_KEYS, b"\x10\x11"),
        ("ctrl-a,a", b"\x01a"),
        ("ctrl-@", b"\x00"),
        ("ctrl-[", b"\x1b"),
        ("ctrl-\\,ctrl-],ctrl-^,ctrl-_", b"\x1c\x1d\x1e\x1f"),
        ("x", b"x"),
    ],
)
def test_parse_detach_keys(spec: str, expected: bytes) -> None:
    assert parse_detach_keys(spec) == expected


@pytest.mark.parametrize("spec", ["", "ctrl-", "ctrl-1", "ctrl-pp", "shift-a", "ctrl-p,,ctrl-q", "ab"])
def test_invalid_detach_keys_are_rejected_with_the_culprit(spec: str) -> None:
    with pytest.raises(ValueError, match="detach"):
        parse_detach_keys(spec)


def test_detach_sequence_is_consumed() -> None:
    m = DetachMatcher(b"\x10\x11")
    assert m.feed(b"\x10") == (b"", False)
    assert m.pending == b"\x10"
    assert m.feed(b"\x11") == (b"", True)


def test_partial_detach_prefix_is_released_in_order() -> None:
    m = DetachMatcher(b"\x10\x11")
    assert m.feed(b"\x10") == (b"", False)
    assert m.feed(b"x") == (b"\x10x", False)
    assert m.pending == b""


def test_repeated_prefix_key_keeps_matching() -> None:
    # Ctrl+P Ctrl+P Ctrl+Q: the first Ctrl+P goes through, the last two detach.
    m = DetachMatcher(b"\x10\x11")
    assert m.feed(b"\x10") == (b"", False)
    assert m.feed(b"\x10") == (b"\x10", False)
    assert m.feed(b"\x11") == (b"", True)


def test_overlapping_sequence_finds_the_match() -> None:
    m = DetachMatcher(b"aab")
    assert m.feed(b"aaab") == (b"a", True)


def test_ordinary_typing_passes_through() -> None:
    m = DetachMatcher(parse_detach_keys(DEFAULT_DETACH_KEYS))
    assert m.feed(b"ls -l\r") == (b"ls -l\r", False)


def test_flush_releases_a_held_prefix() -> None:
    m = DetachMatcher(b"\x10\x11")
    m.feed(b"\x10")
    assert m.flush() == b"\x10"
    assert m.pending == b""


@given(st.lists(st.binary(min_size=1, max_size=4), max_size=30))
def test_matcher_forwards_exactly_the_input_until_detach(chunks: list[bytes]) -> None:
    sequence = b"\x10\x11"
    m = DetachMatcher(sequence)
    sent = b""
    typed = b""
    for chunk in chunks:
        typed += chunk
        out, detached = m.feed(chunk)
        sent += out
        if detached:
            # Everything before the first occurrence of the sequence was sent.
            assert sent == typed[: typed.index(sequence)]
            return
    assert sequence not in typed
    assert sent + m.pending == typed
