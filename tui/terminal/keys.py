"""Textual key events to the bytes an xterm sends, pastes, and Docker's detach keys."""

from __future__ import annotations

# Cursor keys: final byte of CSI/SS3. Application mode (DECCKM) only changes
# the unmodified form, like xterm.
_CURSOR = {"up": "A", "down": "B", "right": "C", "left": "D", "home": "H", "end": "F"}

# Keys sent as CSI <n> ~ (with ;<modifier> when modified).
_TILDE = {
    "insert": 2,
    "delete": 3,
    "pageup": 5,
    "pagedown": 6,
    "f5": 15,
    "f6": 17,
    "f7": 18,
    "f8": 19,
    "f9": 20,
    "f10": 21,
    "f11": 23,
    "f12": 24,
}

# F1-F4 are SS3 P..S unmodified and CSI 1;<m> P..S modified.
_PF = {"f1": "P", "f2": "Q", "f3": "R", "f4": "S"}

# Textual reports shifted F1-F12 as f13-f24 (xterm's kf13..kf24).
_SHIFTED_F = {f"f{n + 12}": f"f{n}" for n in range(1, 13)}

# Control characters by the name Textual gives the key (and the character).
_CTRL_PUNCT = {
    "@": 0x00,
    "at": 0x00,
    "space": 0x00,
    "2": 0x00,
    "[": 0x1B,
    "left_square_bracket": 0x1B,
    "left_square_brace": 0x1B,
    "3": 0x1B,
    "\\": 0x1C,
    "backslash": 0x1C,
    "4": 0x1C,
    "]": 0x1D,
    "right_square_bracket": 0x1D,
    "5": 0x1D,
    "^": 0x1E,
    "circumflex_accent": 0x1E,
    "6": 0x1E,
    "_": 0x1F,
    "underscore": 0x1F,
    "minus": 0x1F,
    "slash": 0x1F,
    "7": 0x1F,
    "8": 0x7F,
    "?": 0x7F,
    "question_mark": 0x7F,
}

_PLAIN = {
    "enter": b"\r",
    "return": b"\r",
    "tab": b"\t",
    "backspace": b"\x7f",
    "escape": b"\x1b",
    "space": b" ",
    "newline": b"\n",
}

_MODIFIERS = {"shift", "alt", "meta", "ctrl"}

# Names Textual uses for a whole key that do not split into modifier+key.
_ALIASES = {"ctrl-at": b"\x00"}


def _split(key: str) -> tuple[frozenset[str], str]:
    """'ctrl+shift+up' -> ({'ctrl', 'shift'}, 'up'). A lone '+' is a key, not a separator."""
    if key == "+" or key.endswith("++"):
        head, base = key[:-2], "+"
        parts = head.split("+") if head else []
    else:
        *parts, base = key.split("+")
    return frozenset(p for p in parts if p), base


def encode_key(key: str, character: str | None, *, application_cursor: bool) -> bytes | None:
    """The bytes xterm sends for a Textual key event, or None when there are none.

    `key` is Textual's name ("ctrl+a", "shift+up", "f5", "alt+x"), `character`
    the printable text Textual attached to it, if any.
    """
    if key in _ALIASES:
        return _ALIASES[key]
    modifiers, base = _split(key)
    if modifiers - _MODIFIERS - {"super", "hyper"}:
        return None
    if base in _SHIFTED_F:
        base = _SHIFTED_F[base]
        modifiers = modifiers | {"shift"}
    alt = "alt" in modifiers or "meta" in modifiers
    ctrl = "ctrl" in modifiers
    shift = "shift" in modifiers
    # xterm's modifier parameter: 1 + shift(1) + alt(2) + ctrl(4).
    param = 1 + shift + 2 * alt + 4 * ctrl

    if base in _CURSOR:
        final = _CURSOR[base]
        if param > 1:
            return f"\x1b[1;{param}{final}".encode()
        return f"\x1bO{final}".encode() if application_cursor else f"\x1b[{final}".encode()
    if base in _TILDE:
        number = _TILDE[base]
        return (f"\x1b[{number};{param}~" if param > 1 else f"\x1b[{number}~").encode()
    if base in _PF:
        final = _PF[base]
        return (f"\x1b[1;{param}{final}" if param > 1 else f"\x1bO{final}").encode()

    prefix = b"\x1b" if alt else b""

    if base == "tab" and shift:
        return prefix + b"\x1b[Z"
    if ctrl:
        if len(base) == 1 and base.isascii() and base.isalpha():
            return prefix + bytes([ord(base.lower()) & 0x1F])
        if base in _CTRL_PUNCT:
            return prefix + bytes([_CTRL_PUNCT[base]])
        if base == "backspace":
            return prefix + b"\x08"
        if base in ("enter", "return"):
            return prefix + b"\r"
        if base == "escape":
            return prefix + b"\x1b"
        return None
    if base in _PLAIN:
        return prefix + _PLAIN[base]
    if character and character.isprintable():
        return prefix + character.encode("utf-8")
    if len(base) == 1 and base.isprintable():
        text = base.upper() if shift else base
        return prefix + text.encode("utf-8")
    return None


