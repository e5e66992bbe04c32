"""The embedded terminal's pure core: container bytes -> screen -> Strips, keys -> bytes.

Nothing here talks to Docker or owns a widget; the terminal widget feeds
`TerminalEmulator` from its reader thread and draws `render_line`.
"""

from __future__ import annotations

from tui.terminal.emulator import CursorState, DirtyLines, TerminalEmulator
from tui.terminal.keys import (
    DEFAULT_DETACH_KEYS,
    DetachMatcher,
    encode_key,
    encode_paste,
    parse_detach_keys,
)

__all__ = [
    "DEFAULT_DETACH_KEYS",
    "CursorState",
    "DetachMatcher",
    "DirtyLines",
    "TerminalEmulator",
    "encode_key",
    "encode_paste",
    "parse_detach_keys",
]
