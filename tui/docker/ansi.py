"""Making container output safe to put on a user's terminal.

A log line is attacker-controlled text shown on the user's terminal, often over
SSH. Only colour survives: SGR sequences (``ESC [ digits ; : m``) are kept so
the view can render them; everything else that a terminal would act on is
neutralised here. The spool stores lines as the daemon sent them and this
runs when lines are read back (for the screen, search or saving), over whole
blocks of lines at once, so lines never looked at cost nothing.

Decisions (the tests hold them):

* Escape sequences other than SGR are removed entirely: OSC (title, clipboard
  OSC 52, hyperlinks OSC 8 -- the link text stays, the URL goes) with BEL or ST
  terminators, DCS/SOS/PM/APC strings, CSI other than SGR (cursor moves, clear
  screen, private modes, ``ESC [ > 4 m``), and single-character ESC sequences
  (``ESC c`` reset, ``ESC 7``, charset designations). They are invisible in a
  terminal too, so removing them shows what ``docker logs`` would have shown.
* Other C0 controls (and DEL) become their visible Unicode "control picture"
  (BEL -> U+2407, NUL -> U+2400): one cell wide, unambiguous, unlike ``^G``
  which could be literal text. Tab is kept.
* C1 controls U+0080..U+009F (including 8-bit CSI U+009B) become U+FFFD, the
  same mark undecodable bytes get, so what follows them is literal text.
* Carriage return: a trailing ``\\r`` (from ``\\r\\n``) is dropped; inside a
  line only the text after the last ``\\r`` is kept, as a terminal shows a
  progress bar once it has finished redrawing. Colours set in the overwritten
  part are carried over. (A terminal would also leave the tail of a longer
  overwritten text visible; we do not.)
* Newlines are kept, so :func:`sanitize` works on one line or on many.

Text like ``[red]x[/red]`` is left exactly as it is: markup is the view's
concern, and it must render log text literally.
"""

from __future__ import annotations

import re

# SGR: the only sequence a log line may keep. Parameters are digits with ';'
# or ':' (ITU T.416 colours); a private marker ('?', '>', '<', '=') makes it a
# different command (e.g. xterm's modifyOtherKeys ``ESC [ > 4 ; 2 m``).
_SGR_TEXT = r"\x1b\[[0-9;:]*m"
SGR_RE = re.compile(_SGR_TEXT)

# Everything introduced by ESC, in the order a terminal would parse it.
_ESCAPE_BODY = (
    r"(?:"
    # OSC, DCS, SOS, PM, APC: a string ended by BEL or ST (ESC \ or 8-bit
    # 0x9c); an ESC inside ends the string early and is parsed on its own,
    # and an unterminated string ends with its line.
    r"[\]PX^_][^\x07\x1b\x9c\n]*(?:\x07|\x1b\\|\x9c)?"
    # CSI: parameter bytes, intermediate bytes, final byte.
    r"|\[[\x30-\x3f]*[\x20-\x2f]*[\x40-\x7e]?"
    # Any other escape: intermediates then one final byte (ESC c, ESC ( B).
    r"|[\x20-\x2f]*[\x30-\x7e]?"
    r")"
)

# One pass for sanitize: every escape that is not SGR, C0 controls other than
# tab/newline (ESC is handled by the escape branch), DEL and C1 controls.
# The pattern starts with ESC (not with the lookahead) so the regex engine can
# skip quickly to candidate characters: twice as fast on coloured lines.
_UNSAFE_RE = re.compile(
    r"\x1b(?!\[[0-9;:]*m)" + _ESCAPE_BODY + r"|[\x00-\x08\x0b-\x1a\x1c-\x1f\x7f-\x9f]"
)
# Cheap test first: most log lines contain no control character at all.
_HAS_CONTROL_RE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_ANY_ESCAPE_RE = re.compile(r"\x1b" + _ESCAPE_BODY)


