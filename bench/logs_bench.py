"""The log viewer under load: a flooding container, and a log of a million lines.

(a) Flood. A container runs ``seq`` as fast as it can for the window. In the
    same run, at the same time, dtui follows it (the real app under Textual's
    Pilot, the log screen open and following: LogFollower -> LogSpool -> LogView)
    and ``docker logs -f --tail 0 <id> | wc -l`` counts what the CLI receives.
    Figures: lines/s ingested by each, their ratio; key-to-paint while the
    flood runs (``w`` toggles wrap: from the key press to the first frame
    composed in the new mode, ``App._display``); the process's RSS before the
    screen opened and after the flood (the spool is on disk, so RSS must not
    grow with the log).
(b) Big log. A container that printed 1,000,000 lines: time from ``l`` to the
    first frame showing the log's last line, against the wall time of
    ``docker logs --tail 100``; and, for reference, loading all of it (key
    ``0``) against ``docker logs > /dev/null``.

It needs a daemon: ``DOCKER_HOST`` must point at one (``bench/run`` starts a
private, throwaway dockerd). Containers are labelled ``dtui.bench=1`` and
removed at the end. Headless, a frame is composed but not written to a
terminal; writing only the changed lines comes on top.

    python bench/logs_bench.py [--seconds 10] [--lines 1000000]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import IMAGE, LABEL, Figure, api_client, figures_table, median, rss_mb, write_result  # noqa: E402

KEY_GOAL_MS = 100.0
#: The flood's log is rotated so a long run cannot fill the daemon's disk.
LOG_CONFIG = {"type": "json-file", "config": {"max-size": "64m", "max-file": "2"}}


def run_container(api: Any, name: str, command: str) -> str:
    api.remove_container(name, force=True) if api.containers(all=True, filters={"name": f"^/{name}$"}) else None
    host_config = api.create_host_config(network_mode="none", log_config=LOG_CONFIG)
    container = api.create_container(IMAGE, ["sh", "-c", command], name=name, labels={LABEL: "1"}, host_config=host_config)
    api.start(container["Id"])
    return container["Id"]


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


def cli_count(container_id: str, seconds: float) -> subprocess.Popen[str]:
    """``docker logs -f`` for *seconds*, its lines counted by ``wc -l``."""
    command = f"timeout -s INT {seconds:.1f} docker logs -f --tail 0 {container_id} | wc -l"
    return subprocess.Popen(["sh", "-c", command], stdout=subprocess.PIPE, text=True, env=os.environ.copy())


async def flood(seconds: float) -> tuple[list[Figure], dict[str, Any]]:
    from textual import events

    from tui.app import create_app

    api = api_client()
    settle = 3.0
    container_id = run_container(api, "dtuibench-logflood", f"sleep {settle}; exec seq 1 2000000000")
    row = container_row(api, container_id)
    details: dict[str, Any] = {"seconds": seconds}
    app = create_app(host=os.environ["DOCKER_HOST"])
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.pause(0.5)
            rss_before = rss_mb(os.getpid())
            cli = cli_count(container_id, settle + seconds)
            screen = await open_log_screen(app, pilot, row)
            view = screen.view
            probe = FrameProbe(app, lambda: view.wrap)
            start_at = time.perf_counter() + settle
            while time.perf_counter() < start_at:
                await pilot.pause(0.05)
            start_lines = len(view.spool)
            end_at = start_at + seconds
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
            app_lines = len(view.spool) - start_lines
            shown = view.shown_count
            rss_after = rss_mb(os.getpid())
            details.update(
                spool_disk_mb=view.spool.disk_bytes() / 1e6,
                frames=len(probe.frames),
                following_at_end=view.following,
                lines_shown_at_end=shown,
            )
            cli_out, _ = await asyncio.to_thread(cli.communicate)
            cli_lines = int(cli_out.strip() or 0)
            screen.action_close()
            await pilot.pause(0.2)
    finally:
        api.remove_container(container_id, force=True)
    app_rate, cli_rate = app_lines / seconds, cli_lines / seconds
    details.update(app_lines=app_lines, cli_lines=cli_lines, key_ms=latencies, rss_before_mb=rss_before, rss_after_mb=rss_after)
    worst = max(latencies) if latencies else float("nan")
    ratio = app_rate / cli_rate if cli_rate else float("nan")
    figures = [
        Figure("flood: lines/s ingested by dtui (follow -> spool -> view)", app_rate, "lines/s"),
        Figure("flood: lines/s by `docker logs -f | wc -l`, same run", cli_rate, "lines/s"),
        Figure("flood: dtui / CLI", ratio, "x", ">= 0.9", ratio >= 0.9),
        Figure(f"flood: key-to-paint median ({len(latencies)} presses of w)", median(latencies), "ms", f"< {KEY_GOAL_MS:.0f}", median(latencies) < KEY_GOAL_MS),
        Figure("flood: key-to-paint worst", worst, "ms", f"< {KEY_GOAL_MS:.0f}", worst < KEY_GOAL_MS),
        Figure("flood: RSS before opening the log", rss_before, "MB"),
        Figure(f"flood: RSS after {app_lines:,} lines", rss_after, "MB", "bounded (+< 100 MB)", (rss_after or 0) - (rss_before or 0) < 100),
    ]
    return figures, details


def flood_follower_only(seconds: float) -> tuple[list[Figure], dict[str, Any]]:
    """The same flood followed by LogFollower alone (no app, no view): where
    the app's share of the gap to the CLI lies."""
    from tui.docker.logs import LogFollower

    api = api_client()
    settle = 3.0
    container_id = run_container(api, "dtuibench-logflood", f"sleep {settle}; exec seq 1 2000000000")
    try:
        cli = cli_count(container_id, settle + seconds)
        follower = LogFollower(api, container_id, tail=0).start()
        time.sleep(settle)
        start_lines = len(follower.spool)
        time.sleep(seconds)
        lines = len(follower.spool) - start_lines
        follower.close()
        cli_lines = int((cli.communicate()[0] or "0").strip() or 0)
    finally:
        api.remove_container(container_id, force=True)
    ratio = lines / cli_lines if cli_lines else float("nan")
    figures = [
        Figure("flood, follower alone: lines/s into the spool", lines / seconds, "lines/s"),
        Figure("flood, follower alone: / CLI in the same run", ratio, "x"),
    ]
    return figures, {"follower_lines": lines, "cli_lines": cli_lines}


