"""What the dtui benchmarks share: the bench containers on the private daemon,
CPU and memory of processes from /proc, dtui running in a real pseudo-terminal,
and the result files that ``bench/report.py`` gathers.

Every benchmark here runs against the daemon named by ``DOCKER_HOST`` (which
``bench/run`` points at a private, throwaway dockerd) and labels what it
creates with ``dtui.bench=1`` so that it can always be removed again.
"""

from __future__ import annotations

import fcntl
import json
import os
import pty
import re
import select
import signal
import statistics
import struct
import subprocess
import sys
import termios
import threading
import time
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
RESULTS = REPO / "bench" / "results"
LABEL = "dtui.bench"
IMAGE = os.environ.get("DTUI_TEST_IMAGE", "busybox:local")
NAME_PREFIX = "dtuibench-"
CLK_TCK = os.sysconf("SC_CLK_TCK")
PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")
#: The terminal dtui is started in: wide enough for every column group.
COLUMNS, LINES = 120, 40


def api_client(workers: int = 8) -> Any:
    import docker

    return docker.APIClient(base_url=os.environ["DOCKER_HOST"], version="auto", max_pool_size=workers + 2, timeout=120)


# ------------------------------------------------------------ bench containers


def app_started_like_dtui(**kwargs: Any) -> Any:
    """``create_app(**kwargs)`` started as ``dtui`` starts it (tui.cli.main):
    the collector off until the first list is on screen; the main screen
    then freezes what startup built, turns the collector back on and leaves
    full collections to the idle collector. Without this a bench times full
    collections over ~100,000 startup objects (60-100 ms each, landing on
    random keys) that the real app never scans again."""
    import gc

    from tui.app import create_app

    gc.disable()
    return create_app(**kwargs)


def bench_name(index: int) -> str:
    return f"{NAME_PREFIX}{index:04d}"


def bench_containers(api: Any) -> list[dict[str, Any]]:
    return api.containers(all=True, filters={"label": f"{LABEL}=1"})


def create_containers(api: Any, total: int, *, workers: int = 8) -> float:
    """Make sure ``total`` bench containers exist (created, not started), named
    dtuibench-0000..; returns the seconds it took. ``docker create`` is enough
    for the list: ``ps -a`` shows created containers like any other."""
    have = {c["Names"][0].lstrip("/") for c in bench_containers(api)}
    missing = [bench_name(i) for i in range(total) if bench_name(i) not in have]
    began = time.monotonic()

    def create(name: str) -> None:
        api.create_container(IMAGE, command=["sleep", "100000"], name=name, labels={LABEL: "1"}, host_config=api.create_host_config(network_mode="none"))

    with ThreadPoolExecutor(workers) as pool:
        list(pool.map(create, missing))
    return time.monotonic() - began


def start_containers(api: Any, names: Sequence[str], *, workers: int = 4) -> float:
    began = time.monotonic()
    with ThreadPoolExecutor(workers) as pool:
        list(pool.map(api.start, names))
    return time.monotonic() - began


def remove_bench_containers(api: Any, *, workers: int = 8) -> int:
    ids = [c["Id"] for c in bench_containers(api)]

    def remove(cid: str) -> None:
        try:
            api.remove_container(cid, force=True, v=True)
        except Exception:
            pass  # already gone

    with ThreadPoolExecutor(workers) as pool:
        list(pool.map(remove, ids))
    return len(ids)


# ------------------------------------------------------------ /proc accounting


