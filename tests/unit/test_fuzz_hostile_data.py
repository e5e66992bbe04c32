"""Hostile data from containers never reaches the user's terminal raw.

Random bytes and escape sequences go through every path that shows container
data: the list cells, the details view, log sanitising and the embedded
terminal's renderer and key encoder. No crash, no control character out.
"""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st
from rich.console import Console
from rich.text import Text

from tui.docker.ansi import sanitize, strip_ansi
from tui.docker.models import ContainerRow, PortMapping
from tui.presentation import safe_text
from tui.terminal.emulator import TerminalEmulator
from tui.terminal.keys import encode_key, encode_paste

ESCAPES = [
    "\x1b]0;pwned\x07", "\x1b]52;c;aGVsbG8=\x07", "\x1b[2J", "\x1b[?1049h", "\x1b[31m", "\x1bP1;2|x\x1b\\",
    "\x9b2J", "\x1b]8;;http://x\x1b\\link\x1b]8;;\x1b\\", "[red]x[/red]", "[bold]", "\r", "\x00", "\x7f", "é", "你", "🐳",
]
hostile_text = st.lists(st.one_of(st.sampled_from(ESCAPES), st.text(max_size=8)), max_size=12).map("".join)
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def _segments_text(renderable) -> str:
    console = Console(width=200, color_system=None, force_terminal=False, record=False)
    return "".join(segment.text for segment in console.render(renderable))


@settings(max_examples=200, deadline=None)
@given(name=hostile_text, image=hostile_text, status=hostile_text, label=hostile_text)
def test_list_cells_carry_no_control_characters(name, image, status, label):
    from tui.panes.containers import ContainersPane

    row = ContainerRow(
        id="a" * 64, name=name, image=image, image_id="", command=label, created=0, state="running",
        status=status, ports=(PortMapping(80, "tcp", 8080, "0.0.0.0"),), labels=(("com.docker.compose.project", label),),
    )
    pane = ContainersPane.__new__(ContainersPane)
    pane._columns = []
    pane.marked = {row.id: None}  # a marked row's name has a prefix: still data
    for column in ("name", "image", "status", "ports", "project", "command", "created", "id"):
        cell = ContainersPane.cell(pane, row, column)
        text = cell.plain if isinstance(cell, Text) else cell
        assert not CONTROL.search(text), (column, text)
    # markup is never interpreted: the literal text survives
    if "[red]x[/red]" in name:
        assert "[red]x[/red]" in safe_text(name)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=300), hostile_text)
def test_log_sanitising_keeps_only_colour(raw, text):
    for cleaned in (sanitize(raw), sanitize(text)):
        visible = strip_ansi(cleaned)
        assert "\x1b" not in visible
        assert not CONTROL.search(visible.replace("\t", "").replace("\n", ""))
        # what is left besides text is SGR only
        for sequence in re.findall(r"\x1b[^m]*m?", cleaned):
            assert re.fullmatch(r"\x1b\[[0-9;:]*m", sequence), repr(sequence)
        rendered = _segments_text(Text.from_ansi(cleaned))
        assert "\x1b" not in rendered


@settings(max_examples=150, deadline=None)
@given(st.lists(st.one_of(st.binary(max_size=64), st.sampled_from([e.encode() for e in ESCAPES])), max_size=20))
def test_terminal_renders_any_byte_stream_without_raw_controls(chunks):
    emulator = TerminalEmulator(40, 8, history=50)
    for chunk in chunks:
        emulator.feed(chunk)
    for y in range(8):
        strip = emulator.render_line(y, 40)
        text = "".join(segment.text for segment in strip)
        assert not CONTROL.search(text), repr(text)
    assert not CONTROL.search(emulator.title)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=40), st.booleans())
def test_paste_can_never_end_bracketed_mode_early(text, bracketed):
    data = encode_paste(text + "\x1b[201~" + text, bracketed=bracketed)
    if bracketed:
        assert data.startswith(b"\x1b[200~") and data.endswith(b"\x1b[201~")
        assert data.count(b"\x1b[201~") == 1


@given(st.sampled_from(["a", "ctrl+c", "up", "f5", "alt+x", "shift+tab", "pageup", "enter", "ctrl+@"]), st.booleans())
def test_key_encoding_never_raises(key, app_mode):
    encode_key(key, key if len(key) == 1 else None, application_cursor=app_mode)