def _replacement(match: re.Match[str]) -> str:
    char = match.group()[0]
    if char == "\x1b":
        return ""
    code = ord(char)
    if code < 0x20:
        return chr(0x2400 + code)  # control picture: U+2400..U+241F
    if code == 0x7F:
        return "\u2421"  # SYMBOL FOR DELETE
    return "\ufffd"


# Carriage returns that end a line (TTY output ends lines with CR LF).
_LINE_END_CR_RE = re.compile(r"\r+(?=\n)|\r+\Z")
# A line, or the rest of one, that still holds a carriage return.
_CR_LINE_RE = re.compile(r"[^\n\r]*\r[^\n]*")


def _overwrite(match: re.Match[str]) -> str:
    overwritten, _, shown = match.group().rpartition("\r")
    return "".join(SGR_RE.findall(overwritten)) + shown


def _resolve_carriage_returns(text: str) -> str:
    # Whole blocks at once: CR LF is the common case on TTY logs, and only
    # lines that redraw themselves (progress bars) need work of their own.
    text = text.replace("\r\n", "\n")
    if "\r" not in text:
        return text
    text = _LINE_END_CR_RE.sub("", text)
    if "\r" not in text:
        return text
    return _CR_LINE_RE.sub(_overwrite, text)


def sanitize(text: str | bytes) -> str:
    """Return *text* with SGR colours kept and every other control neutralised.

    Bytes are decoded as UTF-8 with undecodable bytes shown as U+FFFD.
    """
    if isinstance(text, bytes | bytearray | memoryview):
        text = bytes(text).decode("utf-8", "replace")
    if _HAS_CONTROL_RE.search(text) is None:
        return text
    if "\r" in text:
        text = _resolve_carriage_returns(text)
    return _UNSAFE_RE.sub(_replacement, text)


# Every byte that cannot start anything sanitize changes; what is left after
# deleting them says whether a block needs the regex pass. 0xC2 leads every
# C1 control in UTF-8 (and harmless characters such as "°", which then take
# the slower way too).
_INERT_BYTES = bytes(b for b in range(256) if not (b < 0x09 or 0x0B <= b <= 0x1F or b == 0x7F or b == 0xC2))


def sanitize_bytes(data: bytes) -> str:
    """:func:`sanitize` for UTF-8 bytes as a container wrote them.

    Checks the bytes first (a C-speed pass that most log text passes), so a
    block of clean lines costs only its decoding.
    """
    text = data.decode("utf-8", "replace")
    if not data.translate(None, _INERT_BYTES):
        return text
    if "\x1b" in text and _HAS_CONTROL_RE.search(SGR_RE.sub("", text)) is None:
        return text  # colours and nothing else
    return sanitize(text)


def plain_bytes(data: bytes) -> str:
    """``strip_ansi(sanitize_bytes(data))``: what search and save see.

    Coloured logs are common and only colour: with the colours taken out,
    text holding no other control is already plain, one regex pass in all.
    """
    text = data.decode("utf-8", "replace")
    if not data.translate(None, _INERT_BYTES):
        return text
    bare = SGR_RE.sub("", text) if "\x1b" in text else text
    if _HAS_CONTROL_RE.search(bare) is None:
        return bare
    return strip_ansi(sanitize(text))


def strip_ansi(text: str) -> str:
    """Plain text for search, filter and saving: every escape sequence removed."""
    if "\x1b" not in text:
        return text
    return _ANY_ESCAPE_RE.sub("", text)


def display_cut(text: str, limit: int = 10_000) -> str:
    """Cut a very long line for display, in time independent of its length.

    The cut never splits an escape sequence, resets colours before the marker,
    and says how much was left out so the user knows the line goes on.
    """
    if len(text) <= limit:
        return text
    cut = text[:limit]
    escape = cut.rfind("\x1b", max(0, limit - 64))
    if escape != -1 and SGR_RE.match(cut, escape) is None:
        cut = cut[:escape]
    reset = "\x1b[0m" if "\x1b" in cut else ""
    return f"{cut}{reset} … [{len(text) - len(cut):,} more characters]"
