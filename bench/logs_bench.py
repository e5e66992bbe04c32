"""The log viewer under load: a flooding container, and a log of a million lines.

(a) Flood. A container runs ``seq`` as fast as it can. In the same run, at the
    same time, dtui follows it (the real app under Textual's Pilot, the log
    screen open and following: LogFollower -> LogSpool -> LogView) and
    ``docker logs -f --tail 0 <id>`` writes what the CLI receives to a file.
    Both are counted over the same wall-clock window, once the flood runs:
    the lines in dtui's spool and the lines in the CLI's file at its start
    and at its end. Figures: lines/s of each and their ratio; dtui's CPU
    seconds per MB of log text and per 100,000 lines (``time.process_time``
    over the window: the whole app, UI included); key-to-paint while the
    flood runs (``w`` toggles wrap: from the key press to the first frame
    composed in the new mode, ``App._display``); RSS before the screen
    opened and after the flood (the spool is on disk, so RSS must not grow
    with the log).
    The same flood is then followed by LogFollower alone (no app), and, as
    the noise floor of the ratio, by a second ``docker logs -f`` against the
    first. Neither follower keeps up with the container itself: the daemon
    sends each follower what it can, so on a busy machine the ratio of two
    identical CLIs moves a lot. Every flood is run ``--rounds`` times; the
    figures are medians with the range in the note.
(b) Big log. A container that printed 1,000,000 lines: time from ``l`` to the
    first frame showing the log's last line, against the wall time of
    ``docker logs --tail 100``; and, for reference, loading all of it (key
    ``0``) against ``docker logs > /dev/null``.

It needs a daemon: ``DOCKER_HOST`` must point at one (``bench/run`` starts a
private, throwaway dockerd). Containers are labelled ``dtui.bench=1`` and
removed at the end. Headless, a frame is composed but not written to a
terminal; writing only the changed lines comes on top.

    python bench/logs_bench.py [--seconds 10] [--rounds 3] [--lines 1000000]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (  # noqa: E402
    IMAGE,
    LABEL,
    Figure,
    api_client,
    app_started_like_dtui,
    figures_table,
    median,
    rss_mb,
    write_result,
)

KEY_GOAL_MS = 100.0
RATIO_GOAL = 1.0
#: The flood's log is rotated so a long run cannot fill the daemon's disk.
LOG_CONFIG = {"type": "json-file", "config": {"max-size": "64m", "max-file": "2"}}
#: The container sleeps this long before flooding, so every follower is
#: attached when the first line comes.
SETTLE = 3.0


def run_container(api: Any, name: str, command: str) -> str:
    api.remove_container(name, force=True) if api.containers(all=True, filters={"name": f"^/{name}$"}) else None
    host_config = api.create_host_config(network_mode="none", log_config=LOG_CONFIG)
    container = api.create_container(IMAGE, ["sh", "-c", command], name=name, labels={LABEL: "1"}, host_config=host_config)
    api.start(container["Id"])
    return container["Id"]


def flood_container(api: Any) -> str:
    return run_container(api, "dtuibench-logflood", f"sleep {SETTLE}; exec seq 1 2000000000")


def container_row(api: Any, container_id: str) -> Any:
    from tui.docker.models import ContainerRow

    return ContainerRow.from_api(api.containers(all=True, filters={"id": container_id})[0])


class FrameProbe:
    """Records when the app composes a frame and what it showed then."""

    def __init__(self, app: Any, snapshot: Any) -> None:
        self.frames: list[tuple[float, Any]] = []
        original = app._display

        def display(screen: Any, renderable: Any) -> None:
            if renderable is not None:
                self.frames.append((time.perf_counter(), snapshot()))
            original(screen, renderable)

        app._display = display

    def first_after(self, since: float, want: Any) -> float | None:
        for at, state in self.frames:
            if at >= since and state == want:
                return at
        return None


async def wait_until(pilot: Any, condition: Any, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        await pilot.pause(0.05)
    return bool(condition())


async def open_log_screen(app: Any, pilot: Any, row: Any) -> Any:
    app.open_logs([row])
    await wait_until(pilot, screen_ready(app), 10)
    return app.screen


def screen_ready(app: Any) -> Any:
    """The log screen is on top and composed."""
    return lambda: type(app.screen).__name__ == "LogScreen" and bool(app.screen.query("LogView"))


class CliFollower:
    """``docker logs -f --tail 0`` writing to a file: its line count at any
    moment is the newlines in what the file holds then."""

    def __init__(self, container_id: str) -> None:
        self._file = tempfile.NamedTemporaryFile(prefix="dtuibench-cli-", delete=False)
        self._counted = 0
        self._lines = 0
        self._process = subprocess.Popen(
            ["docker", "logs", "-f", "--tail", "0", container_id], stdout=self._file, stderr=subprocess.DEVNULL, env=os.environ.copy()
        )

    def lines(self) -> int:
        size = os.path.getsize(self._file.name)
        with open(self._file.name, "rb") as data:
            data.seek(self._counted)
            self._lines += data.read(size - self._counted).count(b"\n")
        self._counted = size
        return self._lines

    def stop(self) -> None:
        self._process.kill()
        self._process.wait()
        self._file.close()
        os.unlink(self._file.name)


class Window:
    """Counts at the start and the end of a measuring window."""

    def __init__(self, counters: dict[str, Any]) -> None:
        self.counters = counters
        self.start = self._read()
        self.end: dict[str, float] = {}

    def _read(self) -> dict[str, float]:
        values = {name: float(read()) for name, read in self.counters.items()}
        values["cpu"] = time.process_time()
        values["wall"] = time.perf_counter()
        return values

    def close(self) -> dict[str, float]:
        self.end = self._read()
        return {name: self.end[name] - self.start[name] for name in self.end}


def _spool_counters(spool: Any) -> dict[str, Any]:
    return {"lines": lambda: len(spool), "text_bytes": lambda: spool.text_bytes}


def _cpu_figures(delta: dict[str, float]) -> dict[str, float]:
    mb = delta["text_bytes"] / 1e6
    return {
        "cpu_s_per_mb": delta["cpu"] / mb if mb else float("nan"),
        "cpu_s_per_100k_lines": delta["cpu"] / delta["lines"] * 1e5 if delta["lines"] else float("nan"),
        "cpu_share": delta["cpu"] / delta["wall"],
    }


async def flood_app(seconds: float) -> dict[str, Any]:
    """dtui's log screen and ``docker logs -f`` follow the same flood."""
    from textual import events


    api = api_client()
    container_id = flood_container(api)
    row = container_row(api, container_id)
    app = app_started_like_dtui(host=os.environ["DOCKER_HOST"])
    cli = CliFollower(container_id)
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.pause(0.5)
            rss_before = rss_mb(os.getpid())
            screen = await open_log_screen(app, pilot, row)
            view = screen.view
            probe = FrameProbe(app, lambda: view.wrap)
            # The flood runs once both have lines; a second more to get going.
            await wait_until(pilot, lambda: len(view.spool) > 1000 and cli.lines() > 1000, SETTLE + 30)
            await pilot.pause(1.0)
            window = Window({**_spool_counters(view.spool), "cli_lines": cli.lines})
            end_at = time.perf_counter() + seconds
            latencies: list[float] = []
            while time.perf_counter() < end_at - 0.5:
                want = not view.wrap
                began = time.perf_counter()
                # As the terminal driver delivers a key: pilot.press would
                # also wait for the whole app to go idle, which a flood delays.
                app.post_message(events.Key("w", "w"))
                at = probe.first_after(began, want)
                while at is None and time.perf_counter() - began < 5:
                    await pilot.pause(0.01)
                    at = probe.first_after(began, want)
                latencies.append((at - began) * 1000 if at is not None else float("inf"))
                await pilot.pause(0.2)
            while time.perf_counter() < end_at:
                await pilot.pause(0.05)
            delta = window.close()
            rss_after = rss_mb(os.getpid())
            result = {
                "app_lines": delta["lines"],
                "cli_lines": delta["cli_lines"],
                "window_s": delta["wall"],
                "ratio": delta["lines"] / delta["cli_lines"] if delta["cli_lines"] else float("nan"),
                **_cpu_figures(delta),
                "key_ms": latencies,
                "rss_before_mb": rss_before,
                "rss_after_mb": rss_after,
                "spool_disk_mb": view.spool.disk_bytes() / 1e6,
                "frames": len(probe.frames),
                "following_at_end": view.following,
            }
            screen.action_close()
            await pilot.pause(0.2)
    finally:
        cli.stop()
        api.remove_container(container_id, force=True)
    return result