_PASTE_START = "\x1b[200~"
_PASTE_END = "\x1b[201~"


def encode_paste(text: str, *, bracketed: bool) -> bytes:
    """Pasted text as a terminal sends it: newlines as CR, bracketed when the program asked."""
    text = text.replace("\r\n", "\r").replace("\n", "\r")
    if not bracketed:
        return text.encode("utf-8")
    # The pasted text must not be able to end the paste early (and run
    # what follows as typed commands): remove the markers until none remain.
    while _PASTE_END in text or _PASTE_START in text:
        text = text.replace(_PASTE_END, "").replace(_PASTE_START, "")
    return (_PASTE_START + text + _PASTE_END).encode("utf-8")


_DOCKER_CTRL = {f"ctrl-{chr(c)}": c & 0x1F for c in range(ord("a"), ord("z") + 1)}
_DOCKER_CTRL.update(
    {"ctrl-@": 0x00, "ctrl-[": 0x1B, "ctrl-\\": 0x1C, "ctrl-]": 0x1D, "ctrl-^": 0x1E, "ctrl-_": 0x1F}
)

DEFAULT_DETACH_KEYS = "ctrl-p,ctrl-q"


def parse_detach_keys(spec: str) -> bytes:
    """Docker's detachKeys ("ctrl-p,ctrl-q", "ctrl-a,a") as the bytes to watch for.

    Each comma-separated item is a single character or ctrl-<a-z@[\\]^_>, as
    the Docker CLI accepts them.
    """
    if not spec:
        raise ValueError("detach keys are empty; expected e.g. 'ctrl-p,ctrl-q'")
    codes = bytearray()
    for item in spec.split(","):
        if len(item) == 1:
            codes += item.encode("utf-8")
        elif item in _DOCKER_CTRL:
            codes.append(_DOCKER_CTRL[item])
        else:
            raise ValueError(
                f"invalid detach key {item!r} in {spec!r}: use a single character "
                "or ctrl-<letter>, ctrl-@, ctrl-[, ctrl-\\, ctrl-], ctrl-^, ctrl-_"
            )
    return bytes(codes)


class DetachMatcher:
    """Watches typed bytes for the detach sequence, holding back a partial match.

    A prefix of the sequence is withheld until the next key decides: if the
    sequence goes on, it is consumed; if not, the withheld bytes are released
    first, in order (Ctrl+P then x sends both).
    """

    def __init__(self, sequence: bytes) -> None:
        if not sequence:
            raise ValueError("detach sequence is empty")
        self.sequence = sequence
        self._held = b""

    @property
    def pending(self) -> bytes:
        """Bytes held back as a possible start of the sequence."""
        return self._held

    def feed(self, data: bytes) -> tuple[bytes, bool]:
        """Returns (bytes to send now, whether the whole sequence was typed).

        Bytes after a completed sequence are dropped: the session is ending.
        """
        sequence = self.sequence
        out = bytearray()
        held = self._held
        for byte in data:
            held += bytes((byte,))
            if sequence.startswith(held):
                if len(held) == len(sequence):
                    self._held = b""
                    return bytes(out), True
                continue
            # Keep the longest tail that could still start the sequence.
            for start in range(1, len(held) + 1):
                if sequence.startswith(held[start:]):
                    out += held[:start]
                    held = held[start:]
                    break
        self._held = held
        return bytes(out), False

    def flush(self) -> bytes:
        """Release withheld bytes (e.g. when the session ends or after a timeout)."""
        held, self._held = self._held, b""
        return held
