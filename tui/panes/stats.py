"""The Stats pane: ``docker stats`` as a live, sortable table of the running
containers, with graphs of the selected one's last five minutes.

The numbers come from the app's one :class:`tui.stats_feed.StatsFeed`
(cgroup files for a local daemon, one_shot API calls for the rows on screen
of a remote one). ``f`` freezes the table: a snapshot, what
``docker stats --no-stream`` prints.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widget import Widget

from tui.docker import containers as ops
from tui.docker.models import ContainerRow
from tui.docker.stats import ContainerStats
from tui.panes.base import Column, ResourcePane, SortSpec
from tui.presentation import (
    busiest_first,
    compact_bytes,
    compact_rate,
    container_matches,
    cpu_style,
    cpu_text,
    human_size,
    rate_text,
    safe_text,
    sparkline,
)

if TYPE_CHECKING:
    from tui.stats_feed import StatsFeed


def _total(a: float | None, b: float | None) -> float:
    return (a or 0.0) + (b or 0.0)


class HistoryGraphs(Widget):
    """The graphs under the table. Its height is fixed, so a new frame only
    repaints it (``Static.update`` would re-run the screen's layout every
    second)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.text = Text()

    def show(self, text: Text) -> None:
        if text != self.text:
            self.text = text
            self.refresh()

    def render(self) -> Text:
        return self.text


