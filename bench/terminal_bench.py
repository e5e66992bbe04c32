"""The embedded terminal end to end: how fast a TTY flood gets from the daemon
onto dtui's screen, and how long a keystroke takes to echo.

Against the daemon named by DOCKER_HOST, in one run, for two floods (a file
of `seq` lines and one of SGR-coloured lines):

  raw stream   `cat` of the file inside a container through `docker exec -t`,
               read straight off the hijacked socket (64 KiB recv, nothing
               else): what the daemon can deliver, the ceiling
  raw pyte     the first --pyte-mb of that same stream, in the chunks it
               arrived in, through plain pyte (Screen + ByteStream)
  emulator     the same prefix through dtui's TerminalEmulator alone
  whole path   the same `cat` in dtui's TerminalView inside a headless
               Textual app: socket -> reader thread -> emulator -> dirty
               lines drawn at the capped frame rate; timed from the exec to
               the last frame after the end of the stream
  latency      an idle `sh` in the TerminalView: a key event posted to the
               app until the echoed character is in the emulator, and until
               the frame showing it is drawn (median of --keys keystrokes)

Each flood runs --rounds whole paths, each between two raw reads, and each is
compared with the mean of those two (the daemon's TTY rate drifts with the
machine's load); medians are reported with their spread. A 20 MB coloured
flood takes under half a second, so one busy moment on a shared machine
moves a round by 10 %: nine rounds keep the median steady. CPU seconds per MB
(time.process_time, this process only) are reported next to the rates: on a
shared machine they move far less than wall time. Results go to
bench/results/terminal.json and .md.

    python bench/terminal_bench.py [--mb 20] [--pyte-mb 2] [--rounds 9] [--floods seq,colour] [--keys 50] [--quick]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import pyte  # noqa: E402
from textual import events  # noqa: E402
from textual.app import App, ComposeResult  # noqa: E402

from bench.common import (  # noqa: E402
    CLK_TCK,
    IMAGE,
    LABEL,
    Figure,
    api_client,
    daemon_pids,
    figures_table,
    proc_cpu_ticks,
    write_result,
)
from tui.docker.session import READ_SIZE, ExecChannel, ExecOptions, raw_socket  # noqa: E402
from tui.terminal.emulator import TerminalEmulator  # noqa: E402
from tui.widgets.terminal_view import FRAME_RATE, HISTORY, TerminalView  # noqa: E402

COLUMNS, LINES = 120, 40
GOAL_RATIO = 0.90
GOAL_LATENCY_MS = 50.0


#: What each flood is and the shell command that writes it (`size` bytes) in the container.
FLOODS = {
    # Plain lines of text, like a log or `seq`: what a flood usually is.
    "seq": ("`seq` lines", "seq 1 100000000 | head -c {size}"),
    # ls/log-like lines, an SGR every ~14 bytes: bold 16-colour counters,
    # 256-colour names, truecolor tags (as bench/terminal_pyte.py makes them).
    "colour": (
        "SGR-coloured lines",
        (
            "awk 'BEGIN{{for(i=0;;i++) printf \"\\033[1;3%dm%7d\\033[0m \\033[38;5;%dmfile_%d.txt\\033[0m "
            "\\033[48;2;10;%d;30m ok \\033[0m \\033[2mstatus\\033[22m %s\\n\", i%8, i, i%256, i, i%256, "
            "substr(\"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\", 1, i%40)}}' | head -c {size}"
        ),
    ),
}


def flood_file(kind: str) -> str:
    return f"/tmp/flood-{kind}.txt"


def make_container(api: Any, size: int, kinds: list[str]) -> str:
    name = f"dtuibench-terminal-{os.getpid()}"
    created = api.create_container(
        IMAGE,
        ["sh"],
        tty=True,
        stdin_open=True,
        name=name,
        labels={LABEL: "1"},
        host_config=api.create_host_config(network_mode="none"),
    )
    api.start(created["Id"])
    for kind in kinds:
        command = FLOODS[kind][1].format(size=size) + f" > {flood_file(kind)}"
        make = api.exec_create(created["Id"], ["sh", "-c", command])
        api.exec_start(make["Id"])
    return created["Id"]


def raw_stream(api: Any, container_id: str, kind: str, keep: int) -> tuple[int, float, float, list[bytes]]:
    """Bytes, seconds, CPU seconds of this process, and the first `keep` bytes in the chunks they came in."""
    began = time.perf_counter()
    cpu_began = time.process_time()
    created = api.exec_create(container_id, ["cat", flood_file(kind)], stdin=True, tty=True)
    sock = raw_socket(api.exec_start(created["Id"], socket=True, tty=True))
    sock.settimeout(None)
    total = 0
    kept: list[bytes] = []
    kept_size = 0
    while True:
        data = sock.recv(READ_SIZE)
        if not data:
            break
        total += len(data)
        if kept_size < keep:
            kept.append(data)
            kept_size += len(data)
    seconds = time.perf_counter() - began
    cpu = time.process_time() - cpu_began
    sock.close()
    return total, seconds, cpu, kept


def raw_pyte(chunks: list[bytes]) -> tuple[float, float]:
    """Wall and CPU seconds."""
    screen = pyte.Screen(COLUMNS, LINES)
    stream = pyte.ByteStream(screen)
    began, cpu_began = time.perf_counter(), time.process_time()
    for chunk in chunks:
        stream.feed(chunk)
    return time.perf_counter() - began, time.process_time() - cpu_began


def emulator_only(chunks: list[bytes]) -> tuple[float, float]:
    """Wall and CPU seconds, best of three runs (CPU time moves far less than wall time)."""
    runs = []
    for _ in range(3):
        emulator = TerminalEmulator(COLUMNS, LINES, HISTORY)
        began, cpu_began = time.perf_counter(), time.process_time()
        for chunk in chunks:
            emulator.feed(chunk)
            emulator.take_dirty()
        runs.append((time.perf_counter() - began, time.process_time() - cpu_began))
    return min(runs, key=lambda run: run[1])


def redraw_frames(count: int) -> bytes:
    """`count` screens the way top redraws: home, then every line addressed, coloured and cleared to its end."""
    frames = []
    for frame in range(count):
        lines = [f"\x1b[H\x1b[7m  PID USER      PR  NI    VIRT    RES  %CPU  frame {frame}\x1b[K\x1b[m"]
        for y in range(2, LINES + 1):
            cpu = (y * frame) % 100 / 3
            lines.append(
                f"\x1b[{y};1H{y * 7 + frame:5d} root      20   0  {1000 + y * frame:6d}  {200 + y:5d} "
                f"\x1b[1m{cpu:4.1f}\x1b[m  process-{y}\x1b[K"
            )
        frames.append("".join(lines))
    return "".join(frames).encode()


def redraw_rates(count: int = 300, read: int = 4096) -> dict[str, float]:
    """Screens per CPU second, emulator and raw pyte, for top-like full-screen redraws fed in `read`-byte reads."""
    data = redraw_frames(count)
    emulator = TerminalEmulator(COLUMNS, LINES, HISTORY)
    began = time.process_time()
    for start in range(0, len(data), read):
        emulator.feed(data[start : start + read])
        emulator.take_dirty()
    emulator_cpu = time.process_time() - began
    screen = pyte.Screen(COLUMNS, LINES)
    stream = pyte.ByteStream(screen)
    began = time.process_time()
    for start in range(0, len(data), read):
        stream.feed(data[start : start + read])
    pyte_cpu = time.process_time() - began
    return {
        "bytes_per_screen": len(data) / count,
        "emulator_screens_per_s": count / emulator_cpu,
        "emulator_mb_per_s": mb(len(data)) / emulator_cpu,
        "pyte_screens_per_s": count / pyte_cpu,
        "pyte_mb_per_s": mb(len(data)) / pyte_cpu,
    }


class TimedExec(ExecChannel):
    """An ExecChannel that notes when it started, so the whole path is timed like the raw read."""

    began = 0.0
    cpu_began = 0.0

    def open(self, columns: int, lines: int) -> None:
        self.began = time.perf_counter()
        self.cpu_began = time.process_time()
        super().open(columns, lines)


class TerminalBenchApp(App[None]):
    """Nothing but the terminal view, full screen, as dtui shows it."""

    def __init__(self, channel: ExecChannel) -> None:
        super().__init__()
        self.channel = channel
        self.ended_at = 0.0
        self.end: Any = None

    def compose(self) -> ComposeResult:
        yield TerminalView(self.channel, detach_sequence=b"\x10\x11", daemon_detaches=False)

    def on_mount(self) -> None:
        self.query_one(TerminalView).focus()

    def on_terminal_view_ended(self, message: TerminalView.Ended) -> None:
        self.ended_at = time.perf_counter()
        self.end = message.end


async def wait_until(predicate: Any, timeout: float, what: str, step: float = 0.01) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out waiting for {what}")
        await asyncio.sleep(step)


async def whole_path(api: Any, container_id: str, kind: str) -> dict[str, Any]:
    channel = TimedExec(api, container_id, ExecOptions(command=("cat", flood_file(kind))))
    app = TerminalBenchApp(channel)
    async with app.run_test(size=(COLUMNS, LINES)) as pilot:
        view = app.query_one(TerminalView)
        lags: list[float] = []
        while app.end is None:
            before = time.perf_counter()
            await asyncio.sleep(0.05)
            lags.append(time.perf_counter() - before - 0.05)
            if time.perf_counter() - channel.began > 1200 and channel.began:
                raise RuntimeError("the whole-path flood did not finish")
        # Everything is fed once the stream has ended; the frame after that
        # is the last one that draws anything.
        await pilot.pause(3 / FRAME_RATE)
        cpu = time.process_time() - channel.cpu_began
        frames = view.frames_drawn
        done = view.last_frame_at
        bytes_read = view.session.bytes_read if view.session else 0
        last_line = next((line.strip() for line in reversed(view.emulator.display) if line.strip()), "")
        await pilot.pause(0)
    lags.sort()
    return {
        "bytes": bytes_read,
        "seconds": done - channel.began,
        "cpu_seconds": cpu,
        "frames": frames,
        "end": getattr(app.end, "reason", "?"),
        "exit_code": getattr(app.end, "exit_code", None),
        "last_line": last_line,
        "loop_lag_p50_ms": 1000 * lags[len(lags) // 2] if lags else None,
        "loop_lag_p90_ms": 1000 * lags[len(lags) * 9 // 10] if lags else None,
        "loop_lag_max_ms": 1000 * lags[-1] if lags else None,
    }


async def keystroke_latency(api: Any, container_id: str, keys: int) -> dict[str, Any]:
    channel = ExecChannel(api, container_id, ExecOptions(command=("sh",)))
    app = TerminalBenchApp(channel)
    async with app.run_test(size=(COLUMNS, LINES)) as pilot:
        view = app.query_one(TerminalView)
        await wait_until(lambda: view.connected, 20, "the shell")
        await wait_until(lambda: "/ #" in "\n".join(view.emulator.display), 20, "the prompt")
        await pilot.pause(0.3)
        session = view.session
        assert session is not None
        in_emulator: list[float] = []
        on_screen: list[float] = []
        for index in range(keys):
            if index and index % 40 == 0:
                app.post_message(events.Key("ctrl+u", None))  # a fresh line
                await pilot.pause(0.2)
            # In an idle shell the echo is the only output: the session counts
            # bytes once the emulator has taken them.
            count = session.bytes_read
            frames = view.frames_drawn
            began = time.perf_counter()
            app.post_message(events.Key("x", "x"))
            await wait_until(lambda: session.bytes_read > count, 5, "the echo", step=0.0005)
            in_emulator.append(time.perf_counter() - began)
            await wait_until(lambda: view.frames_drawn > frames, 5, "the frame", step=0.0005)
            on_screen.append(time.perf_counter() - began)
            await asyncio.sleep(0.05)
        app.post_message(events.Key("ctrl+u", None))
        await pilot.pause(0.1)
    return {
        "keys": keys,
        "echo_median_ms": 1000 * statistics.median(in_emulator),
        "echo_p90_ms": 1000 * sorted(in_emulator)[len(in_emulator) * 9 // 10],
        "screen_median_ms": 1000 * statistics.median(on_screen),
        "screen_p90_ms": 1000 * sorted(on_screen)[len(on_screen) * 9 // 10],
    }


def mb(size: float) -> float:
    return size / 1e6


def rate(size: float, seconds: float) -> float:
    return mb(size) / seconds if seconds > 0 else 0.0


def spread(values: list[float], fmt: str = "{:.2f}") -> str:
    """min-max, for the notes: on a shared machine one figure alone says little."""
    return f"{fmt.format(min(values))}-{fmt.format(max(values))}" if len(values) > 1 else fmt.format(values[0])


def daemon_side() -> dict[int, str]:
    """dockerd, containerd and the shims of the daemon in DTUI_DAEMON_DIR (bench/run sets it); none without it."""
    if not os.environ.get("DTUI_DAEMON_DIR"):
        return {}
    try:
        return daemon_pids()
    except (OSError, ValueError):
        return {}


def daemon_seconds(pids: dict[int, str]) -> float:
    # Not their children: the `cat` in the container is the program, not the daemon.
    return sum(proc_cpu_ticks(pid, children=False) or 0 for pid in pids) / CLK_TCK


def flood_rounds(api: Any, container_id: str, kind: str, rounds: int, keep: int) -> dict[str, Any]:
    """raw, whole path, raw, whole path, ..., raw: each whole path against the raw reads around it."""
    print(f"{kind} flood: cat of a file of {FLOODS[kind][0]} through docker exec -t", flush=True)
    raws: list[dict[str, Any]] = []
    wholes: list[dict[str, Any]] = []
    chunks: list[bytes] = []
    pids = daemon_side()
    for index in range(rounds + 1):
        daemon_before = daemon_seconds(pids)
        size, seconds, cpu, kept = raw_stream(api, container_id, kind, keep if index == 0 else 0)
        chunks = chunks or kept
        raws.append({"bytes": size, "seconds": seconds, "cpu_seconds": cpu, "daemon_cpu_seconds": daemon_seconds(pids) - daemon_before})
        print(f"  raw stream: {rate(size, seconds):.2f} MB/s ({mb(size):.1f} MB in {seconds:.1f} s, {cpu / mb(size):.4f} CPU s/MB here)", flush=True)
        if index == rounds:
            break
        daemon_before = daemon_seconds(pids)
        whole = asyncio.run(whole_path(api, container_id, kind))
        whole["daemon_cpu_seconds"] = daemon_seconds(pids) - daemon_before
        wholes.append(whole)
        print(
            f"  whole path: {rate(whole['bytes'], whole['seconds']):.2f} MB/s ({whole['seconds']:.1f} s, "
            f"{whole['cpu_seconds'] / mb(whole['bytes']):.4f} CPU s/MB, {whole['frames']} frames, last line {whole['last_line'][-20:]!r})",
            flush=True,
        )
    raw_rates = [rate(r["bytes"], r["seconds"]) for r in raws]
    whole_rates = [rate(w["bytes"], w["seconds"]) for w in wholes]
    # Each whole path against the mean of the raw reads just before and after it.
    ratios = [w / ((raw_rates[i] + raw_rates[i + 1]) / 2) for i, w in enumerate(whole_rates)]
    prefix = sum(map(len, chunks))
    pyte_s, pyte_cpu = raw_pyte(chunks)
    emulator_s, emulator_cpu = emulator_only(chunks)
    return {
        "daemon_measured": bool(pids),
        "raw": raws,
        "whole": wholes,
        "raw_rates": raw_rates,
        "whole_rates": whole_rates,
        "ratios": ratios,
        "whole_cpu_per_mb": [w["cpu_seconds"] / mb(w["bytes"]) for w in wholes],
        "prefix_bytes": prefix,
        "prefix_chunks": len(chunks),
        "pyte_seconds": pyte_s,
        "pyte_cpu_seconds": pyte_cpu,
        "emulator_seconds": emulator_s,
        "emulator_cpu_seconds": emulator_cpu,
    }


def flood_figures(kind: str, result: dict[str, Any]) -> list[Figure]:
    median = statistics.median
    rounds = len(result["whole_rates"])
    raw_rate = median(result["raw_rates"])
    whole_rate = median(result["whole_rates"])
    ratio = median(result["ratios"])
    whole_cpu = median(result["whole_cpu_per_mb"])
    prefix = mb(result["prefix_bytes"])
    emulator_rate = prefix / result["emulator_seconds"]
    emulator_cpu = result["emulator_cpu_seconds"] / prefix
    pyte_rate = prefix / result["pyte_seconds"]
    pyte_cpu = result["pyte_cpu_seconds"] / prefix
    label = FLOODS[kind][0]
    daemon = []
    if result["daemon_measured"]:
        per_mb = [r["daemon_cpu_seconds"] / mb(r["bytes"]) for r in result["raw"]]
        daemon.append(
            Figure(f"{kind}: the daemon's side (dockerd, containerd, shim) CPU per MB, raw reads", median(per_mb), "s/MB", "", None, spread(per_mb, "{:.3f}"))
        )
    return daemon + [
        Figure(f"{kind}: raw TTY exec stream (median of {rounds + 1} reads)", raw_rate, "MB/s", "", None, f"{spread(result['raw_rates'])} MB/s"),
        Figure(
            f"{kind}: whole path: socket -> emulator -> screen (median of {rounds})",
            whole_rate,
            "MB/s",
            f">= {GOAL_RATIO:.0%} of raw",
            ratio >= GOAL_RATIO,
            f"{ratio:.0%} of raw (rounds {spread([100 * r for r in result['ratios']], '{:.0f}')}%), {spread(result['whole_rates'])} MB/s",
        ),
        Figure(f"{kind}: whole path CPU per MB (dtui's process)", whole_cpu, "s/MB", "", None, spread(result["whole_cpu_per_mb"], "{:.3f}")),
        Figure(f"{kind}: TerminalEmulator alone, same chunks", emulator_rate, "MB/s", "", None, f"{emulator_cpu:.3f} CPU s/MB, {pyte_cpu / emulator_cpu:.0f}x less CPU than raw pyte"),
        Figure(f"{kind}: raw pyte (Screen + ByteStream), same chunks", pyte_rate, "MB/s", "", None, f"{pyte_cpu:.2f} CPU s/MB ({label})"),
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mb", type=float, default=20.0, help="size of each file `cat` floods with (MB)")
    parser.add_argument("--pyte-mb", type=float, default=2.0, help="prefix of the stream fed to raw pyte and the emulator alone")
    parser.add_argument("--rounds", type=int, default=9, help="whole-path runs per flood, each between two raw reads")
    parser.add_argument("--floods", default="seq,colour", help=f"which floods, of {','.join(FLOODS)}")
    parser.add_argument("--keys", type=int, default=50, help="keystrokes for the echo latency")
    parser.add_argument("--quick", action="store_true", help="2 MB floods, one round, 20 keystrokes: a smoke run")
    args = parser.parse_args()
    if args.quick:
        args.mb, args.pyte_mb, args.keys, args.rounds = 2.0, 0.5, 20, 1
    kinds = [kind for kind in args.floods.split(",") if kind]
    unknown = [kind for kind in kinds if kind not in FLOODS]
    if unknown or not kinds or args.rounds < 1:
        parser.error(f"--floods takes some of {','.join(FLOODS)}; --rounds at least 1")
    if not os.environ.get("DOCKER_HOST"):
        print("DOCKER_HOST is not set: point it at the (private) daemon to measure", file=sys.stderr)
        return 2
    size = int(args.mb * 1e6)
    api = api_client()
    container_id = make_container(api, size, kinds)
    results: dict[str, Any] = {}
    try:
        print(f"view {COLUMNS}x{LINES}, {FRAME_RATE} fps cap, {args.mb:g} MB files, {args.rounds} rounds", flush=True)
        for kind in kinds:
            results[kind] = flood_rounds(api, container_id, kind, args.rounds, int(args.pyte_mb * 1e6))
        latency = asyncio.run(keystroke_latency(api, container_id, args.keys))
        redraws = redraw_rates()
    finally:
        try:
            api.remove_container(container_id, force=True)
        except Exception:  # noqa: BLE001 - already gone
            pass

    figures = [figure for kind in kinds for figure in flood_figures(kind, results[kind])]
    lags = [w["loop_lag_p90_ms"] for result in results.values() for w in result["whole"] if w["loop_lag_p90_ms"] is not None]
    figures += [
        Figure("keystroke -> echo in the emulator (median)", latency["echo_median_ms"], "ms", f"< {GOAL_LATENCY_MS:g} ms", latency["echo_median_ms"] < GOAL_LATENCY_MS),
        Figure("keystroke -> echo drawn on screen (median)", latency["screen_median_ms"], "ms", f"< {GOAL_LATENCY_MS:g} ms", latency["screen_median_ms"] < GOAL_LATENCY_MS),
        Figure("event-loop lag during the floods (worst p90 of the rounds)", max(lags) if lags else None, "ms"),
        Figure(
            "top-like full-screen redraws: TerminalEmulator, screens per CPU second",
            redraws["emulator_screens_per_s"],
            "screens/s",
            "",
            None,
            f"{redraws['emulator_mb_per_s']:.1f} MB/s, {redraws['bytes_per_screen']:.0f} bytes a screen",
        ),
        Figure(
            "top-like full-screen redraws: raw pyte, screens per CPU second",
            redraws["pyte_screens_per_s"],
            "screens/s",
            "",
            None,
            f"{redraws['pyte_mb_per_s']:.1f} MB/s",
        ),
    ]
    details = {
        "flood_mb": args.mb,
        "rounds": args.rounds,
        "view": [COLUMNS, LINES],
        "frame_rate_cap": FRAME_RATE,
        "floods": results,
        "latency": latency,
        "redraws": redraws,
        "load_average": os.getloadavg(),
        "cpus": os.cpu_count(),
    }
    table = figures_table(figures)
    print()
    print(table)
    notes = []
    for kind in kinds:
        result = results[kind]
        wholes = result["whole"]
        raw_mb = mb(result["raw"][0]["bytes"])
        lag_p90 = ", ".join(f"{w['loop_lag_p90_ms']:.0f}" for w in wholes)
        lag_max = ", ".join(f"{w['loop_lag_max_ms']:.0f}" for w in wholes)
        notes.append(
            f"- {kind} ({FLOODS[kind][0]}, {raw_mb:.1f} MB on the wire after the TTY's CR LF): whole path "
            f"{', '.join(f'{100 * r:.0f}%' for r in result['ratios'])} of the raw stream; frames drawn "
            f"{', '.join(str(w['frames']) for w in wholes)}; event-loop lag (a 50 ms sleep coming back late) p90 "
            f"{lag_p90} ms, max {lag_max} ms; the emulator alone got the first "
            f"{mb(result['prefix_bytes']):.1f} MB in the {result['prefix_chunks']} chunks it arrived in"
            + (
                "; the daemon's side took "
                + ", ".join(f"{w['daemon_cpu_seconds'] / mb(w['bytes']):.3f}" for w in wholes)
                + " CPU s/MB during the whole paths."
                if result["daemon_measured"]
                else "."
            )
        )
    markdown = (
        "# Embedded terminal: flood throughput and keystroke latency\n\n"
        f"`python bench/terminal_bench.py {' '.join(sys.argv[1:])}`, {os.cpu_count()} CPUs, "
        f"load average {os.getloadavg()[0]:.1f} at the end. `cat` of a {args.mb:g} MB file through "
        f"`docker exec -t`, view {COLUMNS}x{LINES}, frame rate capped at {FRAME_RATE} fps; "
        f"{args.rounds} whole-path runs per flood, each between two raw reads of the same stream, and each "
        "compared with the mean of those two (the daemon's TTY rate drifts with the machine's load). "
        "CPU seconds per MB (time.process_time) are dtui's process only: reader thread and event loop; "
        "what the daemon's side costs is measured apart when DTUI_DAEMON_DIR names the daemon. dtui and "
        "the daemon share the machine's cores, so on a busy machine every CPU second dtui takes slows "
        "the stream it reads.\n\n"
        + table
        + "\n"
        + "\n".join(notes)
        + f"\n\nLatency: {latency['keys']} keystrokes, p90 echo {latency['echo_p90_ms']:.1f} ms, "
        f"p90 on screen {latency['screen_p90_ms']:.1f} ms.\n"
    )
    write_result("terminal", "Embedded terminal: flood throughput and keystroke latency", figures, details, markdown)
    return 0


if __name__ == "__main__":
    sys.exit(main())
