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

_SINCE = re.compile(r"^(\d+)([smhd])$")
_KEY = re.compile(r"^[a-zA-Z0-9_+\-]+$")

EXAMPLE = """\
# dtui settings. Every entry is optional.
read_only = false        # start in read-only mode (same as --read-only)
poll_seconds = 15        # the safety-net refresh; daemon events refresh at once
theme = "textual-dark"   # any Textual theme name
confirm = true           # ask before kill/stop-like actions; removals always ask

[logs]
tail = 5000              # lines fetched when a log view opens, or "all"
since = ""               # e.g. "15m", "1h", "24h"; empty for no limit

[keys]
# binding id = key, for keys outside the fixed contract, e.g.
# sort = "S"
"""


@dataclass(frozen=True)
class Settings:
    read_only: bool = False
    poll_seconds: float = 15.0
    theme: str = "textual-dark"
    confirm: bool = True
    log_tail: int | str = 5000
    log_since: str = ""
    keys: dict[str, str] = field(default_factory=dict)
    path: Path | None = None
    problems: tuple[str, ...] = ()

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


def _line_of(text: str, key: str) -> int | None:
    for number, line in enumerate(text.splitlines(), start=1):
        if re.match(rf"^\s*{re.escape(key)}\s*=", line):
            return number
    return None


def load_settings(path: Path | None = None) -> Settings:
    path = path or config_path()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
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
        line = _line_of(text, key.split(".")[-1])
        where = f"{path} line {line}" if line else str(path)
        problems.append(f"{where}: {key}: {message}; default used")

    def take(key: str, kind: type | tuple[type, ...], value: Any) -> Any:
        if isinstance(value, bool) and kind in (int, float, (int, float)):
            problem(key, f"expected a number, got {value!r}")
            return None
        if not isinstance(value, kind):
            problem(key, f"expected {getattr(kind, '__name__', 'a number')}, got {value!r}")
            return None
        return value

    known = {"read_only", "poll_seconds", "theme", "confirm", "logs", "keys"}
    for key in data:
        if key not in known:
            problem(key, "unknown setting")
    if "read_only" in data and (v := take("read_only", bool, data["read_only"])) is not None:
        settings = replace(settings, read_only=v)
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
    for binding_id, key in keys.items():
        if not isinstance(key, str) or not _KEY.match(key):
            problem(f"keys.{binding_id}", f"{key!r} is not a key name")
        elif key in CONTRACT_KEYS:
            problem(f"keys.{binding_id}", f"{key!r} is one of dtui's fixed keys")
        else:
            accepted[str(binding_id)] = key
    settings = replace(settings, keys=accepted, problems=tuple(problems))
    return settings
