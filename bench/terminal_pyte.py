"""How fast the embedded terminal digests output, against plain pyte.

Feeds recorded-like output, as a TTY sends it (CR LF), in reads of --chunk
bytes through (a) pyte's Screen + ByteStream and (b) dtui's TerminalEmulator,
and prints CPU seconds per MB, MB/s and the ratio. The kinds: `seq` lines,
SGR-coloured log lines, `ls --color` output, long lines that wrap, a
top-like full-screen redraw with cursor addressing, a pager scrolling a
region, and text with accents, box drawing, CJK and emoji. With --fps the
emulator run also renders the dirty lines that often, like the widget does.
CPU time (time.process_time) is the figure to compare: a shared machine
makes wall time noisy. Each run is repeated --repeat times; best and worst
are printed.

    python bench/terminal_pyte.py [--mb 5] [--chunk 4096] [--fps 30] [--repeat 3] [--kinds seq,colour,...]
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


def repeated(size: int, piece: Callable[[int], str], head: str = "") -> bytes:
    """`head`, then piece(0), piece(1), ... until there are `size` bytes or more."""
    parts, total, i = [head], len(head), 0
    while total < size:
        data = piece(i)
        parts.append(data)
        total += len(data.encode())
        i += 1
    return "".join(parts).encode()


def seq_text(size: int) -> bytes:
    return repeated(size, lambda i: f"{i + 1}\r\n")


def coloured_text(size: int) -> bytes:
    """ls/log-like lines: bold 16-colour counters, 256-colour names, truecolor tags."""
    return repeated(
        size,
        lambda i: (
            f"\x1b[1;3{i % 8}m{i:7d}\x1b[0m \x1b[38;5;{i % 256}mfile_{i}.txt\x1b[0m"
            f" \x1b[48;2;10;{i % 256};30m ok \x1b[0m \x1b[2mstatus\x1b[22m {'x' * (i % 40)}\r\n"
        ),
    )


def ls_text(size: int) -> bytes:
    """`ls --color` output: a reset, a colour, a name and a reset per entry, five to a line."""
    kinds = ["01;34", "01;32", "01;36", "0", "01;31"]
    return repeated(
        size, lambda i: "".join(f"\x1b[0m\x1b[{kinds[(i + k) % 5]}mname_{i * 5 + k}\x1b[0m  " for k in range(5)) + "\r\n"
    )


def long_text(size: int) -> bytes:
    """Lines of up to 400 characters: most of them wrap on a 200-column screen."""
    return repeated(size, lambda i: (f"{i:08d} " + "abcdefghij" * 40)[: 100 + (i * 37) % 300] + "\r\n")


def top_screen(frame: int) -> str:
    rows = [f"\x1b[H\x1b[7mtop - {frame:06d} load average: 0.{frame % 100:02d}\x1b[m\x1b[K"]
    for row in range(2, LINES):
        bold = "1;" if row % 3 == 0 else ""
        rows.append(
            f"\x1b[{row};1H\x1b[{bold}3{row % 8}m{row * frame % 99999:6d} root  20  0 {row * 7:6d} {row * 3:5d} S"
            f"  0.{row % 10}  0.0  0:00.{row:02d} proc{row}\x1b[m\x1b[K"
        )
    return "".join(rows) + "\x1b[J"


def top_text(size: int) -> bytes:
    """A top-like screen redrawn again and again: cursor addressing, SGR, erase to end of line."""
    return repeated(size, top_screen)


def pager_step(i: int) -> str:
    text = f"\x1b[{LINES - 1};1H\n\x1b[33m{i:6d}\x1b[m a line of text in a scroll region {i}\x1b[K"
    if i % 7 == 0:
        text += f"\x1b[1;1H\x1b[L\x1b[32minserted {i}\x1b[m"
    return text + f"\x1b[{LINES};1H\x1b[7mstatus {i}\x1b[m\x1b[K"


def pager_text(size: int) -> bytes:
    """less/vi-like: a scroll region above a status line, lines fed at its bottom, some inserted at its top."""
    return repeated(size, pager_step, head=f"\x1b[1;{LINES - 1}r")


def unicode_text(size: int) -> bytes:
    """Accents, box drawing, CJK and emoji on every line."""
    words = ["héllo", "wörld", "日本語", "テスト", "ça va", "→", "├── ✓ done", "🐳"]
    return repeated(size, lambda i: f"{i} " + " ".join(words[(i + k) % len(words)] for k in range(6)) + "\r\n")


KINDS: dict[str, Callable[[int], bytes]] = {
    "seq": seq_text,
    "colour": coloured_text,
    "ls": ls_text,
    "long": long_text,
    "top": top_text,
    "pager": pager_text,
    "unicode": unicode_text,
}


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


def run(name: str, data: bytes, chunk: int, fps: float, repeat: int) -> None:
    mb = len(data) / 1e6
    pyte_runs, ours_runs = [], []
    same = True
    for _ in range(repeat):
        screen = pyte.Screen(COLUMNS, LINES)
        stream = pyte.ByteStream(screen)
        pyte_runs.append(timed(stream.feed, data, chunk, None, fps))

        emulator = TerminalEmulator(COLUMNS, LINES)

        def frame(emulator: TerminalEmulator = emulator) -> None:
            dirty = emulator.take_dirty()
            with emulator.lock:
                for y in dirty:
                    emulator.render_line(y, COLUMNS)

        ours_runs.append(timed(emulator.feed, data, chunk, frame if fps else None, fps))
        # pyte itself stops drawing a line at a zero-width character; the
        # kinds here have none, so the screens must agree.
        same = same and screen_text(screen) == emulator.display
    pyte_cpu = sorted(cpu for _, cpu in pyte_runs)
    ours_cpu = sorted(cpu for _, cpu in ours_runs)
    ours_wall = min(wall for wall, _ in ours_runs)
    print(
        f"{name:8} {mb:5.1f} MB  pyte {pyte_cpu[0] / mb:6.3f} CPU s/MB ({mb / pyte_cpu[0]:5.2f} MB/s)"
        f"   dtui {ours_cpu[0] / mb:6.4f}-{ours_cpu[-1] / mb:.4f} CPU s/MB ({mb / ours_cpu[0]:6.2f} MB/s,"
        f" {mb / ours_wall:6.2f} wall)   x{pyte_cpu[0] / ours_cpu[0]:5.1f}   same screen: {same}",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mb", type=float, default=5.0, help="megabytes of each kind of output")
    parser.add_argument("--chunk", type=int, default=4096, help="bytes per read")
    parser.add_argument("--fps", type=float, default=30.0, help="render dirty lines this often (0: never)")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each kind (best and worst are printed)")
    parser.add_argument("--kinds", default=",".join(KINDS), help=f"which of {','.join(KINDS)}")
    args = parser.parse_args()
    size = int(args.mb * 1e6)
    print(f"screen {COLUMNS}x{LINES}, reads of {args.chunk} bytes, rendering at {args.fps:g} fps, best of {args.repeat}")
    for name in args.kinds.split(","):
        run(name, KINDS[name](size), args.chunk, args.fps, max(1, args.repeat))


if __name__ == "__main__":
    main()
