"""dtui with 1,000 containers: key-to-paint while scrolling and filtering, what
a refresh after a daemon event touches, and the cost of a table sync.

The real app (``create_app``, started as ``dtui`` starts it) runs under Textual's Pilot at 120x40 against the
private daemon. Key-to-paint is the time from ``pilot.press`` to the first
frame the screen composes (``App._display``) that shows the new state: the
cursor on the expected row, or the expected number of rows for a filter.
Headless, that frame is composed but not written to a terminal, so writing
to a real terminal comes on top (it is small: only the changed lines are
sent). The table's ``add_row``/``update_cell``/``remove_row`` calls are
counted by wrapping them, and compared with the rows whose shown text changed.

    python bench/scale.py [--containers 1000]
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (  # noqa: E402
    IMAGE,
    LABEL,
    Figure,
    api_client,
    app_started_like_dtui,
    bench_name,
    create_containers,
    figures_table,
    median,
    rss_mb,
    write_result,
)

KEY_GOAL_MS = 50.0
KEY_NAMES = {"-": "minus", "/": "slash", " ": "space"}


class TableProbe:
    """Counts the table's row operations and remembers every composed frame."""

    def __init__(self, app: Any, table: Any) -> None:
        self.table = table
        self.ops: Counter[str] = Counter()
        self.touched: set[str] = set()
        self.frames: list[tuple[float, int, int]] = []
        self.syncs: list[tuple[int, float]] = []
        for name in ("add_row", "update_cell", "update_cells", "remove_row", "remove_rows", "add_rows_by_key"):
            self._count(name)
        original_sync = table.sync

        def sync(rows: Any) -> None:
            began = time.perf_counter()
            original_sync(rows)
            self.syncs.append((len(rows), time.perf_counter() - began))

        table.sync = sync
        original_display = app._display

        def display(screen: Any, renderable: Any) -> None:
            if renderable is not None:
                self.frames.append((time.perf_counter(), table.cursor_row, table.row_count))
            original_display(screen, renderable)

        app._display = display

    def _count(self, name: str) -> None:
        original = getattr(self.table, name, None)
        if original is None:
            return

        def counted(*args: Any, **kwargs: Any) -> Any:
            if name == "remove_rows":  # KeyedTable's bulk removal: one call, many rows
                self.ops["remove_row"] += len(args[0])
                self.touched.update(args[0])
            elif name == "add_rows_by_key":  # and its bulk addition
                self.ops["add_row"] += len(args[0])
                self.touched.update(key for key, _ in args[0])
            elif name == "update_cells":  # and its bulk cell update: {key: [(column, cell)]}
                self.ops["update_cell"] += sum(len(cells) for cells in args[0].values())
                self.touched.update(args[0])
            else:
                self.ops[name] += 1
                key = kwargs.get("key") if name == "add_row" else args[0] if args else None
                if key is not None:
                    self.touched.add(str(getattr(key, "value", key)))
            return original(*args, **kwargs)

        setattr(self.table, name, counted)

    def reset(self) -> None:
        self.ops.clear()
        self.touched.clear()

    def first_frame_after(self, since: float, cursor: int | None = None, rows: int | None = None) -> float | None:
        for at, cursor_row, row_count in self.frames:
            if at >= since and (cursor is None or cursor_row == cursor) and (rows is None or row_count == rows):
                return at
        return None


def shown_rows(table: Any) -> dict[str, tuple[str, ...]]:
    return {str(row.key.value): tuple(str(c) for c in table.get_row(row.key)) for row in table.ordered_rows}


