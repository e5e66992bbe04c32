"""How fast the embedded terminal digests output, against plain pyte.

Feeds `seq`-style lines and SGR-coloured lines (as a TTY sends them, CR LF)
in reads of --chunk bytes through (a) pyte's Screen + ByteStream and (b)
dtui's TerminalEmulator, and prints MB/s and the ratio. With --fps the
emulator run also renders the dirty lines that often, like the widget does,
so the number is the whole path. CPU time is reported next to wall time
because a shared machine makes wall time noisy.

    python bench/terminal_pyte.py [--mb 20] [--chunk 4096] [--fps 30]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Callable

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import pyte  # noqa: E402

from tui.terminal.emulator import TerminalEmulator, screen_text  # noqa: E402

COLUMNS, LINES = 200, 50
#: What `docker exec -t` delivered on the machine this was tuned on.
STREAM_MB_S = 1.0


def seq_text(size: int) -> bytes:
    parts, total, i = [], 0, 1
    while total < size:
        line = f"{i}\r\n"
        parts.append(line)
        total += len(line)
        i += 1
    return "".join(parts).encode()


def coloured_text(size: int) -> bytes:
    """ls/log-like lines: bold 16-colour counters, 256-colour names, truecolor tags."""
    parts, total, i = [], 0, 0
    while total < size:
        line = (
            f"\x1b[1;3{i % 8}m{i:7d}\x1b[0m \x1b[38;5;{i % 256}mfile_{i}.txt\x1b[0m"
            f" \x1b[48;2;10;{i % 256};30m ok \x1b[0m \x1b[2mstatus\x1b[22m {'x' * (i % 40)}\r\n"
        )
        parts.append(line)
        total += len(line)
        i += 1
    return "".join(parts).encode()


def timed(feed: Callable[[bytes], None], data: bytes, chunk: int, frame: Callable[[], None] | None,
          fps: float) -> tuple[float, float]:
    wall0, cpu0 = time.perf_counter(), time.process_time()
    next_frame = wall0
    for start in range(0, len(data), chunk):
        feed(data[start : start + chunk])
        if frame is not None and time.perf_counter() >= next_frame:
            frame()
            next_frame = time.perf_counter() + 1 / fps
    if frame is not None:
        frame()
    return time.perf_counter() - wall0, time.process_time() - cpu0


def run(name: str, data: bytes, chunk: int, fps: float) -> None:
    mb = len(data) / 1e6

    screen = pyte.Screen(COLUMNS, LINES)
    stream = pyte.ByteStream(screen)
    pyte_wall, pyte_cpu = timed(stream.feed, data, chunk, None, fps)

    emulator = TerminalEmulator(COLUMNS, LINES)

    def frame() -> None:
        dirty = emulator.take_dirty()
        with emulator.lock:
            for y in dirty:
                emulator.render_line(y, COLUMNS)

    ours_wall, ours_cpu = timed(emulator.feed, data, chunk, frame if fps else None, fps)
    same = screen_text(screen) == emulator.display
    print(
        f"{name:8} {mb:5.1f} MB  pyte {mb / pyte_cpu:6.2f} MB/s cpu ({mb / pyte_wall:5.2f} wall)"
        f"   dtui {mb / ours_cpu:6.2f} MB/s cpu ({mb / ours_wall:5.2f} wall)"
        f"   x{pyte_cpu / ours_cpu:5.1f}   {mb / ours_cpu / STREAM_MB_S * 100:5.0f}% of a"
        f" {STREAM_MB_S:g} MB/s stream   same screen: {same}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mb", type=float, default=20.0, help="megabytes of each kind of output")
    parser.add_argument("--chunk", type=int, default=4096, help="bytes per read")
    parser.add_argument("--fps", type=float, default=30.0, help="render dirty lines this often (0: never)")
    args = parser.parse_args()
    size = int(args.mb * 1e6)
    print(f"screen {COLUMNS}x{LINES}, reads of {args.chunk} bytes, rendering at {args.fps:g} fps")
    run("seq", seq_text(size), args.chunk, args.fps)
    run("colour", coloured_text(size), args.chunk, args.fps)


if __name__ == "__main__":
    main()
