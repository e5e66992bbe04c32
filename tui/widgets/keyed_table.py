"""A DataTable that is synchronised by row key instead of being refilled.

``sync`` drops rows whose key is gone, rewrites only the cells that changed,
adds new rows and puts rows in the requested order; the cursor stays on the
same object (by key) and the scroll position is kept, so a refresh is
invisible unless something actually changed.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual._two_way_dict import TwoWayDict
from textual.widgets import DataTable
from textual.widgets.data_table import RowKey

Cell = str | Text
RowCells = tuple[Cell, ...]


class KeyedTable(DataTable):
    """DataTable with keyed, minimal updates and cursor-by-key."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("cursor_type", "row")
        kwargs.setdefault("zebra_stripes", False)
        super().__init__(*args, **kwargs)
        self._cells: dict[str, RowCells] = {}
        self._order: list[str] = []

    @property
    def current_key(self) -> str | None:
        if not self._order or not (0 <= self.cursor_row < len(self._order)):
            return None
        return self._order[self.cursor_row]

    @property
    def keys(self) -> list[str]:
        return list(self._order)

    def sync(self, rows: Sequence[tuple[str, RowCells]]) -> None:
        """Make the table show exactly ``rows``, in that order."""
        # plain strings would be parsed as markup by DataTable; data from
        # the daemon is never markup
        rows = [(key, tuple(Text(c) if isinstance(c, str) else c for c in cells)) for key, cells in rows]
        wanted = dict(rows)
        old_key = self.current_key
        old_index = self.cursor_row
        scroll_x, scroll_y = self.scroll_x, self.scroll_y
        column_keys = [column.key for column in self.ordered_columns]
        with self.app.batch_update():
            for key in [k for k in self._cells if k not in wanted]:
                self.remove_row(key)
                del self._cells[key]
            for key, cells in rows:
                previous = self._cells.get(key)
                if previous is None:
                    self.add_row(*cells, key=key)
                elif previous != cells:
                    for column_key, old, new in zip(column_keys, previous, cells):
                        if old != new:
                            self.update_cell(key, column_key, new, update_width=False)
                self._cells[key] = cells
            order = [key for key, _ in rows]
            if order != self._order_in_table():
                # DataTable.sort only sees cell values; the order here comes
                # from the caller (sorting may use fields that are not shown).
                self._row_locations = TwoWayDict({RowKey(key): index for index, key in enumerate(order)})
                self._update_count += 1
                self.refresh()
            self._order = order
            if order:
                if old_key in wanted:
                    target = order.index(old_key)
                else:
                    target = min(old_index, len(order) - 1)
                if target != self.cursor_row:
                    self.move_cursor(row=target, scroll=False)
                self.scroll_to(scroll_x, scroll_y, animate=False, immediate=True)
                if old_key not in wanted:
                    self.move_cursor(row=target, scroll=True)

    def _order_in_table(self) -> list[str]:
        return [str(row.key.value) for row in self.ordered_rows]

    def select_key(self, key: str) -> bool:
        if key in self._cells:
            self.move_cursor(row=self._order.index(key))
            return True
        return False
