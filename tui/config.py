"""The user's settings file: ``$XDG_CONFIG_HOME/dtui/config.toml``.

A broken or partly wrong file never stops dtui: what can be read is used,
everything else falls back to its default, and each problem is reported once
with the file name and line so the user can fix it.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib  # type: ignore[no-redef]

#: Keys of the team's contract (shared/DESIGN.md): documented, tested, fixed.
CONTRACT_KEYS = frozenset(
    {"q", "escape", "question_mark", "slash", "colon", "1", "2", "3", "4", "5", "tab", "shift+tab", "enter",
     "l", "a", "e", "E", "i", "u", "s", "r", "k", "p", "d", "D"}
)

#: Where each contract key is fixed, by binding-id scope (the part of a
#: binding id before the dot: ``containers.logs`` -> ``containers``). "*" is
#: everywhere. A binding whose default key is fixed in its scope cannot be
#: moved by ``[keys]``; everything else can.
CONTRACT_PLACES: dict[str, frozenset[str]] = {
    "*": frozenset({"escape", "question_mark", "colon", "slash"}),
    "main": frozenset({"q", "1", "2", "3", "4", "5", "tab", "shift+tab"}),
    # the stats pane lists containers too: the container keys stay there
    **{scope: frozenset({"enter", "l", "a", "e", "E", "i", "u", "s", "r", "k", "p", "d", "D"}) for scope in ("containers", "stats")},
    "details": frozenset({"i", "l"}),
    **{scope: frozenset({"i", "d", "D"}) for scope in ("images", "volumes", "networks")},
}


def is_contract_binding(binding_id: str, default_key: str) -> bool:
    """True when the binding ``binding_id`` (default key ``default_key``,
    possibly several keys separated by commas) is one of DESIGN.md's fixed keys."""
    scope = binding_id.split(".", 1)[0]
    fixed = CONTRACT_PLACES["*"] | CONTRACT_PLACES.get(scope, frozenset())
    return any(key.strip() in fixed for key in default_key.split(","))

_SINCE = re.compile(r"^(\d+)([smhd])$")
_KEY = re.compile(r"^[a-zA-Z0-9_+\-]+$")

EXAMPLE = """\
# dtui settings. Every entry is optional.
read_only = false        # start in read-only mode (same as --read-only)
allow_terminal = false   # in read-only mode, still allow exec shells and typing into attach
poll_seconds = 15        # the safety-net refresh; daemon events refresh at once
theme = "textual-dark"   # any Textual theme name
confirm = true           # ask before kill/stop-like actions; removals always ask

[logs]
tail = 5000              # lines fetched when a log view opens, or "all"
since = ""               # e.g. "15m", "1h", "24h"; empty for no limit

[keys]
# "binding id" = "key", for keys outside the fixed contract; `dtui --keys`
# lists every id. For example:
# "containers.toggle_running_only" = "R"
# "list.cycle_sort" = "ctrl+o"
"""


@dataclass(frozen=True)
class Settings:
    read_only: bool = False
    allow_terminal: bool = False
    poll_seconds: float = 15.0
    theme: str = "textual-dark"
    confirm: bool = True
    log_tail: int | str = 5000
    log_since: str = ""
    keys: dict[str, str] = field(default_factory=dict)
    path: Path | None = None
    problems: tuple[str, ...] = ()
    #: line of each setting found in the file ("theme", "logs.tail",
    #: "keys.containers.logs"), for problems found after parsing
    lines: dict[str, int] = field(default_factory=dict)

    def problem(self, key: str, message: str) -> str:
        """A problem with setting ``key``, naming the file and line."""
        return _located(self.path, self.lines.get(key), key, message)

    @property
    def log_since_seconds(self) -> int | None:
        return since_seconds(self.log_since) if self.log_since else None


def since_seconds(text: str) -> int:
    """"15m" -> 900. Raises ValueError with a readable message."""
    match = _SINCE.match(text.strip())
    if not match:
        raise ValueError(f"{text!r} is not a duration like 30s, 15m, 1h or 2d")
    count, unit = int(match.group(1)), match.group(2)
    return count * {"s": 1, "m": 60, "h": 3600, "d": 86400}[unit]


def config_path(env: dict[str, str] | None = None) -> Path:
    env = dict(os.environ) if env is None else env
    if env.get("DTUI_CONFIG"):
        return Path(env["DTUI_CONFIG"])
    base = env.get("XDG_CONFIG_HOME") or str(Path(env.get("HOME", str(Path.home()))) / ".config")
    return Path(base) / "dtui" / "config.toml"


def _located(path: Path | None, line: int | None, key: str, message: str) -> str:
    where = f"{path} line {line}" if path is not None and line else str(path or "config")
    return f"{where}: {key}: {message}; default used"


