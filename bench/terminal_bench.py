"""The embedded terminal end to end: how fast a TTY flood gets from the daemon
onto dtui's screen, and how long a keystroke takes to echo.

Against the daemon named by DOCKER_HOST, in one run:

  raw stream   `cat` of a file inside a container through `docker exec -t`,
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

The raw stream is read before and after the whole path and the mean is the
reference (the daemon's TTY rate drifts with the machine's load). Results go
to bench/results/terminal.json and .md.

    python bench/terminal_bench.py [--mb 20] [--pyte-mb 2] [--keys 50] [--quick]
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

from bench.common import IMAGE, LABEL, Figure, api_client, figures_table, write_result  # noqa: E402
from tui.docker.session import READ_SIZE, ExecChannel, ExecOptions, raw_socket  # noqa: E402
from tui.terminal.emulator import TerminalEmulator  # noqa: E402
from tui.widgets.terminal_view import FRAME_RATE, TerminalView  # noqa: E402

COLUMNS, LINES = 120, 40
FLOOD_FILE = "/tmp/flood.txt"
GOAL_RATIO = 0.90
GOAL_LATENCY_MS = 50.0


def make_container(api: Any, size: int) -> str:
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
    # Plain lines of text, like a log or `seq`: what a flood usually is.
    make = api.exec_create(created["Id"], ["sh", "-c", f"seq 1 100000000 | head -c {size} > {FLOOD_FILE}"])
    api.exec_start(make["Id"])
    return created["Id"]


def raw_stream(api: Any, container_id: str, keep: int) -> tuple[int, float, list[bytes]]:
    """Bytes, seconds, and the first `keep` bytes in the chunks they came in."""
    began = time.perf_counter()
    created = api.exec_create(container_id, ["cat", FLOOD_FILE], stdin=True, tty=True)
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
    sock.close()
    return total, seconds, kept


def raw_pyte(chunks: list[bytes]) -> float:
    screen = pyte.Screen(COLUMNS, LINES)
    stream = pyte.ByteStream(screen)
    began = time.perf_counter()
    for chunk in chunks:
        stream.feed(chunk)
    return time.perf_counter() - began


def emulator_only(chunks: list[bytes]) -> float:
    emulator = TerminalEmulator(COLUMNS, LINES, 5000)
    began = time.perf_counter()
    for chunk in chunks:
        emulator.feed(chunk)
        emulator.take_dirty()
    return time.perf_counter() - began


class TimedExec(ExecChannel):
    """An ExecChannel that notes when it started, so the whole path is timed like the raw read."""

    began = 0.0

    def open(self, columns: int, lines: int) -> None:
        self.began = time.perf_counter()
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


async def whole_path(api: Any, container_id: str, size: int) -> dict[str, Any]:
    channel = TimedExec(api, container_id, ExecOptions(command=("cat", FLOOD_FILE)))
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
        frames = view.frames_drawn
        done = view.last_frame_at
        bytes_read = view.session.bytes_read if view.session else 0
        last_line = next((line.strip() for line in reversed(view.emulator.display) if line.strip()), "")
        await pilot.pause(0)
    lags.sort()
    return {
        "bytes": bytes_read,
        "seconds": done - channel.began,
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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mb", type=float, default=20.0, help="size of the file `cat` floods with (MB)")
    parser.add_argument("--pyte-mb", type=float, default=2.0, help="prefix of the stream fed to raw pyte and the emulator alone")
    parser.add_argument("--keys", type=int, default=50, help="keystrokes for the echo latency")
    parser.add_argument("--quick", action="store_true", help="2 MB flood, 20 keystrokes: a smoke run")
    args = parser.parse_args()
    if args.quick:
        args.mb, args.pyte_mb, args.keys = 2.0, 0.5, 20
    if not os.environ.get("DOCKER_HOST"):
        print("DOCKER_HOST is not set: point it at the (private) daemon to measure", file=sys.stderr)
        return 2
    size = int(args.mb * 1e6)
    api = api_client()
    container_id = make_container(api, size)
    try:
        print(f"flood: cat of a {args.mb:g} MB file (seq lines) through docker exec -t, view {COLUMNS}x{LINES}, {FRAME_RATE} fps cap", flush=True)
        before_bytes, before_s, chunks = raw_stream(api, container_id, int(args.pyte_mb * 1e6))
        print(f"  raw stream (before): {mb(before_bytes) / before_s:.2f} MB/s ({mb(before_bytes):.1f} MB in {before_s:.1f} s)", flush=True)
        whole = asyncio.run(whole_path(api, container_id, size))
        print(f"  whole path: {mb(whole['bytes']) / whole['seconds']:.2f} MB/s ({whole['seconds']:.1f} s)", flush=True)
        after_bytes, after_s, _ = raw_stream(api, container_id, 0)
        print(f"  raw stream (after): {mb(after_bytes) / after_s:.2f} MB/s", flush=True)
        prefix = sum(map(len, chunks))
        pyte_s = raw_pyte(chunks)
        emulator_s = emulator_only(chunks)
        latency = asyncio.run(keystroke_latency(api, container_id, args.keys))
    finally:
        try:
            api.remove_container(container_id, force=True)
        except Exception:  # noqa: BLE001 - already gone
            pass

    raw_rate = (mb(before_bytes) / before_s + mb(after_bytes) / after_s) / 2
    whole_rate = mb(whole["bytes"]) / whole["seconds"]
    pyte_rate = mb(prefix) / pyte_s
    emulator_rate = mb(prefix) / emulator_s
    ratio = whole_rate / raw_rate
    figures = [
        Figure("raw TTY exec stream (mean of before/after)", raw_rate, "MB/s"),
        Figure("whole path: socket -> emulator -> screen", whole_rate, "MB/s", f">= {GOAL_RATIO:.0%} of raw", ratio >= GOAL_RATIO, f"{ratio:.0%} of raw, {whole_rate / emulator_rate:.0%} of the emulator alone"),
        Figure("raw pyte (Screen + ByteStream), same chunks", pyte_rate, "MB/s", "", None, f"{pyte_rate / raw_rate:.0%} of raw"),
        Figure("TerminalEmulator alone, same chunks", emulator_rate, "MB/s", "", None, f"{emulator_rate / pyte_rate:.1f}x raw pyte"),
        Figure("keystroke -> echo in the emulator (median)", latency["echo_median_ms"], "ms", f"< {GOAL_LATENCY_MS:g} ms", latency["echo_median_ms"] < GOAL_LATENCY_MS),
        Figure("keystroke -> echo drawn on screen (median)", latency["screen_median_ms"], "ms", f"< {GOAL_LATENCY_MS:g} ms", latency["screen_median_ms"] < GOAL_LATENCY_MS),
        Figure("event-loop lag during the flood (p90)", whole["loop_lag_p90_ms"], "ms"),
    ]
    details = {
        "flood_mb": args.mb,
        "view": [COLUMNS, LINES],
        "frame_rate_cap": FRAME_RATE,
        "raw_before": {"bytes": before_bytes, "seconds": before_s},
        "raw_after": {"bytes": after_bytes, "seconds": after_s},
        "prefix_bytes": prefix,
        "prefix_chunks": len(chunks),
        "pyte_seconds": pyte_s,
        "emulator_seconds": emulator_s,
        "whole_path": whole,
        "latency": latency,
        "load_average": os.getloadavg(),
        "cpus": os.cpu_count(),
    }
    table = figures_table(figures)
    print()
    print(table)
    markdown = (
        "# Embedded terminal: flood throughput and keystroke latency\n\n"
        f"`python bench/terminal_bench.py {' '.join(sys.argv[1:])}`, {os.cpu_count()} CPUs, "
        f"load average {os.getloadavg()[0]:.1f} at the end. `cat` of a {args.mb:g} MB file of `seq` lines through "
        f"`docker exec -t` ({mb(before_bytes):.1f} MB on the wire after the TTY's CR LF), view {COLUMNS}x{LINES}, "
        f"frame rate capped at {FRAME_RATE} fps. Raw pyte and the emulator alone get the first "
        f"{mb(prefix):.1f} MB of the stream in the {len(chunks)} chunks it arrived in.\n\n"
        + table
        + f"\nWhole path: {ratio:.0%} of the raw stream and {whole_rate / emulator_rate:.0%} of the emulator alone "
        f"(the emulator's digest rate is the bound); {whole['frames']} frames drawn for {mb(whole['bytes']):.1f} MB; event-loop lag "
        f"(a 50 ms sleep coming back late) p50 {whole['loop_lag_p50_ms']:.0f} ms, p90 {whole['loop_lag_p90_ms']:.0f} ms, "
        f"max {whole['loop_lag_max_ms']:.0f} ms. Latency: {latency['keys']} keystrokes, p90 echo "
        f"{latency['echo_p90_ms']:.1f} ms, p90 on screen {latency['screen_p90_ms']:.1f} ms.\n"
    )
    write_result("terminal", "Embedded terminal: flood throughput and keystroke latency", figures, details, markdown)
    return 0


if __name__ == "__main__":
    sys.exit(main())
