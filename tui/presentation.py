"""Pure functions that turn domain objects into display strings.

No Textual here either: these are unit-tested on their own and shared by every
pane, so a port or a size reads the same everywhere.
"""

from __future__ import annotations

import re
import time
import unicodedata
from collections.abc import Iterable, Mapping

from tui.docker.models import ContainerRow, ImageRow, PortMapping
from tui.docker.stats import ContainerStats

STATE_STYLES: dict[str, str] = {
    "running": "green",
    "restarting": "yellow",
    "paused": "cyan",
    "created": "blue",
    "exited": "red",
    "dead": "magenta",
    "removing": "yellow",
}

_SECRET_KEY = re.compile(
    r"(pass(word|wd)?|secret|token|api[_-]?key|access[_-]?key|private[_-]?key|credential|auth|pwd|salt|signature|cookie|session)",
    re.IGNORECASE,
)
MASK = "••••••"

# C0, DEL and C1 controls; the escape character is among them, so nothing a
# container names itself can move the cursor or retitle the user's terminal.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def safe_text(text: str) -> str:
    """Replace control characters with visible U+FFFD-free placeholders."""
    if not _CONTROL.search(text):
        return text
    return _CONTROL.sub(lambda m: "^" + chr((ord(m.group()) + 64) % 128) if ord(m.group()) < 0x20 else "�", text)


def short_id(identifier: str) -> str:
    return identifier.split(":", 1)[-1][:12]


def format_port(port: PortMapping, *, compact: bool = False) -> str:
    if port.public_port:
        if compact:
            return f"{port.public_port}->{port.private_port}/{port.type}"
        ip = port.ip or "0.0.0.0"
        host = f"[{ip}]" if ":" in ip else ip
        return f"{host}:{port.public_port}->{port.private_port}/{port.type}"
    return f"{port.private_port}/{port.type}"


def format_ports(ports: Iterable[PortMapping], *, compact: bool = False) -> str:
    """Like ``docker ps``: IPv4 and IPv6 bindings of one port shown once.

    ``compact`` (narrow screens) leaves out the host address: "32768->80/tcp".
    """
    seen: list[str] = []
    for port in sorted(ports, key=lambda p: (p.private_port, p.type, p.public_port or 0, ":" in p.ip)):
        if port.public_port and ":" in port.ip:
            v4_twin = PortMapping(port.private_port, port.type, port.public_port, "0.0.0.0")
            if format_port(v4_twin) in seen:
                continue
        text = format_port(port, compact=compact)
        if text not in seen:
            seen.append(text)
    return ", ".join(seen)