def _line_of(text: str, dotted: str) -> int | None:
    """The line that sets ``dotted`` ("theme", "logs.tail", "keys.a.b"):
    under its [table] header, as a bare, quoted or dotted key."""
    table: list[str] = []
    for number, line in enumerate(text.splitlines(), start=1):
        header = re.match(r"^\s*\[([^\[\]]+)\]\s*(#.*)?$", line)
        if header:
            table = [p.strip().strip("\"'") for p in header.group(1).split(".")]
            if ".".join(table) == dotted:
                return number
            continue
        match = re.match(r"^\s*((?:\"[^\"]*\"|'[^']*'|[A-Za-z0-9_\-]+)(?:\s*\.\s*(?:\"[^\"]*\"|'[^']*'|[A-Za-z0-9_\-]+))*)\s*=", line)
        if not match:
            continue
        key: list[str] = []
        for piece in re.findall(r"\"[^\"]*\"|'[^']*'|[A-Za-z0-9_\-]+", match.group(1)):
            key.extend([piece[1:-1]] if piece[0] in "\"'" else [piece])
        if ".".join(table + key) == dotted:
            return number
    return None


def load_settings(path: Path | None = None, *, must_exist: bool = False) -> Settings:
    """The settings in ``path`` (default: :func:`config_path`). A missing file
    is no problem unless the user named it (``must_exist``)."""
    path = path or config_path()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        if must_exist:
            return Settings(path=path, problems=(f"{path}: no such file; defaults used",))
        return Settings(path=path)
    except OSError as exc:
        return Settings(path=path, problems=(f"{path}: cannot read ({exc.strerror}); defaults used",))
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        return Settings(path=path, problems=(f"{path}: {exc}; defaults used",))
    return parse_settings(data, path, text)


def parse_settings(data: dict[str, Any], path: Path, text: str = "") -> Settings:
    settings = Settings(path=path)
    problems: list[str] = []

    def problem(key: str, message: str) -> None:
        problems.append(_located(path, _line_of(text, key), key, message))

    def take(key: str, kind: type | tuple[type, ...], value: Any) -> Any:
        if isinstance(value, bool) and kind in (int, float, (int, float)):
            problem(key, f"expected a number, got {value!r}")
            return None
        if not isinstance(value, kind):
            problem(key, f"expected {getattr(kind, '__name__', 'a number')}, got {value!r}")
            return None
        return value

    known = {"read_only", "allow_terminal", "poll_seconds", "theme", "confirm", "logs", "keys"}
    for key in data:
        if key not in known:
            problem(key, "unknown setting")
    if "read_only" in data and (v := take("read_only", bool, data["read_only"])) is not None:
        settings = replace(settings, read_only=v)
    if "allow_terminal" in data and (v := take("allow_terminal", bool, data["allow_terminal"])) is not None:
        settings = replace(settings, allow_terminal=v)
    if "confirm" in data and (v := take("confirm", bool, data["confirm"])) is not None:
        settings = replace(settings, confirm=v)
    if "theme" in data and (v := take("theme", str, data["theme"])) is not None:
        settings = replace(settings, theme=v)
    if "poll_seconds" in data and (v := take("poll_seconds", (int, float), data["poll_seconds"])) is not None:
        if 1 <= v <= 3600:
            settings = replace(settings, poll_seconds=float(v))
        else:
            problem("poll_seconds", "must be between 1 and 3600")
    logs = data.get("logs", {})
    if not isinstance(logs, dict):
        problem("logs", "must be a table [logs]")
        logs = {}
    for key in logs:
        if key not in ("tail", "since"):
            problem(f"logs.{key}", "unknown setting")
    if "tail" in logs:
        tail = logs["tail"]
        if tail == "all" or (isinstance(tail, int) and not isinstance(tail, bool) and tail >= 0):
            settings = replace(settings, log_tail=tail)
        else:
            problem("logs.tail", f"expected a line count or \"all\", got {tail!r}")
    if "since" in logs:
        since = logs["since"]
        try:
            if not isinstance(since, str):
                raise ValueError(f"expected a string like \"15m\", got {since!r}")
            if since:
                since_seconds(since)
            settings = replace(settings, log_since=since)
        except ValueError as exc:
            problem("logs.since", str(exc))
    keys = data.get("keys", {})
    if not isinstance(keys, dict):
        problem("keys", "must be a table [keys]")
        keys = {}
    accepted: dict[str, str] = {}
    lines: dict[str, int] = {}
    # an unquoted dotted id (containers.logs = "L") is a nested table in TOML
    for binding_id, key in _flatten(keys):
        setting = f"keys.{binding_id}"
        if (line := _line_of(text, setting)) is not None:
            lines[setting] = line
        if not isinstance(key, str) or not _KEY.match(key):
            problem(setting, f"{key!r} is not a key name")
        elif key in CONTRACT_KEYS:
            problem(setting, f"{key!r} is one of dtui's fixed keys")
        else:
            accepted[binding_id] = key
    for name in ("theme", "read_only", "poll_seconds", "confirm", "logs.tail", "logs.since"):
        if (line := _line_of(text, name)) is not None:
            lines[name] = line
    settings = replace(settings, keys=accepted, problems=tuple(problems), lines=lines)
    return settings


def _flatten(table: dict[str, Any], prefix: str = "") -> list[tuple[str, Any]]:
    items: list[tuple[str, Any]] = []
    for name, value in table.items():
        dotted = f"{prefix}{name}"
        if isinstance(value, dict):
            items.extend(_flatten(value, dotted + "."))
        else:
            items.append((dotted, value))
    return items
