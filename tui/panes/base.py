"""What every list pane shares: a keyed table, the ``/`` filter, sorting,
event-driven throttled refresh with a slow safety poll, and error routing.

A subclass says how to fetch its objects (blocking, run on a thread), how to
key, filter, sort and draw them, and which event types make it dirty.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Input, Static

from tui.docker.errors import is_connection_problem
from tui.messages import ItemsListed
from tui.widgets.keyed_table import KeyedTable, RowCells, text_cells
from tui.workers import WorkerErrors

if TYPE_CHECKING:
    from tui.app import DtuiApp
    from tui.docker.events import DockerEvent

T = TypeVar("T")

#: Event-driven refreshes are coalesced to at most this many per second.
REFRESH_HZ = 10
#: Drawn cells of unchanged objects are reused across fetches for at most
#: this long, so times shown relative to now ("5 minutes ago") move on.
CELLS_MAX_AGE = 30.0
#: The safety-net poll, for anything the event stream did not tell us; the
#: settings file's ``poll_seconds`` replaces it.
SAFETY_POLL_SECONDS = 15.0


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    width: int | None = None  # None: fit the content


@dataclass(frozen=True)
class SortSpec:
    name: str
    key: Callable[[Any], Any]


class FilterInput(Input):
    """The ``/`` filter line; escape is handled by the pane."""

    BINDINGS = [Binding("escape", "cancel_filter", "Clear filter", show=False, id="list.cancel_filter")]

    def action_cancel_filter(self) -> None:
        pane = next((a for a in self.ancestors if isinstance(a, ResourcePane)), None)
        if pane is not None:
            pane.clear_filter()


class ResourcePane(WorkerErrors, Vertical, Generic[T]):
    """Base of the Containers, Images, Volumes and Networks panes."""

    pane_id: ClassVar[str] = ""
    title: ClassVar[str] = ""
    item_noun: ClassVar[str] = "item"
    #: what the status line counts ("12 running containers"); the title by default
    count_noun: ClassVar[str] = ""
    EVENT_TYPES: ClassVar[frozenset[str]] = frozenset()
    SORTS: ClassVar[Sequence[SortSpec]] = ()

    BINDINGS = [
        Binding("slash", "start_filter", "Filter", id="list.start_filter"),
        Binding("escape", "clear_filter", "Clear filter", show=False, id="list.clear_filter"),
        Binding("o", "cycle_sort", "Sort", id="list.cycle_sort"),
        Binding("O", "reverse_sort", "Reverse sort", show=False, id="list.reverse_sort"),
        Binding("ctrl+r", "reload", "Reload", show=False, id="list.reload"),
    ]

    def __init__(self) -> None:
        super().__init__(id=f"pane-{self.pane_id}", classes="pane")
        self.items: list[T] = []
        self._by_key: dict[str, T] = {}
        self._visible: list[T] = []
        self.filter_text = ""
        self._sort_index = 0
        self._sort_reverse = False
        self._dirty = True
        self._fetching = False
        self._follow_up_pending = False
        self._loaded = False
        self._columns: list[Column] = []
        self._status_text = ""
        # cells drawn for each key since the last fetch: filtering and
        # sorting 1,000 rows reuse them instead of drawing 6,000 cells a key
        self._row_cells: dict[str, RowCells] = {}
        self._refresh_pending = False
        self._next_refresh_at = 0.0
        self._cells_drawn_at = 0.0

    @property
    def dtui(self) -> DtuiApp:
        return self.app  # type: ignore[return-value]

    # --- what subclasses provide -------------------------------------
    def fetch(self, api: Any) -> list[T]:
        raise NotImplementedError

    def item_key(self, item: T) -> str:
        raise NotImplementedError

    def item_matches(self, item: T, needle: str) -> bool:
        raise NotImplementedError

    def columns_for_width(self, width: int) -> list[Column]:
        raise NotImplementedError

    def cell(self, item: T, column: str) -> str | Text:
        raise NotImplementedError

    def wants_event(self, event: DockerEvent) -> bool:
        return event.type in self.EVENT_TYPES

    def empty_text(self) -> str:
        return f"No {self.title.lower()}."

    # --- layout --------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield FilterInput(placeholder="/ to filter (name, image, id, status)", id=f"{self.pane_id}-filter", classes="pane-filter")
        yield KeyedTable(id=f"{self.pane_id}-table", classes="pane-table")
        yield Static("", id=f"{self.pane_id}-status", classes="pane-status")

    @property
    def table(self) -> KeyedTable:
        return self.query_one(KeyedTable)

    @property
    def filter_input(self) -> FilterInput:
        return self.query_one(FilterInput)

    def on_mount(self) -> None:
        settings = getattr(self.app, "settings", None)
        self.set_interval(settings.poll_seconds if settings else SAFETY_POLL_SECONDS, self.mark_dirty)
        self._rebuild_columns(self.size.width or self.app.size.width)
        self._refresh_if_dirty()

    def on_show(self) -> None:
        # a hidden pane stayed dirty; it catches up when shown
        if self._dirty:
            self._schedule_refresh()

    def on_resize(self) -> None:
        self._rebuild_columns(self.size.width)

    def _rebuild_columns(self, width: int) -> None:
        columns = self.columns_for_width(max(width, 40))
        if columns == self._columns:
            return
        self._columns = columns
        self._row_cells = {}
        table = self.table
        key = table.current_key
        table.clear(columns=True)
        for column in columns:
            table.add_column(column.label, width=column.width, key=column.key)
        self.render_rows()
        if key:
            table.select_key(key)

    # --- refresh ---------------------------------------------------------
    def mark_dirty(self) -> None:
        self._dirty = True
        self._schedule_refresh()

    def _schedule_refresh(self, at_least: float = 0.0) -> None:
        # Leading-edge throttle: the first change is fetched at once, later
        # ones wait for the 1/REFRESH_HZ slot after it. A timer exists only
        # while something is due, so an idle app does not wake ten times a
        # second per pane.
        if not self._refresh_pending:
            self._refresh_pending = True
            delay = max(at_least, self._next_refresh_at - time.monotonic())
            if delay > 0:
                self.set_timer(delay, self._refresh_due, name="refresh")
            else:
                self.call_later(self._refresh_due)

    def _refresh_due(self) -> None:
        self._refresh_pending = False
        self._refresh_if_dirty()

    def on_daemon_event(self, event: DockerEvent) -> None:
        if self.wants_event(event):
            self.mark_dirty()
            # a list fetched while the daemon is still applying a change can
            # be one step behind the event: look once more a moment later
            if not self._follow_up_pending:
                self._follow_up_pending = True
                self.set_timer(0.6, self._follow_up)

    def _follow_up(self) -> None:
        self._follow_up_pending = False
        self.mark_dirty()

    def _refresh_if_dirty(self) -> None:
        # hidden panes stay dirty and catch up when shown. Before the event
        # stream has connected (connected is None) the list is tried anyway:
        # waiting for it cost the first paint a ping, an /events round trip
        # and a tick.
        if self._dirty and self._fetching:
            # the fetch in flight may predate the change: look again after it
            self._schedule_refresh(at_least=1 / REFRESH_HZ)
            return
        if self._dirty and self.display and self.dtui.connected is not False:
            self._dirty = False
            self._fetching = True
            self._next_refresh_at = time.monotonic() + 1 / REFRESH_HZ
            # named for the error message a failure shows
            self.run_worker(
                functools.partial(self._fetch_worker, first_try=self.dtui.connected is None),
                name=f"list {self.title.lower()}",
                group=f"list-{self.pane_id}",
                thread=True,
                exclusive=True,
                exit_on_error=False,
            )

    def _fetch_worker(self, first_try: bool = False) -> None:
        try:
            items = self.fetch(self.dtui.service.api)
            self.post_message(ItemsListed(self.pane_id, items))
        except Exception as exc:
            if not (first_try and is_connection_problem(exc)):
                raise
            # the event stream owns the connection state: it reports why the
            # daemon is unreachable and marks every pane dirty once it is back
            self._dirty = True
        finally:
            self._fetching = False

    def on_items_listed(self, message: ItemsListed) -> None:
        if message.pane_id != self.pane_id:
            return
        message.stop()
        self.dtui.daemon_answered()
        self.items = list(message.items)
        previous, self._by_key = self._by_key, {self.item_key(item): item for item in self.items}
        now = time.monotonic()
        if now - self._cells_drawn_at > CELLS_MAX_AGE:
            # times shown relative to now ("5 minutes ago") move on
            self._row_cells = {}
            self._cells_drawn_at = now
        else:
            # an event about one container re-lists all 1,000: draw again only
            # the rows whose object changed
            drawn, by_key = self._row_cells, self._by_key
            self._row_cells = {key: cells for key, cells in drawn.items() if key in by_key and previous.get(key) == by_key[key]}
        self._loaded = True
        self.render_rows()
        if self._dirty:
            # something changed while this list was being fetched
            self._schedule_refresh()

    def action_reload(self) -> None:
        self.mark_dirty()

    # --- drawing ---------------------------------------------------------
    def sorted_items(self, items: list[T]) -> list[T]:
        if not self.SORTS:
            return items
        spec = self.SORTS[self._sort_index % len(self.SORTS)]
        return sorted(items, key=spec.key, reverse=self._sort_reverse)

    def render_rows(self) -> None:
        if not self._columns:
            return
        needle = self.filter_text
        visible = [item for item in self.items if self.item_matches(item, needle)] if needle else list(self.items)
        self._visible = self.sorted_items(visible)
        column_keys = [c.key for c in self._columns]
        drawn = self._row_cells
        rows: list[tuple[str, RowCells]] = []
        for item in self._visible:
            key = self.item_key(item)
            cells = drawn.get(key)
            if cells is None:
                # plain strings become Text here, once: DataTable would read
                # them as markup, and data from the daemon is never markup
                cells = drawn[key] = text_cells(tuple(self.cell(item, column) for column in column_keys))
            rows.append((key, cells))
        self.table.sync(rows)
        self._update_status()

    def status_summary(self) -> str:
        shown, total = len(self._visible), len(self.items)
        noun = self.count_noun or self.title.lower()
        text = f"{total} {noun}" if shown == total else f"{shown} of {total} {noun}"
        if self.SORTS:
            spec = self.SORTS[self._sort_index % len(self.SORTS)]
            text += f" · sort: {spec.name}{' ↓' if self._sort_reverse else ''}"
        if self.filter_text:
            text += f" · filter: {self.filter_text}"
        return text

    def _update_status(self) -> None:
        if not self._loaded:
            text = f"waiting for the daemon at {self.dtui.endpoint.host}…" if self.dtui.connected is False else "loading…"
        elif not self.items:
            text = self.empty_text()
        else:
            text = self.status_summary()
        if text != self._status_text:
            self._status_text = text
            # its size is fixed in CSS: no layout of the whole screen for
            # every key typed into the filter
            self.query_one(f"#{self.pane_id}-status", Static).update(Text(text), layout=False)

    # --- selection -------------------------------------------------------
    @property
    def selected(self) -> T | None:
        key = self.table.current_key
        return self._by_key.get(key) if key else None

    def selected_or_warn(self) -> T | None:
        """The row under the cursor; says so when there is none."""
        item = self.selected
        if item is None:
            self.notify(f"No {self.item_noun} selected.", severity="warning", timeout=2)
        return item

    def focus_table(self) -> None:
        self.screen.set_focus(self.table)

    def on_data_table_row_selected(self, event: Any) -> None:
        event.stop()
        self.action_open_selected()

    def action_open_selected(self) -> None:
        """``enter`` on a row; panes with a details view override this."""

    # --- filter ----------------------------------------------------------
    def action_start_filter(self) -> None:
        field = self.filter_input
        field.value = self.filter_text
        # synchronous focus: keys typed right after '/' must land in the field
        self.screen.set_focus(field)

    @on(Input.Changed, ".pane-filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        event.stop()
        text = event.value.strip()
        if text == self.filter_text:
            # clear_filter has drawn it already (setting the field's value
            # comes back here), or only a space was typed
            return
        self.filter_text = text
        self.render_rows()

    @on(Input.Submitted, ".pane-filter")
    def _filter_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.focus_table()
        if self._visible:
            self.table.move_cursor(row=0)

    def clear_filter(self) -> None:
        self.filter_text = ""
        self.filter_input.value = ""
        self.render_rows()
        self.focus_table()

    def action_clear_filter(self) -> None:
        if self.filter_text:
            self.clear_filter()

    # --- sorting ---------------------------------------------------------
    def action_cycle_sort(self) -> None:
        if self.SORTS:
            self._sort_index = (self._sort_index + 1) % len(self.SORTS)
            self.render_rows()
            self.notify(f"Sorted by {self.SORTS[self._sort_index].name}", timeout=1.5)

    def action_reverse_sort(self) -> None:
        self._sort_reverse = not self._sort_reverse
        self.render_rows()