def time_ago(timestamp: float, now: float | None = None) -> str:
    """``docker ps``'s CREATED column: "3 minutes ago"."""
    now = time.time() if now is None else now
    seconds = max(0, int(now - timestamp))
    if seconds < 1:
        return "Less than a second ago"
    if seconds < 60:
        return f"{seconds} second{'s' if seconds != 1 else ''} ago"
    for unit, size in (("year", 365 * 86400), ("month", 30 * 86400), ("week", 7 * 86400), ("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size:
            count = seconds // size
            if unit == "hour" and count == 1:
                return "About an hour ago"
            if unit == "minute" and count == 1:
                return "About a minute ago"
            return f"{count} {unit}{'s' if count != 1 else ''} ago"
    return f"{seconds} seconds ago"  # pragma: no cover - loop always returns


_COMPACT_UNITS = (
    ("Less than a second", "<1s"),
    ("About a minute", "1m"),
    ("About an hour", "1h"),
    (" seconds", "s"),
    (" second", "s"),
    (" minutes", "m"),
    (" hours", "h"),
    (" days", "d"),
    (" weeks", "w"),
    (" months", "mo"),
    (" years", "y"),
)


def compact_status(status: str) -> str:
    """"Exited (137) 2 hours ago" -> "Exited (137) 2h ago", for narrow screens."""
    for long, short in _COMPACT_UNITS:
        status = status.replace(long, short)
    return status


def human_size(num_bytes: float | None, *, binary: bool = False) -> str:
    """Sizes as the docker CLI prints them (decimal units; binary for memory)."""
    if num_bytes is None:
        return "-"
    base, units = (1024.0, ("B", "KiB", "MiB", "GiB", "TiB")) if binary else (1000.0, ("B", "kB", "MB", "GB", "TB"))
    value = float(num_bytes)
    for unit in units:
        if abs(value) < base or unit == units[-1]:
            if unit == "B":
                return f"{value:.0f}{unit}"
            return f"{value:.3g}{unit}" if value < 100 else f"{value:.0f}{unit}"
        value /= base
    return f"{value}B"  # pragma: no cover


def is_secret_key(key: str) -> bool:
    return bool(_SECRET_KEY.search(key))


def mask_env(key: str, value: str, *, reveal: bool = False) -> str:
    """An env value, masked when its key looks like it holds a secret."""
    if reveal or not value or not is_secret_key(key):
        return value
    return MASK


def state_style(state: str) -> str:
    return STATE_STYLES.get(state, "white")


def display_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _searched_fields(row: ContainerRow) -> tuple[str, ...]:
    return (row.name, row.image, row.id, row.status, row.state, row.compose_project)


def container_search_text(row: ContainerRow) -> str:
    """What the ``/`` filter looks in, lowercased: name, image, id, status,
    state and compose project, one a line. Made once per listed container,
    so typing a filter over 1,000 rows does not lowercase 6,000 strings a key."""
    return "\n".join(field.lower() for field in _searched_fields(row))


def container_matches(row: ContainerRow, needle: str, search_text: str | None = None) -> bool:
    """The ``/`` filter: case-insensitive substring of name, image, id or
    status; ``search_text`` is the row's ``container_search_text`` when the
    caller keeps it."""
    if not needle:
        return True
    needle = needle.lower()
    if "\n" in needle:
        # one field at a time: the needle must not match across two lines
        return any(needle in field.lower() for field in _searched_fields(row))
    return needle in (search_text if search_text is not None else container_search_text(row))


SORT_KEYS = {
    "name": lambda row: row.name.lower(),
    "image": lambda row: row.image.lower(),
    "state": lambda row: (0 if row.is_running else 1, row.state, row.name.lower()),
    "created": lambda row: -row.created,
    "project": lambda row: (row.compose_project == "", row.compose_project, row.name.lower()),
}


def sort_rows(rows: Iterable[ContainerRow], key: str, *, reverse: bool = False) -> list[ContainerRow]:
    return sorted(rows, key=SORT_KEYS[key], reverse=reverse)


def cli_size(num_bytes: float, precision: int = 4) -> str:
    """A size exactly as the docker CLI prints it (go-units ``HumanSize``:
    decimal units, 4 significant digits; some listings use 3), so df
    figures can be compared."""
    units = ("B", "kB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB")
    value, index = float(num_bytes), 0
    while value >= 1000.0 and index < len(units) - 1:
        value /= 1000.0
        index += 1
    return f"{value:.{precision}g}{units[index]}"


def df_reclaimable(reclaimable: int, percent: int | None) -> str:
    """``docker system df``'s RECLAIMABLE column: "1.913kB (0%)"."""
    return cli_size(reclaimable) if percent is None else f"{cli_size(reclaimable)} ({percent}%)"


# --- images --------------------------------------------------------------

def image_matches(row: ImageRow, needle: str) -> bool:
    """The ``/`` filter on images: repository, tag or id."""
    if not needle:
        return True
    needle = needle.lower()
    return any(needle in field.lower() for field in (row.repository, row.tag, row.id.split(":", 1)[-1], f"{row.repository}:{row.tag}"))


def layer_command(created_by: str) -> str:
    """``docker history``'s CREATED BY without the shell noise of the classic builder."""
    text = created_by.strip()
    for prefix in ("/bin/sh -c #(nop) ", "/bin/sh -c #(nop)"):
        if text.startswith(prefix):
            return text[len(prefix) :].strip()
    if text.startswith("/bin/sh -c "):
        return "RUN " + text[len("/bin/sh -c ") :]
    return text


def transfer_line(done: int, total: int) -> str:
    """"12.3MB / 40MB", or what is known of it."""
    if total:
        return f"{human_size(done)} / {human_size(total)}"
    return human_size(done) if done else ""


# --- stats ---------------------------------------------------------------

_SPARK = " ▁▂▃▄▅▆▇█"


def sparkline(values: Iterable[float], width: int, ceiling: float | None = None) -> str:
    """The last ``width`` values as block characters, scaled to ``ceiling``
    (or to their own maximum); always exactly ``width`` characters, padded
    on the left while the history is shorter than that."""
    points = list(values)[-width:] if width > 0 else []
    top = ceiling if ceiling and ceiling > 0 else max(points, default=0.0)
    steps = len(_SPARK) - 1
    chars = []
    for value in points:
        if top <= 0 or value <= 0:
            chars.append(_SPARK[0] if value <= 0 else _SPARK[1])
            continue
        level = min(steps, max(1, round(value / top * steps)))
        chars.append(_SPARK[level])
    return " " * (max(width, 0) - len(chars)) + "".join(chars)


def compact_bytes(num_bytes: float | None) -> str:
    """Binary sizes in at most 6 characters for narrow columns: "512K", "12.3M", "1.9G"."""
    if num_bytes is None:
        return "-"
    value = float(num_bytes)
    for unit in ("B", "K", "M", "G", "T"):
        if value < 1024.0 or unit == "T":
            if unit == "B":
                return f"{value:.0f}B"
            return f"{value:.1f}{unit}" if value < 100 else f"{value:.0f}{unit}"
        value /= 1024.0
    return f"{value:.0f}T"  # pragma: no cover


def cpu_text(percent: float | None) -> str:
    """CPU % as a column shows it; "…" until a second reading exists."""
    if percent is None:
        return "…"
    if percent < 10:
        return f"{percent:.1f}%"
    return f"{percent:.0f}%"


def rate_text(rate: float | None) -> str:
    """Bytes per second in decimal units like docker's I/O columns ("1.2MB")."""
    return "…" if rate is None else human_size(rate)


def sort_figure(value: float | None, *, cpu: bool = False) -> float:
    """A stats figure rounded to about what its column shows, for sorting:
    rows whose numbers look the same keep their (name) order instead of
    swapping places on every sample."""
    if value is None:
        return -1.0
    if cpu:
        return round(value, 1) if value < 10 else float(round(value))
    return float(f"{value:.2g}")


def busiest_first(rows: Iterable[ContainerRow], stats: Mapping[str, ContainerStats], figure: str, *, reverse: bool = False) -> list[ContainerRow]:
    """Rows by a stats figure ("cpu", "memory", "net i/o", "block i/o",
    "pids"), biggest first (``reverse`` turns it around); rows without
    figures last, ties by name so equal-looking rows keep their place."""

    def value(row: ContainerRow) -> float:
        found = stats.get(row.id)
        if found is None:
            return -2.0
        if figure == "cpu":
            return sort_figure(found.cpu_percent, cpu=True)
        if figure == "memory":
            return sort_figure(found.mem_usage)
        if figure == "net i/o":
            return sort_figure((found.net_rx_rate or 0.0) + (found.net_tx_rate or 0.0))
        if figure == "block i/o":
            return sort_figure((found.blk_read_rate or 0.0) + (found.blk_write_rate or 0.0))
        return float(found.pids)

    by_name = sorted(rows, key=lambda row: row.name.lower())
    return sorted(by_name, key=value, reverse=not reverse)


def compact_rate(rate: float | None) -> str:
    """A rate for narrow columns: "1.23M" (decimal, like docker's I/O), "0"."""
    if rate is None:
        return "…"
    text = human_size(rate)
    return text[:-1] if text.endswith("B") and not text[:-1].isdigit() else text[:-1] or "0"


def cpu_style(percent: float | None, cpus: float) -> str:
    """Colour by how much of its allowance a container uses."""
    if percent is None:
        return "dim"
    share = percent / (100.0 * (cpus or 1.0))
    if share >= 0.8:
        return "bold red"
    if share >= 0.5:
        return "yellow"
    return ""
