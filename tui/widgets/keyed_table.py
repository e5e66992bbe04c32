"""A DataTable that is synchronised by row key instead of being refilled.

``sync`` drops rows whose key is gone, rewrites only the cells that changed,
adds new rows and puts rows in the requested order; the cursor stays on the
same object (by key) and the scroll position is kept, so a refresh is
invisible unless something actually changed.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import zip_longest

from rich.text import Text
from textual._two_way_dict import TwoWayDict
from textual.geometry import Size
from textual.widgets import DataTable
from textual.widgets.data_table import CellKey, ColumnKey, DuplicateKey, Row, RowKey

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
            gone = [k for k in self._cells if k not in wanted]
            if gone:
                self.remove_rows(gone)
            new_rows = []
            changed: dict[str, list[tuple[ColumnKey, Cell]]] = {}
            for key, cells in rows:
                previous = self._cells.get(key)
                if previous is None:
                    new_rows.append((key, cells))
                elif previous != cells:
                    changed[key] = [(column_key, new) for column_key, old, new in zip(column_keys, previous, cells) if old != new]
                self._cells[key] = cells
            if new_rows:
                self.add_rows_by_key(new_rows)
            order = [key for key, _ in rows]
            moved = order != self._order_in_table()
            if changed:
                self.update_cells(changed, in_place=not (gone or new_rows or moved))
            if moved:
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

    def update_cells(self, changed: dict[str, list[tuple[ColumnKey, Cell]]], *, in_place: bool) -> None:
        """``update_cell`` for many cells; ``in_place`` when no row was added,
        removed or moved in the same refresh.

        DataTable.update_cell bumps the table's update count, which is part
        of every render cache key, so one changed CPU figure re-rendered
        every visible cell of every row (a 1 Hz stats refresh of 50 rows
        cost about a percent of a core). In place, only the changed rows'
        cache entries are dropped and only their lines are repainted.
        """
        for key, cells in changed.items():
            data = self._data[RowKey(key)]
            for column_key, value in cells:
                data[column_key] = value
        if not in_place:
            self._update_count += 1
            self.refresh()
            return
        row_keys = {RowKey(key) for key in changed}
        indices = {self._row_locations.get(row_key) for row_key in row_keys}
        for cache, position, members in (
            (self._cell_render_cache, 0, row_keys),
            (self._row_render_cache, 0, row_keys),
            (self._row_renderable_cache, 1, indices),
        ):
            for cache_key in [k for k in cache.keys() if k[position] in members]:
                cache.discard(cache_key)
        self._line_cache.clear()
        for index in indices:
            if index is not None:
                self.refresh_row(index)

    def add_rows_by_key(self, rows: Sequence[tuple[str, RowCells]]) -> None:
        """``add_row`` for many one-line rows at once, appended in order.

        DataTable.add_row revalidates the cursor and bumps the update count
        for every row; clearing a filter over 1,000 rows adds them all.
        """
        columns = self.ordered_columns
        start = self.row_count
        for offset, (key, cells) in enumerate(rows):
            row_key = RowKey(key)
            if row_key in self._row_locations:
                raise DuplicateKey(f"The row key {row_key!r} already exists.")
            self._row_locations[row_key] = start + offset
            self._data[row_key] = {column.key: cell for column, cell in zip_longest(columns, cells)}
            self.rows[row_key] = Row(row_key, 1, None, False)
            self._new_rows.add(row_key)
        self._require_update_dimensions = True
        self.cursor_coordinate = self.cursor_coordinate
        if start == 0 and rows and self.columns and self.show_cursor and self.cursor_type != "none":
            # as add_row does when the first row makes a cursor possible
            self._highlight_cursor()
        self._update_count += 1
        self.check_idle()

    def remove_rows(self, keys: Sequence[str]) -> None:
        """``remove_row`` for many rows at once.

        DataTable.remove_row renumbers every remaining row for each removal,
        so a filter that hides most of 1,000 rows took most of a second; here
        the rows go first and the numbering is rebuilt once.
        """
        gone = set(keys)
        for key in gone:
            row_key = RowKey(key)
            for column_key in self._data.pop(row_key, {}):
                self._updated_cells.discard(CellKey(row_key, column_key))
            self.rows.pop(row_key, None)
            self._new_rows.discard(row_key)
            self._cells.pop(key, None)
        locations = self._row_locations
        kept = sorted((locations.get(row_key), row_key) for row_key in locations if row_key.value not in gone)
        self._row_locations = TwoWayDict({row_key: index for index, (_, row_key) in enumerate(kept)})
        self._order = [str(row_key.value) for _, row_key in kept]
        self._require_update_dimensions = True
        self._update_count += 1
        self.cursor_coordinate = self.cursor_coordinate
        self.hover_coordinate = self.hover_coordinate
        self.check_idle()
        self.refresh(layout=True)

    def _update_dimensions(self, new_rows) -> None:  # type: ignore[no-untyped-def]
        # DataTable measures every cell of every new row to size auto-width
        # columns (tens of ms per 1,000 rows). When every column has a fixed
        # width and no row has a label or an automatic height there is
        # nothing to measure: only the virtual size changes.
        if self._labelled_row_exists or any(column.auto_width for column in self.columns.values()) or any(row.auto_height for row in self.rows.values()):
            super()._update_dimensions(new_rows)
            return
        header_height = self.header_height if self.show_header else 0
        width = sum(column.get_render_width(self) for column in self.columns.values()) + self._row_label_column_width
        self.virtual_size = Size(width, self._total_row_height + header_height)

    def _order_in_table(self) -> list[str]:
        return [str(row.key.value) for row in self.ordered_rows]

    def select_key(self, key: str) -> bool:
        if key in self._cells:
            self.move_cursor(row=self._order.index(key))
            return True
        return False