async def wait_until(pilot: Any, condition: Any, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        await pilot.pause(0.05)
    return condition()


async def key_to_paint(pilot: Any, probe: TableProbe, key: str, *, rows: int | None = None) -> float | None:
    """ms from the key press to the first frame showing its effect; None when
    the key changed nothing (pagedown at the bottom), so there is no frame."""
    before = (probe.table.cursor_row, probe.table.row_count)
    began = time.perf_counter()
    await pilot.press(key)
    if rows is None and (probe.table.cursor_row, probe.table.row_count) == before:
        await pilot.pause()
        return None
    expected_cursor = probe.table.cursor_row if rows is None else None
    expected_rows = probe.table.row_count if rows is None else rows
    await pilot.pause()
    at = probe.first_frame_after(began, expected_cursor, expected_rows)
    for _ in range(20):
        if at is not None:
            break
        await pilot.pause(0.02)
        at = probe.first_frame_after(began, expected_cursor, expected_rows)
    return (at - began) * 1000 if at is not None else float("inf")


async def run(count: int) -> tuple[list[Figure], dict[str, Any]]:
    api = api_client()
    app = app_started_like_dtui(host=os.environ["DOCKER_HOST"])
    details: dict[str, Any] = {"containers": count}
    async with app.run_test(size=(120, 40)) as pilot:
        pane = app.screen.query_one("#pane-containers")
        table = pane.table
        probe = TableProbe(app, table)
        began = time.perf_counter()
        if not await wait_until(pilot, lambda: table.row_count >= count, 60):
            raise RuntimeError(f"the list never showed {count} rows (has {table.row_count})")
        details["list_filled_s"] = time.perf_counter() - began
        await pilot.pause(0.5)
        details["gc_frozen_objects"] = gc.get_freeze_count()
        pane.focus_table()
        await pilot.pause()

        # scrolling
        scroll: dict[str, list[float]] = {}
        for key, times in (("down", 30), ("pagedown", 10), ("ctrl+end", 1), ("pageup", 10), ("ctrl+home", 1)):
            for _ in range(times):
                ms = await key_to_paint(pilot, probe, key)
                if ms is not None:
                    scroll.setdefault(key, []).append(ms)
        details["scroll_ms"] = scroll
        all_scroll = [v for values in scroll.values() for v in values]

        # filtering: '/' then a name typed key by key, enter, and escape
        needle = bench_name(count - 1)
        filter_ms: dict[str, float] = {}
        await pilot.press("slash")
        await pilot.pause()
        typed = ""
        for char in needle:
            typed += char
            filter_ms[typed] = await key_to_paint(pilot, probe, KEY_NAMES.get(char, char), rows=_matching(pane, typed))
        filter_ms["enter"] = await key_to_paint(pilot, probe, "enter", rows=probe.table.row_count)
        await pilot.press("slash")
        await pilot.pause()
        filter_ms["escape (clear)"] = await key_to_paint(pilot, probe, "escape", rows=len(pane.items))
        details["filter_ms"] = filter_ms
        await pilot.pause(0.3)

        # a no-change refresh (what the safety poll does)
        probe.syncs.clear()
        probe.reset()
        pane.mark_dirty()
        await wait_until(pilot, lambda: bool(probe.syncs), 10)
        details["no_change_sync"] = {"rows": probe.syncs[-1][0], "ms": probe.syncs[-1][1] * 1000, "ops": dict(probe.ops)}

        # refresh after daemon events touches only the rows that changed.
        # Rows younger than a minute change on their own every second ("5
        # seconds ago"), so wait until the newest is older than that.
        newest = max(item.created for item in pane.items)
        wait = newest + 62 - time.time()
        if wait > 0:
            print(f"scale: waiting {wait:.0f} s until every container is over a minute old", flush=True)
            await pilot.pause(wait)
        events: dict[str, Any] = {}
        target = bench_name(0)
        extra_name = "dtuibench-extra"

        def start() -> None:
            api.start(target)

        def create() -> None:
            api.create_container(IMAGE, command=["sleep", "100000"], name=extra_name, labels={LABEL: "1"}, host_config=api.create_host_config(network_mode="none"))

        def stop() -> None:
            api.kill(target)

        def remove() -> None:
            api.remove_container(extra_name, force=True)

        for label, action in (("start one container", start), ("create one container", create), ("kill one container", stop), ("remove one container", remove)):
            before = shown_rows(table)
            probe.reset()
            probe.syncs.clear()
            await asyncio.get_running_loop().run_in_executor(None, action)
            # the event, the throttled refresh and its 0.6 s follow-up
            await pilot.pause(1.5)
            after = shown_rows(table)
            changed = {k for k in after if k in before and after[k] != before[k]}
            added = set(after) - set(before)
            removed = set(before) - set(after)
            extra = probe.touched - changed - added - removed
            events[label] = {
                "ops": dict(probe.ops),
                "rows_changed": len(changed),
                "rows_added": len(added),
                "rows_removed": len(removed),
                "rows_touched": len(probe.touched),
                "unchanged_rows_touched": len(extra),
                "syncs": len(probe.syncs),
                "sync_ms": [round(ms * 1000, 2) for _, ms in probe.syncs],
            }
        details["events"] = events
        details["rss_mb_in_process"] = rss_mb(os.getpid())
        details["initial_syncs"] = [(rows, round(ms * 1000, 2)) for rows, ms in probe.syncs[:3]]

    worst_scroll = max(all_scroll)
    filter_values = list(filter_ms.values())
    unchanged = sum(e["unchanged_rows_touched"] for e in events.values())
    figures = [
        Figure(f"scroll key-to-paint, median ({len(all_scroll)} keys)", median(all_scroll), "ms", f"< {KEY_GOAL_MS:.0f}", median(all_scroll) < KEY_GOAL_MS),
        Figure("scroll key-to-paint, worst", worst_scroll, "ms", f"< {KEY_GOAL_MS:.0f}", worst_scroll < KEY_GOAL_MS, "down, pagedown, ctrl+end, pageup, ctrl+home"),
        Figure(f"filter key-to-paint, median ({len(filter_values)} keys)", median(filter_values), "ms", f"< {KEY_GOAL_MS:.0f}", median(filter_values) < KEY_GOAL_MS),
        Figure("filter key-to-paint, worst", max(filter_values), "ms", f"< {KEY_GOAL_MS:.0f}", max(filter_values) < KEY_GOAL_MS, "typing a name, enter, escape back to all rows"),
        Figure("table sync, no change", details["no_change_sync"]["ms"], "ms", note=f"{details['no_change_sync']['rows']} rows"),
        Figure("unchanged rows touched by event refreshes", unchanged, "rows", "0", unchanged == 0, "start, create, kill, remove one container"),
    ]
    return figures, details


def _matching(pane: Any, needle: str) -> int:
    return sum(1 for item in pane.items if pane.item_matches(item, needle))


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--containers", type=int, default=1000)
    args = parser.parse_args(argv)
    api = api_client()
    took = create_containers(api, args.containers)
    print(f"scale: {args.containers} containers ({took:.0f} s to create)", flush=True)
    try:
        figures, details = asyncio.run(run(args.containers))
    finally:
        for name in ("dtuibench-extra",):
            try:
                api.remove_container(name, force=True)
            except Exception:
                pass
        try:
            api.kill(bench_name(0))
        except Exception:
            pass
    rows = "".join(
        f"| {label} | {e['rows_changed']} | {e['rows_added']} | {e['rows_removed']} | {e['ops']} | {e['unchanged_rows_touched']} | {e['sync_ms']} |\n"
        for label, e in details["events"].items()
    )
    markdown = (
        f"# {args.containers} containers: scrolling, filtering, refresh\n\n"
        "The real app under Textual's Pilot at 120x40; key-to-paint is from the key press to the first composed frame showing its effect.\n\n"
        + figures_table(figures)
        + "\nRefresh after one daemon event (what changed on screen vs what the table was asked to do):\n\n"
        "| event | rows changed | added | removed | table calls | unchanged rows touched | sync ms |\n|---|---:|---:|---:|---|---:|---|\n"
        + rows
        + "\nFilter, per key (ms): "
        + ", ".join(f"`{k}` {v:.1f}" for k, v in details["filter_ms"].items())
        + "\n"
    )
    write_result("scale", f"{args.containers} containers: scroll, filter, refresh", figures, details, markdown)
    print(figures_table(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
