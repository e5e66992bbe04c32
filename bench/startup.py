"""Time to the first paint of the container list, against the import floor.

dtui (``python -m tui``) is started in a real pseudo-terminal of 120x40 with
DOCKER_HOST pointing at the private daemon; the clock runs from the launch
until a bench container's name appears in what dtui writes to the terminal.
In the same run, and with the same interpreter, it times the floor —
``python -c "import textual.app, docker"``, the price of any Textual app that
talks to Docker — and ``docker ps -a``. Each figure is the median of several
launches after one warm-up launch (so every run reads .pyc files from the page
cache). The dtui process's RSS is read once the list is on screen. Each round
also gives a ratio of its own (that round's paint over that round's floor):
their range is the spread a busy machine puts on the median's ratio.

    python bench/startup.py [--counts 300,1000] [--runs 5] [--no-write]
"""

from __future__ import annotations

import argparse
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (  # noqa: E402
    NAME_PREFIX,
    Figure,
    PtyProcess,
    api_client,
    create_containers,
    dtui_argv,
    dtui_env,
    figures_table,
    median,
    rss_mb,
    timed_run,
    wall_time,
    write_result,
)

#: goal 1 of issue 8: first paint / import floor, per container count
GOALS = {300: 1.3, 1000: 1.5}
NAME_PATTERN = NAME_PREFIX.encode() + rb"\d{4}"


def first_paint(timeout: float = 30.0) -> dict[str, float | None]:
    """One launch: seconds to the first frame, to the first container name,
    and the RSS a moment after the list was painted."""
    proc = PtyProcess(dtui_argv(), env=dtui_env())
    try:
        # Both are watched from the launch: a pattern already on screen when
        # its wait begins reads as 0 s (and has no CPU figure), which is what
        # a list painted in the same write as the first frame did when the
        # name was waited for only after the frame.
        with ThreadPoolExecutor(2) as pool:
            frame_wait = pool.submit(proc.wait_for, rb"dtui", timeout)
            paint_wait = pool.submit(proc.wait_for, NAME_PATTERN, timeout)
            frame, paint = frame_wait.result(), paint_wait.result()
        if paint is None:
            raise RuntimeError(f"no container name on screen after {timeout} s; the screen ends with:\n{proc.tail()}")
        time.sleep(1.5)  # let the whole list land before reading the RSS
        return {"frame": frame, "paint": paint, "paint_cpu": proc.cpu_at.get(NAME_PATTERN), "rss_mb": rss_mb(proc.pid)}
    finally:
        proc.stop()


def measure(runs: int) -> dict[str, list[float]]:
    floor_argv = [sys.executable, "-c", "import textual.app, docker"]
    bare_argv = [sys.executable, "-c", "pass"]
    samples: dict[str, list[float]] = {"floor": [], "floor_cpu": [], "bare": [], "ps": [], "frame": [], "paint": [], "paint_cpu": [], "rss_mb": []}
    # warm-up: page cache and .pyc files for everything that follows
    wall_time(floor_argv)
    first_paint()
    wall_time(["docker", "ps", "-a"])
    # interleaved, so a slow moment of the machine hits every figure alike
    for _ in range(runs):
        samples["bare"].append(wall_time(bare_argv))
        wall, cpu = timed_run(floor_argv)
        samples["floor"].append(wall)
        samples["floor_cpu"].append(cpu)
        samples["ps"].append(wall_time(["docker", "ps", "-a"]))
        one = first_paint()
        for key in ("frame", "paint", "paint_cpu", "rss_mb"):
            if one[key] is not None:
                samples[key].append(float(one[key]))  # type: ignore[arg-type]
    return samples


def round_ratios(samples: dict[str, list[float]]) -> list[float]:
    """Each round's first paint over the same round's floor, sorted."""
    return sorted(paint / floor for paint, floor in zip(samples["paint"], samples["floor"]))


def spread(ratios: list[float]) -> str:
    return f"{min(ratios):.2f}-{max(ratios):.2f}x" if ratios else "n/a"


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--counts", default="300,1000", help="container counts (default 300,1000)")
    parser.add_argument("--runs", type=int, default=5, help="launches per figure (default 5)")
    parser.add_argument("--no-write", action="store_true", help="print the figures only; leave bench/results alone (trial runs)")
    args = parser.parse_args(argv)
    counts = sorted(int(n) for n in args.counts.split(","))
    api = api_client()
    figures: list[Figure] = []
    details: dict[str, object] = {}
    for count in counts:
        took = create_containers(api, count)
        print(f"startup: {count} containers ({took:.0f} s to create)", flush=True)
        samples = measure(args.runs)
        med = {key: median(values) for key, values in samples.items()}
        rounds = round_ratios(samples)
        details[str(count)] = {"samples": samples, "median": med, "round_ratios": rounds}
        ratio = med["paint"] / med["floor"]
        goal = GOALS.get(count)
        figures += [
            Figure(f"first paint, {count} containers", med["paint"], "s", note="launch to first container name in the pty"),
            Figure(f"first paint / import floor, {count} containers", ratio, "x", f"≤ {goal}" if goal else "", ratio <= goal if goal else None),
            Figure(
                f"CPU to first paint / CPU of the import floor, {count} containers",
                med["paint_cpu"] / med["floor_cpu"],
                "x",
                note="CPU seconds: what a busy machine distorts least",
            ),
            Figure(f"first paint / `docker ps -a`, {count} containers", med["paint"] / med["ps"], "x"),
            Figure(f"RSS after listing, {count} containers", median(samples["rss_mb"]), "MB", "≤ 150" if count >= 1000 else "", median(samples["rss_mb"]) <= 150 if count >= 1000 else None),
        ]
        print(
            f"  floor {med['floor']:.3f} s / {med['floor_cpu']:.3f} s CPU (bare python {med['bare']:.3f} s), docker ps -a {med['ps']:.3f} s, "
            f"dtui first frame {med['frame']:.3f} s, first paint {med['paint']:.3f} s / {med['paint_cpu']:.3f} s CPU = {ratio:.2f}x floor "
            f"(rounds {spread(rounds)}), RSS {med['rss_mb']:.0f} MB",
            flush=True,
        )
    floor = median(v for c in details.values() for v in c["samples"]["floor"])  # type: ignore[index]
    figures.insert(0, Figure("import floor: python -c 'import textual.app, docker'", floor, "s"))
    markdown = (
        "# First paint\n\n"
        "`python -m tui` in a 120x40 pseudo-terminal, from launch until a container name is on screen; "
        f"median of {args.runs} launches after a warm-up, interleaved with the floor and `docker ps -a`.\n\n"
        + figures_table(figures)
        + "\n| containers | bare python | import floor (CPU) | docker ps -a | dtui first frame | dtui first paint (CPU) | paint / floor, each round | RSS |\n|---:|---:|---:|---:|---:|---:|---|---:|\n"
        + "".join(
            f"| {count} | {d['median']['bare']:.3f} s | {d['median']['floor']:.3f} s ({d['median']['floor_cpu']:.3f} s) | {d['median']['ps']:.3f} s | "  # type: ignore[index]
            f"{d['median']['frame']:.3f} s | {d['median']['paint']:.3f} s ({d['median']['paint_cpu']:.3f} s) | {spread(d['round_ratios'])} | {d['median']['rss_mb']:.0f} MB |\n"  # type: ignore[index]
            for count, d in details.items()
        )
    )
    if args.no_write:
        print(markdown)
        return 0
    write_result("startup", "First paint of the container list", figures, details, markdown)
    print(figures_table(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