def proc_cpu_ticks(pid: int, *, children: bool = True) -> int | None:
    """utime+stime (+ reaped children's) of a process, in clock ticks."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = text.rpartition(")")[2].split()
    # fields[0] is stat field 3 (state): utime..cstime are fields 14..17
    ticks = int(fields[11]) + int(fields[12])
    if children:
        ticks += int(fields[13]) + int(fields[14])
    return ticks


def proc_comm_ppid(pid: int) -> tuple[str, int] | None:
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    head, _, rest = text.rpartition(")")
    return head.partition("(")[2], int(rest.split()[1])


def proc_cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def rss_mb(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def daemon_pids() -> dict[int, str]:
    """pid -> group (dockerd, containerd, shims) of the private daemon only."""
    pid = int(Path(os.environ["DTUI_DAEMON_DIR"], "dockerd.pid").read_text())
    line = proc_cmdline(pid)
    match = re.search(r"--exec-root (\S+)", line)
    exec_root = (match.group(1) if match else "") + "/"
    found = {pid: "dockerd"}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        other = int(entry.name)
        info = proc_comm_ppid(other)
        if info is None:
            continue
        comm, ppid = info
        if comm == "containerd" and ppid == pid:
            found[other] = "containerd"
        elif (comm.startswith("containerd-shim") or comm == "runc") and exec_root != "/" and exec_root in proc_cmdline(other):
            found[other] = "shims"
    return found


@dataclass
class CpuWindow:
    """CPU used by groups of processes over a wall-clock window, in % of one core."""

    seconds: float
    groups: dict[str, float] = field(default_factory=dict)

    @property
    def total(self) -> float:
        return sum(self.groups.values())


def measure_cpu(pids: dict[int, str], seconds: float) -> CpuWindow:
    before = {pid: proc_cpu_ticks(pid) for pid in pids}
    t0 = time.monotonic()
    time.sleep(seconds)
    after = {pid: proc_cpu_ticks(pid) for pid in pids}
    wall = time.monotonic() - t0
    groups: dict[str, float] = {group: 0.0 for group in pids.values()}
    for pid, group in pids.items():
        a, b = before.get(pid), after.get(pid)
        if a is not None and b is not None:
            groups[group] += (b - a) / CLK_TCK / wall * 100
    return CpuWindow(wall, groups)


# ------------------------------------------------------------ dtui in a pty

ANSI = re.compile(rb"\x1b\[[0-9;?<>=$ ]*[@-~]|\x1b[()][0-9A-Za-z]|\x1b[=>78DEHMcNO]|\x1b\][^\x07\x1b]*(\x07|\x1b\\)")


class PtyProcess:
    """A command in its own pseudo-terminal of COLUMNS x LINES; a thread keeps
    reading its output (a full pty would block the program) and remembers
    when a pattern first appeared."""

    def __init__(self, argv: Sequence[str], env: dict[str, str] | None = None, columns: int = COLUMNS, lines: int = LINES) -> None:
        master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", lines, columns, 0, 0))
        full_env = {**os.environ, "TERM": "xterm-256color", "COLORTERM": "truecolor", **(env or {})}
        full_env.pop("TEXTUAL", None)
        self.started = time.perf_counter()
        self.proc = subprocess.Popen(argv, stdin=slave, stdout=slave, stderr=slave, env=full_env, start_new_session=True, close_fds=True)
        os.close(slave)
        self._master = master
        self._output = bytearray()
        self._plain = bytearray()
        self._lock = threading.Lock()
        self._waiters: list[tuple[re.Pattern[bytes], threading.Event, list[float]]] = []
        #: CPU seconds the program had used when each pattern appeared
        self.cpu_at: dict[bytes, float] = {}
        self._closed = threading.Event()
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()

    @property
    def pid(self) -> int:
        return self.proc.pid

    def _read(self) -> None:
        while True:
            try:
                ready, _, _ = select.select([self._master], [], [], 0.5)
                if not ready:
                    if self.proc.poll() is not None:
                        break
                    continue
                chunk = os.read(self._master, 65536)
            except OSError:
                break
            if not chunk:
                break
            now = time.perf_counter()
            with self._lock:
                # only a bounded tail is kept: an idle run lasts minutes
                self._output += chunk
                if len(self._output) > 4_000_000:
                    del self._output[:-1_000_000]
                self._plain = bytearray(ANSI.sub(b"", bytes(self._output[-200_000:])))
                for pattern, event, when in self._waiters:
                    if not event.is_set() and (pattern.search(self._output) or pattern.search(self._plain)):
                        when.append(now)
                        ticks = proc_cpu_ticks(self.proc.pid)
                        if ticks is not None:
                            self.cpu_at[pattern.pattern] = ticks / CLK_TCK
                        event.set()
        self._closed.set()

    def wait_for(self, pattern: bytes, timeout: float) -> float | None:
        """Seconds from launch until ``pattern`` appeared on screen, or None."""
        compiled = re.compile(pattern)
        event, when = threading.Event(), []
        with self._lock:
            if compiled.search(self._output) or compiled.search(self._plain):
                return 0.0
            self._waiters.append((compiled, event, when))
        if event.wait(timeout):
            return when[0] - self.started
        return None

    def write(self, data: bytes) -> None:
        os.write(self._master, data)

    def tail(self, size: int = 2000) -> str:
        with self._lock:
            return bytes(self._plain[-size:]).decode(errors="replace")

    def stop(self) -> None:
        """``q`` as a user would; then TERM, then KILL."""
        if self.proc.poll() is None:
            try:
                self.write(b"q")
                self.proc.wait(5)
            except (OSError, subprocess.TimeoutExpired):
                pass
        for sig in (signal.SIGTERM, signal.SIGKILL):
            if self.proc.poll() is None:
                try:
                    os.killpg(self.proc.pid, sig)
                    self.proc.wait(5)
                except (OSError, subprocess.TimeoutExpired):
                    pass
        self._thread.join(2)
        try:
            os.close(self._master)
        except OSError:
            pass


def dtui_argv() -> list[str]:
    return [sys.executable, "-m", "tui"]


_HOME: str | None = None


def dtui_env() -> dict[str, str]:
    """A clean, empty HOME: no user settings change what is measured."""
    global _HOME
    if _HOME is None:
        import atexit
        import shutil
        import tempfile

        _HOME = tempfile.mkdtemp(prefix="dtui-bench-home-")
        atexit.register(shutil.rmtree, _HOME, True)
    return {"HOME": _HOME, "XDG_CONFIG_HOME": os.path.join(_HOME, ".config"), "PYTHONPATH": str(REPO)}


def wall_time(argv: Sequence[str], env: dict[str, str] | None = None) -> float:
    return timed_run(argv, env)[0]


def timed_run(argv: Sequence[str], env: dict[str, str] | None = None) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of a command run to its end. CPU time is
    what a machine busy with other work distorts least."""
    began = time.perf_counter()
    proc = subprocess.Popen(argv, env={**os.environ, **(env or {})}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - began
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode:
        raise subprocess.CalledProcessError(proc.returncode, list(argv))
    return wall, usage.ru_utime + usage.ru_stime


def median(values: Iterable[float]) -> float:
    values = list(values)
    return statistics.median(values) if values else float("nan")


# ------------------------------------------------------------ result files


@dataclass
class Figure:
    """One line of the report: a measured value, and when it has a goal, the
    ratio or bound it is judged by."""

    name: str
    value: float | None
    unit: str
    goal: str = ""
    ok: bool | None = None
    note: str = ""


def write_result(name: str, title: str, figures: list[Figure], details: dict[str, Any], markdown: str) -> None:
    """bench/results/<name>.json (``figures`` is what report.py tabulates) and .md."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    payload = {
        "name": name,
        "title": title,
        "when": time.strftime("%Y-%m-%d %H:%M:%S"),
        "argv": sys.argv[1:],
        "figures": [asdict(f) for f in figures],
        "details": details,
    }
    (RESULTS / f"{name}.json").write_text(json.dumps(payload, indent=2) + "\n")
    (RESULTS / f"{name}.md").write_text(markdown)


def figures_table(figures: list[Figure]) -> str:
    lines = ["| figure | value | goal | met |", "|---|---:|---|:---:|"]
    for f in figures:
        value = "n/a" if f.value is None else f"{f.value:.3g} {f.unit}".strip()
        met = "" if f.ok is None else ("yes" if f.ok else "**no**")
        lines.append(f"| {f.name} | {value} | {f.goal} | {met} |")
    return "\n".join(lines) + "\n"