async def _wait(condition: Any, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not condition() and time.monotonic() < deadline:
        await asyncio.sleep(0.05)


def flood_follower_only(seconds: float) -> dict[str, Any]:
    """The same flood followed by LogFollower alone (no app, no view): where
    the app's share of the gap to the CLI lies."""
    from tui.docker.logs import LogFollower

    api = api_client()
    container_id = flood_container(api)
    cli = CliFollower(container_id)
    follower = LogFollower(api, container_id, tail=0).start()
    try:
        asyncio.run(_wait(lambda: len(follower.spool) > 1000 and cli.lines() > 1000, SETTLE + 30))
        time.sleep(1.0)
        window = Window({**_spool_counters(follower.spool), "cli_lines": cli.lines})
        time.sleep(seconds)
        delta = window.close()
    finally:
        follower.close()
        cli.stop()
        api.remove_container(container_id, force=True)
    return {
        "follower_lines": delta["lines"],
        "cli_lines": delta["cli_lines"],
        "window_s": delta["wall"],
        "ratio": delta["lines"] / delta["cli_lines"] if delta["cli_lines"] else float("nan"),
        **_cpu_figures(delta),
    }


def flood_cli_pair(seconds: float) -> dict[str, Any]:
    """Two ``docker logs -f`` on the same flood: how far apart two identical
    followers land on this machine, the noise floor of the ratios above."""
    api = api_client()
    container_id = flood_container(api)
    first, second = CliFollower(container_id), CliFollower(container_id)
    try:
        asyncio.run(_wait(lambda: first.lines() > 1000 and second.lines() > 1000, SETTLE + 30))
        time.sleep(1.0)
        window = Window({"first": first.lines, "second": second.lines})
        time.sleep(seconds)
        delta = window.close()
    finally:
        first.stop()
        second.stop()
        api.remove_container(container_id, force=True)
    return {"first": delta["first"], "second": delta["second"], "ratio": delta["second"] / delta["first"] if delta["first"] else float("nan")}


def _spread(values: list[float], digits: int = 2) -> str:
    return f"{len(values)} rounds: {', '.join(f'{v:.{digits}f}' for v in values)} (min {min(values):.{digits}f}, max {max(values):.{digits}f})"


def flood(seconds: float, rounds: int) -> tuple[list[Figure], dict[str, Any]]:
    apps: list[dict[str, Any]] = []
    alone: list[dict[str, Any]] = []
    pairs: list[dict[str, Any]] = []
    for _ in range(rounds):
        # Interleaved, so a busy moment of the machine hits each kind.
        apps.append(asyncio.run(flood_app(seconds)))
        alone.append(flood_follower_only(seconds))
        pairs.append(flood_cli_pair(seconds))
    ratios = [r["ratio"] for r in apps]
    alone_ratios = [r["ratio"] for r in alone]
    pair_ratios = [r["ratio"] for r in pairs]
    latencies = [ms for r in apps for ms in r["key_ms"]]
    worst = max(latencies) if latencies else float("nan")
    rss_before = max(r["rss_before_mb"] or 0 for r in apps)
    rss_after = max(r["rss_after_mb"] or 0 for r in apps)
    app_rate = median(r["app_lines"] / r["window_s"] for r in apps)
    cli_rate = median(r["cli_lines"] / r["window_s"] for r in apps)
    ratio = median(ratios)
    figures = [
        Figure("flood: lines/s ingested by dtui (follow -> spool -> view)", app_rate, "lines/s", note=f"median of {rounds}"),
        Figure("flood: lines/s by `docker logs -f`, same window", cli_rate, "lines/s", note=f"median of {rounds}"),
        Figure("flood: dtui / CLI", ratio, "x", f">= {RATIO_GOAL}", ratio >= RATIO_GOAL, note=_spread(ratios)),
        Figure("flood: dtui CPU per MB of log text (whole app)", median(r["cpu_s_per_mb"] for r in apps), "s/MB", note=_spread([r["cpu_s_per_mb"] for r in apps])),
        Figure("flood: dtui CPU per 100,000 lines (whole app)", median(r["cpu_s_per_100k_lines"] for r in apps), "s", note=_spread([r["cpu_s_per_100k_lines"] for r in apps], 3)),
        Figure(f"flood: key-to-paint median ({len(latencies)} presses of w)", median(latencies), "ms", f"< {KEY_GOAL_MS:.0f}", median(latencies) < KEY_GOAL_MS),
        Figure("flood: key-to-paint worst", worst, "ms", f"< {KEY_GOAL_MS:.0f}", worst < KEY_GOAL_MS),
        Figure("flood: RSS before opening the log", rss_before, "MB"),
        Figure(f"flood: RSS after {max(int(r['app_lines']) for r in apps):,} lines", rss_after, "MB", "bounded (+< 100 MB)", rss_after - rss_before < 100),
        Figure("flood, follower alone: lines/s into the spool", median(r["follower_lines"] / r["window_s"] for r in alone), "lines/s"),
        Figure("flood, follower alone: / CLI in the same window", median(alone_ratios), "x", note=_spread(alone_ratios)),
        Figure("flood, follower alone: CPU per MB of log text", median(r["cpu_s_per_mb"] for r in alone), "s/MB", note=_spread([r["cpu_s_per_mb"] for r in alone], 3)),
        Figure("flood, follower alone: CPU per 100,000 lines", median(r["cpu_s_per_100k_lines"] for r in alone), "s", note=_spread([r["cpu_s_per_100k_lines"] for r in alone], 3)),
        Figure("flood, noise floor: a second `docker logs -f` / the first", median(pair_ratios), "x", note=_spread(pair_ratios)),
    ]
    details = {"seconds": seconds, "rounds": rounds, "app": apps, "follower_alone": alone, "cli_pair": pairs}
    return figures, details


async def big_log(lines: int) -> tuple[list[Figure], dict[str, Any]]:

    api = api_client()
    container_id = run_container(api, "dtuibench-logbig", f"seq 1 {lines}; exec sleep 100000")
    last = str(lines)
    deadline = time.monotonic() + 120
    while api.logs(container_id, tail=1).strip().decode() != last:
        if time.monotonic() > deadline:
            raise RuntimeError("the container never finished printing")
        time.sleep(0.2)
    row = container_row(api, container_id)
    env = os.environ.copy()
    cli_tail, cli_all = [], []
    for _ in range(3):
        began = time.perf_counter()
        subprocess.run(["docker", "logs", "--tail", "100", container_id], stdout=subprocess.DEVNULL, check=True, env=env)
        cli_tail.append(time.perf_counter() - began)
        began = time.perf_counter()
        subprocess.run(["docker", "logs", container_id], stdout=subprocess.DEVNULL, check=True, env=env)
        cli_all.append(time.perf_counter() - began)
    opens, loads = [], []
    app = app_started_like_dtui(host=os.environ["DOCKER_HOST"])
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.pause(0.5)
            state: dict[str, Any] = {"view": None}

            def last_line_shown() -> bool:
                view = state["view"]
                return view is not None and view.shown_count > 0 and any(r.strip() == last for r in view.plain_rows()[-3:])

            probe = FrameProbe(app, last_line_shown)
            for _ in range(3):
                began = time.perf_counter()
                app.open_logs([row])
                await wait_until(pilot, screen_ready(app), 10)
                state["view"] = app.screen.view
                at = None
                while at is None and time.perf_counter() - began < 60:
                    await pilot.pause(0.01)
                    at = probe.first_after(began, True)
                opens.append((at - began) if at is not None else float("inf"))
                view = state["view"]
                began = time.perf_counter()
                await pilot.press("0")
                await wait_until(pilot, lambda: view.shown_count >= lines and app.screen.end_reason == "" and last_line_shown(), 120)
                loads.append(time.perf_counter() - began)
                app.screen.action_close()
                state["view"] = None
                await pilot.pause(0.2)
    finally:
        api.remove_container(container_id, force=True)
    first, cli_first = median(opens), median(cli_tail)
    details = {"lines": lines, "open_s": opens, "cli_tail_100_s": cli_tail, "load_all_s": loads, "cli_all_s": cli_all}
    figures = [
        Figure(f"{lines:,} lines: first screen of the log view (l, tail 5000)", first * 1000, "ms"),
        Figure(f"{lines:,} lines: `docker logs --tail 100` wall time", cli_first * 1000, "ms"),
        Figure(f"{lines:,} lines: dtui / CLI", first / cli_first, "x", note="dtui's time includes opening the screen"),
        Figure(f"{lines:,} lines: all of them in the view (key 0)", median(loads), "s"),
        Figure(f"{lines:,} lines: `docker logs > /dev/null` wall time", median(cli_all), "s"),
    ]
    return figures, details


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="length of each flood window")
    parser.add_argument("--rounds", type=int, default=3, help="floods of each kind, interleaved")
    parser.add_argument("--lines", type=int, default=1_000_000, help="lines in the big log")
    args = parser.parse_args(argv)
    if not os.environ.get("DOCKER_HOST"):
        print("DOCKER_HOST must point at a (private) daemon; bench/run starts one", file=sys.stderr)
        return 2
    flood_figures, flood_details = flood(args.seconds, max(1, args.rounds))
    big_figures, big_details = asyncio.run(big_log(args.lines))
    figures = flood_figures + big_figures
    table = figures_table(figures)
    print(table)
    notes = "".join(f"- {f.name}: {f.note}\n" for f in figures if f.note)
    apps = flood_details["app"]
    markdown = (
        "# Logs: a flooding container, and a million-line log\n\n"
        "The real app under Textual's Pilot at 120x40 against the daemon; `docker logs -f` runs at the same time and "
        "both are counted over the same window once the flood runs. CPU is `time.process_time` of the process over "
        "that window (the whole app, UI included). Key-to-paint is from the key press to the first composed frame "
        "in the new mode.\n\n"
        + table
        + "\n"
        + notes
        + f"\nFlood key-to-paint (ms): {', '.join(f'{v:.0f}' for r in apps for v in r['key_ms'])}\n"
        + f"\nSpool on disk after each flood: {', '.join(format(r['spool_disk_mb'], '.0f') for r in apps)} MB; "
        + f"frames composed: {', '.join(str(r['frames']) for r in apps)}; still following at the end: {all(r['following_at_end'] for r in apps)}.\n"
    )
    write_result("logs", "Log viewer under load", figures, {"flood": flood_details, "big_log": big_details}, markdown)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
