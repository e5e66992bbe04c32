"""The Containers pane: ``docker ps -a`` live, and the container actions."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.binding import Binding

from tui.docker import containers as ops
from tui.docker.models import ContainerRow
from tui.panes.base import Column, ResourcePane, SortSpec
from tui.presentation import (
    busiest_first,
    compact_bytes,
    compact_status,
    container_matches,
    container_search_text,
    cpu_style,
    cpu_text,
    format_ports,
    safe_text,
    state_style,
    time_ago,
)

#: The list redraws its CPU/MEM figures on every this many stats samples.
LIST_STATS_EVERY = 2

STATE_ORDER = {"running": 0, "restarting": 1, "paused": 2, "created": 3, "exited": 4, "dead": 5}


class ContainersPane(ResourcePane[ContainerRow]):
    pane_id = "containers"
    title = "Containers"
    item_noun = "container"
    EVENT_TYPES = frozenset({"container"})
    SORTS = (
        SortSpec("state", lambda r: (STATE_ORDER.get(r.state, 9), r.name.lower())),
        SortSpec("name", lambda r: r.name.lower()),
        SortSpec("image", lambda r: (r.image.lower(), r.name.lower())),
        SortSpec("created", lambda r: -r.created),
        SortSpec("project", lambda r: (r.compose_project == "", r.compose_project, r.name.lower())),
        # these two read the stats feed: see sorted_items
        SortSpec("cpu", lambda r: 0),
        SortSpec("memory", lambda r: 0),
    )

    BINDINGS = [
        Binding("enter", "details", "Details", id="containers.details"),
        Binding("l", "logs", "Logs", id="containers.logs"),
        Binding("space", "toggle_mark", "Mark", show=False, id="containers.toggle_mark"),
        Binding("L", "project_logs", "Logs (project)", show=False, id="containers.project_logs"),
        Binding("a", "attach", "Attach", id="containers.attach"),
        Binding("e", "exec_shell", "Exec", id="containers.exec_shell"),
        Binding("E", "exec_custom", "Exec…", show=False, id="containers.exec_custom"),
        Binding("N", "nsenter_shell", "nsenter shell", show=False, id="containers.nsenter_shell"),
        Binding("i", "inspect", "Inspect", id="containers.inspect"),
        Binding("u", "container_action('start')", "Start", id="containers.start"),
        Binding("s", "container_action('stop')", "Stop", id="containers.stop"),
        Binding("r", "container_action('restart')", "Restart", id="containers.restart"),
        Binding("k", "container_action('kill')", "Kill", id="containers.kill"),
        Binding("p", "toggle_pause", "Pause", id="containers.toggle_pause"),
        Binding("d", "container_action('remove')", "Remove", id="containers.remove"),
        Binding("D", "container_action('force-remove')", "Force rm", show=False, id="containers.force_remove"),
        Binding("x", "remove_exited", "Rm exited", show=False, id="containers.remove_exited"),
        Binding("t", "toggle_running_only", "Running only", show=False, id="containers.toggle_running_only"),
        Binding("c", "commit", "Commit", show=False, id="containers.commit"),
        Binding("X", "export", "Export tar", show=False, id="containers.export"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.running_only = False
        #: ids marked with space: ``l`` merges their logs
        self.marked: dict[str, None] = {}
        self._stats_deliveries = 0
        #: id -> (the listed row, its lowercased search text), per fetch
        self._search_texts: dict[str, tuple[ContainerRow, str]] = {}

    # --- data ------------------------------------------------------------
    def fetch(self, api: Any) -> list[ContainerRow]:
        return ops.list_containers(api, all=True)

    def item_key(self, item: ContainerRow) -> str:
        return item.id

    def item_matches(self, item: ContainerRow, needle: str) -> bool:
        known = self._search_texts.get(item.id)
        if known is None or known[0] is not item:
            known = self._search_texts[item.id] = (item, container_search_text(item))
        return container_matches(item, needle, known[1])

    def sorted_items(self, items: list[ContainerRow]) -> list[ContainerRow]:
        if self.running_only:
            items = [row for row in items if row.is_running or row.state == "paused"]
        spec = self.SORTS[self._sort_index % len(self.SORTS)]
        if spec.name in ("cpu", "memory"):
            return busiest_first(items, self.dtui.stats_feed.latest, spec.name, reverse=self._sort_reverse)
        return super().sorted_items(items)

    # --- live CPU and memory (the app's stats feed) ---------------------
    def stats_targets(self) -> tuple[list[str], list[str]] | None:
        """For the feed: running containers while the CPU/MEM columns show."""
        if not self.display or self.screen is not self.app.screen or not self._loaded:
            return None
        running = [row.id for row in self.items if row.is_running]
        top = int(self.table.scroll_y)
        on_screen = [row.id for row in self._visible[top : top + max(1, self.table.size.height)] if row.is_running]
        return running, on_screen

    def on_stats(self, feed: Any) -> None:
        if not self.display:
            return
        # the list is an overview: its figures move every other sample (2 s),
        # which halves what it costs to draw them; the Stats pane (6) is live
        self._stats_deliveries += 1
        if self._stats_deliveries % LIST_STATS_EVERY:
            return
        keys = [c.key for c in self._columns]
        figures = [(index, key) for index, key in enumerate(keys) if key in ("cpu", "mem")]
        if not figures:
            return
        drawn = self._row_cells
        for row in self.items:
            cells = drawn.get(row.id)
            if cells is None or not (row.is_running or row.id in feed.latest):
                continue
            # only the two figures are drawn again; the rest of the row is kept
            updated = list(cells)
            for index, key in figures:
                value = self.cell(row, key)
                updated[index] = Text(value) if isinstance(value, str) else value
            drawn[row.id] = tuple(updated)
        self.render_rows()

    def on_items_listed(self, message: Any) -> None:
        if message.pane_id == self.pane_id:
            present = {row.id for row in message.items}
            self.marked = {cid: None for cid in self.marked if cid in present}
            self._search_texts = {cid: known for cid, known in self._search_texts.items() if cid in present}
        super().on_items_listed(message)
        if message.pane_id == self.pane_id:
            # numbers and graphs of removed containers go with them
            self.dtui.stats_feed.forget(row.id for row in self.items)

    def status_summary(self) -> str:
        running = sum(1 for row in self.items if row.is_running)
        text = super().status_summary() + f" · {running} running"
        if self.running_only:
            text += " · showing running only (t)"
        if self.marked:
            text += f" · {len(self.marked)} marked: l, u s r k p d act on them (esc unmarks)"
        return text

    def empty_text(self) -> str:
        return "No containers. Start one from another shell or press n on an image."

    # --- drawing ---------------------------------------------------------
    @property
    def _compact(self) -> bool:
        return not any(c.key == "state" for c in self._columns)

    def columns_for_width(self, width: int) -> list[Column]:
        # every column costs its width plus 2 of cell padding; 2 more are
        # kept for the scrollbar. 80 columns must show what matters, wider
        # screens get more detail.
        usable = width - 2
        if width < 120:
            # no STATE column: the name is coloured by state instead
            grow = (width - 80) // 4
            return [
                Column("name", "NAME", 16 + grow),
                Column("image", "IMAGE", 10 + grow),
                Column("status", "STATUS", 14),
                Column("cpu", "CPU", 5),
                Column("mem", "MEM", 5),
                Column("ports", "PORTS", max(8, usable - 26 - 2 * grow - 14 - 5 - 5 - 2 * 6)),
            ]
        fixed = [
            Column("state", "STATE", 10),
            Column("status", "STATUS", 18),
            Column("cpu", "CPU", 6),
            Column("mem", "MEM", 7),
            Column("ports", "PORTS", 24),
        ]
        if width >= 150:
            # STATUS already says how long it has been up or down
            fixed += [Column("created", "CREATED", 14), Column("id", "ID", 12), Column("project", "PROJECT", 12)]
        spare = usable - sum(c.width or 0 for c in fixed) - 2 * (len(fixed) + 2)
        command_width = 0
        if spare >= 2 * 28 + 18:
            command_width = spare - 2 * 28 - 2
            spare = 2 * 28
        name_width = max(14, spare * 11 // 20)
        image_width = max(12, spare - name_width)
        columns = [Column("name", "NAME", name_width), Column("image", "IMAGE", image_width), *fixed]
        if command_width:
            columns.append(Column("command", "COMMAND", command_width))
        return columns

    def cell(self, item: ContainerRow, column: str) -> str | Text:
        if column == "name":
            # no STATE column when compact: the name carries the state's colour
            name = Text(safe_text(item.name), style=f"bold {state_style(item.state)}" if self._compact else "bold")
            if item.id in self.marked:
                name = Text.assemble(("● ", "bold magenta"), name)
            return name
        if column == "image":
            return safe_text(item.image)
        if column == "state":
            return Text(item.state, style=state_style(item.state))
        if column == "status":
            return safe_text(compact_status(item.status) if self._compact else item.status)
        if column in ("cpu", "mem"):
            stats = self.dtui.stats_feed.latest.get(item.id) if item.is_running else None
            if stats is None:
                return Text("…", style="dim") if item.is_running else ""
            if column == "cpu":
                return Text(cpu_text(stats.cpu_percent), style=cpu_style(stats.cpu_percent, stats.online_cpus))
            return compact_bytes(stats.mem_usage)
        if column == "ports":
            return format_ports(item.ports, compact=self._compact)
        if column == "id":
            return item.short_id
        if column == "created":
            return time_ago(item.created)
        if column == "project":
            return safe_text(item.compose_project)
        if column == "command":
            return safe_text(item.command)
        return ""

    # --- actions -----------------------------------------------------------
    def _marked_rows(self) -> list[ContainerRow]:
        return [row for row in self._visible if row.id in self.marked] + [
            self._by_key[cid] for cid in self.marked if cid in self._by_key and self._by_key[cid] not in self._visible
        ]

    def action_container_action(self, action: str) -> None:
        if self.marked:
            self.dtui.container_action_many(action, self._marked_rows())
            return
        row = self.selected_or_warn()
        if row is not None:
            self.dtui.container_action(action, row)

    def action_toggle_pause(self) -> None:
        if self.marked:
            self.dtui.container_action_many("pause", self._marked_rows())
            return
        row = self.selected_or_warn()
        if row is not None:
            self.dtui.container_action("unpause" if row.state == "paused" else "pause", row)

    def action_remove_exited(self) -> None:
        self.dtui.remove_exited_containers()

    def action_toggle_running_only(self) -> None:
        self.running_only = not self.running_only
        self.render_rows()

    def action_open_selected(self) -> None:
        self.action_details()

    def action_details(self) -> None:
        row = self.selected_or_warn()
        if row is not None:
            self.dtui.show_container_details(row)

    def action_inspect(self) -> None:
        row = self.selected_or_warn()
        if row is not None:
            self.dtui.show_inspect("container", row.id, row.name)

    def action_logs(self) -> None:
        if self.marked:
            # the marked containers' logs, merged, in the list's order
            self.dtui.open_logs(self._marked_rows())
            return
        row = self.selected_or_warn()
        if row is not None:
            self.dtui.open_logs([row])

    # --- marks -------------------------------------------------------------
    def action_toggle_mark(self) -> None:
        row = self.selected_or_warn()
        if row is None:
            return
        if row.id in self.marked:
            del self.marked[row.id]
        else:
            self.marked[row.id] = None
        self._row_cells.pop(row.id, None)
        self.render_rows()
        # on to the next row, so space space space marks a run of them
        if self.table.cursor_row < self.table.row_count - 1:
            self.table.move_cursor(row=self.table.cursor_row + 1)

    def action_clear_filter(self) -> None:
        if self.filter_text:
            self.clear_filter()
        elif self.marked:
            self.clear_marks()

    def clear_marks(self) -> None:
        for container_id in self.marked:
            self._row_cells.pop(container_id, None)
        self.marked = {}
        self.render_rows()

    def action_project_logs(self) -> None:
        """Every container of the selected one's compose project, merged."""
        row = self.selected_or_warn()
        if row is None:
            return
        project = row.compose_project
        rows = [item for item in self.items if item.compose_project == project] if project else [row]
        self.dtui.open_logs(rows, project=project)

    def action_attach(self) -> None:
        row = self.selected_or_warn()
        if row is not None:
            self.dtui.open_terminal(row, mode="attach")

    def action_exec_shell(self) -> None:
        row = self.selected_or_warn()
        if row is not None:
            self.dtui.open_terminal(row, mode="exec")

    def action_exec_custom(self) -> None:
        row = self.selected_or_warn()
        if row is not None:
            self.dtui.open_terminal(row, mode="exec-custom")

    def action_nsenter_shell(self) -> None:
        row = self.selected_or_warn()
        if row is not None:
            self.dtui.open_terminal(row, mode="nsenter")

    def action_commit(self) -> None:
        row = self.selected_or_warn()
        if row is not None:
            self.dtui.commit_container(row)

    def action_export(self) -> None:
        from tui.screens.images_forms import ExportForm

        row = self.selected_or_warn()
        if row is not None:
            self.app.push_screen(ExportForm(row))