class StatsPane(ResourcePane[ContainerRow]):
    pane_id = "stats"
    title = "Stats"
    item_noun = "container"
    count_noun = "running containers"
    EVENT_TYPES = frozenset({"container"})
    # the sort keys read the feed's numbers: see sorted_items
    SORTS = (
        SortSpec("cpu", lambda row: 0),
        SortSpec("memory", lambda row: 0),
        SortSpec("net i/o", lambda row: 0),
        SortSpec("block i/o", lambda row: 0),
        SortSpec("pids", lambda row: 0),
        SortSpec("name", lambda row: row.name.lower()),
    )

    BINDINGS = [
        Binding("f", "freeze", "Freeze", id="stats.freeze"),
        Binding("enter", "details", "Details", id="stats.details"),
        Binding("l", "logs", "Logs", id="stats.logs"),
        Binding("i", "inspect", "Inspect", id="stats.inspect"),
    ]

    def __init__(self) -> None:
        super().__init__()
        #: the numbers on screen; a frozen pane keeps its snapshot here
        self.shown: dict[str, ContainerStats] = {}
        self.frozen_at: float | None = None
        #: the cursor goes to the top row once the first figures have sorted the table
        self._placed = False

    @property
    def feed(self) -> StatsFeed:
        return self.dtui.stats_feed

    def compose(self) -> ComposeResult:
        yield from super().compose()
        yield HistoryGraphs(id="stats-history")

    # --- data ------------------------------------------------------------
    def fetch(self, api: Any) -> list[ContainerRow]:
        return ops.list_containers(api, all=False)

    def item_key(self, item: ContainerRow) -> str:
        return item.id

    def item_matches(self, item: ContainerRow, needle: str) -> bool:
        return container_matches(item, needle)

    def empty_text(self) -> str:
        return "No running containers."

    def on_show(self) -> None:
        super().on_show()
        # first numbers without waiting for the next tick
        if self.items and self.frozen_at is None:
            self.feed.sample_now([row.id for row in self.items])

    def stats_targets(self) -> tuple[list[str], list[str]] | None:
        """For the feed: every running container, and the rows on screen."""
        if self.frozen_at is not None or not self.display or self.screen is not self.app.screen:
            return None
        running = [row.id for row in self.items]
        top = int(self.table.scroll_y)
        on_screen = [row.id for row in self._visible[top : top + max(1, self.table.size.height)]]
        return running, on_screen

    def on_stats(self, feed: StatsFeed) -> None:
        if self.frozen_at is not None or not self.display:
            # a hidden pane catches up at the next sample after it is shown
            return
        ids = {row.id for row in self.items}
        self.shown = {cid: value for cid, value in feed.latest.items() if cid in ids}
        self._row_cells = {}
        self.render_rows()
        if not self._placed and any(s.cpu_percent is not None for s in self.shown.values()):
            self._placed = True
            if self._visible:
                self.table.move_cursor(row=0)
        self.update_history()

    # --- sorting ---------------------------------------------------------
    def sorted_items(self, items: list[ContainerRow]) -> list[ContainerRow]:
        spec = self.SORTS[self._sort_index % len(self.SORTS)]
        if spec.name == "name":
            return super().sorted_items(items)
        return busiest_first(items, self.shown, spec.name, reverse=self._sort_reverse)

    # --- drawing ---------------------------------------------------------
    def columns_for_width(self, width: int) -> list[Column]:
        usable = width - 2
        if width < 120:
            fixed = [
                Column("cpu", "CPU %", 8),
                Column("mem", "MEM", 11),
                Column("mem_pct", "MEM%", 5),
                Column("net", "NET ↓/↑ /s", 11),
                Column("blk", "BLK r/w /s", 11),
                Column("pids", "PIDS", 4),
            ]
        else:
            fixed = [
                Column("cpu", "CPU % / CPUS", 14),
                Column("mem", "MEM USAGE / LIMIT", 21),
                Column("mem_pct", "MEM %", 7),
                Column("net", "NET RX / TX per s", 19),
                Column("blk", "BLOCK R / W per s", 19),
                Column("pids", "PIDS", 5),
            ]
            if width >= 150:
                fixed.insert(0, Column("id", "ID", 12))
        name_width = max(8, usable - sum(c.width or 0 for c in fixed) - 2 * (len(fixed) + 1))
        return [Column("name", "NAME", name_width), *fixed]

    @property
    def _wide(self) -> bool:
        return any(c.key == "cpu" and c.width == 14 for c in self._columns)

    def cell(self, item: ContainerRow, column: str) -> str | Text:
        if column == "name":
            return Text(safe_text(item.name), style="bold")
        if column == "id":
            return item.short_id
        stats = self.shown.get(item.id)
        if stats is None:
            return Text("…", style="dim") if column != "pids" else ""
        wide = self._wide
        if column == "cpu":
            cpus = f"{stats.online_cpus:g}"
            text = f"{cpu_text(stats.cpu_percent)} / {cpus}" if wide else f"{cpu_text(stats.cpu_percent)} /{cpus}"
            return Text(text, style=cpu_style(stats.cpu_percent, stats.online_cpus))
        if column == "mem":
            if wide:
                return f"{human_size(stats.mem_usage, binary=True)} / {human_size(stats.mem_limit, binary=True)}"
            return f"{compact_bytes(stats.mem_usage)}/{compact_bytes(stats.mem_limit)}"
        if column == "mem_pct":
            return f"{stats.mem_percent:.2f}%" if wide else f"{stats.mem_percent:.1f}%"
        if column == "net":
            return f"{rate_text(stats.net_rx_rate)} / {rate_text(stats.net_tx_rate)}" if wide else f"{compact_rate(stats.net_rx_rate)}/{compact_rate(stats.net_tx_rate)}"
        if column == "blk":
            return f"{rate_text(stats.blk_read_rate)} / {rate_text(stats.blk_write_rate)}" if wide else f"{compact_rate(stats.blk_read_rate)}/{compact_rate(stats.blk_write_rate)}"
        if column == "pids":
            return str(stats.pids)
        return ""

    def status_summary(self) -> str:
        text = super().status_summary()
        if self.frozen_at is not None:
            text += f" · snapshot at {time.strftime('%H:%M:%S', time.localtime(self.frozen_at))} (f: live)"
        elif self.feed.source:
            text += f" · live, 1 s · from {'cgroup files' if self.feed.source == 'cgroup' else 'the API (rows on screen)'}"
        return text

    def on_data_table_row_highlighted(self, event: Any) -> None:
        event.stop()
        self.update_history()

    def update_history(self) -> None:
        """Graphs of the selected container's last minutes, under the table."""
        panel = self.query_one(HistoryGraphs)
        row = self.selected
        text = Text()
        if row is None:
            text.append("Select a running container to see its history.", style="dim")
        else:
            stats = self.shown.get(row.id)
            history = self.feed.history.get(row.id)
            width = max(10, self.size.width - 34)
            text.append(safe_text(row.name), style="bold")
            seconds = history.count if history is not None else 0
            text.append(f"  last {seconds // 60} min {seconds % 60:02d} s, one mark a second", style="dim")
            series = [
                ("CPU", "cpu", (100.0 * stats.online_cpus) if stats else None, cpu_text(stats.cpu_percent) if stats else "…", "green"),
                ("MEM", "mem", float(stats.mem_limit) if stats and stats.mem_limit else None, human_size(stats.mem_usage, binary=True) if stats else "…", "cyan"),
                ("NET", "net", None, f"{rate_text(_total(stats.net_rx_rate, stats.net_tx_rate) if stats and stats.net_rx_rate is not None else None)}/s", "magenta"),
                ("BLK", "blk", None, f"{rate_text(_total(stats.blk_read_rate, stats.blk_write_rate) if stats and stats.blk_read_rate is not None else None)}/s", "yellow"),
            ]
            for label, name, ceiling, now, colour in series:
                values = history.series(name) if history is not None else []
                text.append(f"\n {label} ", style="bold")
                text.append(sparkline(values, width, ceiling), style=colour)
                peak = max(values, default=0.0)
                if name == "cpu":
                    peak_text = cpu_text(peak)
                elif name == "mem":
                    peak_text = human_size(peak, binary=True)
                else:
                    peak_text = f"{human_size(peak)}/s"
                text.append(f" {now:>9} ", style="bold")
                text.append(f"max {peak_text}", style="dim")
        panel.show(text)

    # --- actions -----------------------------------------------------------
    def action_freeze(self) -> None:
        if self.frozen_at is None:
            if not self.shown:
                self.notify("No numbers yet: the first sample needs a second.", severity="warning", timeout=2)
                return
            self.frozen_at = time.time()
            self.notify("Snapshot: the table stands still. f to go live again.", timeout=2)
        else:
            self.frozen_at = None
            self.feed.sample_now([row.id for row in self.items])
        self._update_status()

    def action_details(self) -> None:
        row = self.selected_or_warn()
        if row is not None:
            self.dtui.show_container_details(row)

    def action_open_selected(self) -> None:
        self.action_details()

    def action_logs(self) -> None:
        row = self.selected_or_warn()
        if row is not None:
            self.dtui.open_logs([row])

    def action_inspect(self) -> None:
        row = self.selected_or_warn()
        if row is not None:
            self.dtui.show_inspect("container", row.id, row.name)