async def big_log(lines: int) -> tuple[list[Figure], dict[str, Any]]:
    from tui.app import create_app

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
    app = create_app(host=os.environ["DOCKER_HOST"])
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
    parser.add_argument("--seconds", type=float, default=10.0, help="length of the flood window")
    parser.add_argument("--lines", type=int, default=1_000_000, help="lines in the big log")
    args = parser.parse_args(argv)
    if not os.environ.get("DOCKER_HOST"):
        print("DOCKER_HOST must point at a (private) daemon; bench/run starts one", file=sys.stderr)
        return 2
    flood_figures, flood_details = asyncio.run(flood(args.seconds))
    alone_figures, alone_details = flood_follower_only(args.seconds)
    flood_figures += alone_figures
    flood_details["follower_alone"] = alone_details
    big_figures, big_details = asyncio.run(big_log(args.lines))
    figures = flood_figures + big_figures
    table = figures_table(figures)
    print(table)
    markdown = (
        "# Logs: a flooding container, and a million-line log\n\n"
        "The real app under Textual's Pilot at 120x40 against the daemon; the CLI runs in the same window. "
        "Key-to-paint is from the key press to the first composed frame in the new mode.\n\n"
        + table
        + f"\nFlood key-to-paint (ms): {', '.join(f'{v:.0f}' for v in flood_details['key_ms'])}\n"
        + f"\nSpool on disk after the flood: {flood_details['spool_disk_mb']:.0f} MB; "
        + f"frames composed: {flood_details['frames']}; still following at the end: {flood_details['following_at_end']}.\n"
    )
    write_result("logs", "Log viewer under load", figures, {"flood": flood_details, "big_log": big_details}, markdown)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
