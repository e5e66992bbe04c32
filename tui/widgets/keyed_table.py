"""A DataTable that is synchronised by row key instead of being refilled.

``sync`` drops rows whose key is gone, rewrites only the cells that changed,
adds new rows and puts rows in the requested order; the cursor stays on the
same object (by key) and the scroll position is kept, so a refresh is
invisible unless something actually changed.

It also draws its one-line text cells itself: DataTable hands every cell to
Rich wrapped in Padding and Styled, which cost about a millisecond a row, so
a page of new rows (pagedown, or a filter that changes the rows) took tens of
milliseconds.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import zip_longest

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual._two_way_dict import TwoWayDict
from textual.cache import LRUCache
from textual.coordinate import Coordinate
from textual.dom import DOMNode
from textual.geometry import Region, Size
from textual.strip import Strip
from textual.widgets import DataTable
from textual.widgets.data_table import CellKey, ColumnKey, DuplicateKey, Row, RowKey

Cell = str | Text
RowCells = tuple[Cell, ...]

#: DataTable keeps 1,000 rendered lines and rows, but their cache keys hold
#: the cursor position, so after a cursor move only the entries of the screen
#: being drawn can be hit again; the rest only costs memory and the cyclic
#: collector's time (it walks them on every full pass). A few screens' worth.
LINE_CACHE_SIZE = 300
#: Rendered cells survive cursor moves; enough for a few pages either way.
CELL_CACHE_SIZE = 3000
#: Stands for "the cursor (or the mouse) is on another row": no row is -2.
_ELSEWHERE = Coordinate(-2, -2)
#: How Rich renders a cell whose Text does not say (``Text.__rich_console__``
#: with Textual's console options, which set neither).
_RICH_OVERFLOWS = ("fold", "crop", "ellipsis")


def text_cells(cells: RowCells) -> RowCells:
    """The cells with plain strings made Text; the same tuple when none is."""
    if not any(isinstance(cell, str) for cell in cells):
        return cells
    return tuple(Text(cell) if isinstance(cell, str) else cell for cell in cells)


class KeyedTable(DataTable):
    """DataTable with keyed, minimal updates and cursor-by-key."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("cursor_type", "row")
        kwargs.setdefault("zebra_stripes", False)
        super().__init__(*args, **kwargs)
        self._cells: dict[str, RowCells] = {}
        self._order: list[str] = []
        self._line_cache = LRUCache(LINE_CACHE_SIZE)
        self._row_render_cache = LRUCache(LINE_CACHE_SIZE)
        self._cell_render_cache = LRUCache(CELL_CACHE_SIZE)
        self._style_this_frame: Style | None = None

    @property
    def current_key(self) -> str | None:
        if not self._order or not (0 <= self.cursor_row < len(self._order)):
            return None
        return self._order[self.cursor_row]

    @property
    def keys(self) -> list[str]:
        return list(self._order)

    def sync(self, rows: Sequence[tuple[str, RowCells]]) -> None:
        """Make the table show exactly ``rows``, in that order.

        A row whose cells are the very tuple the table already holds is
        unchanged without looking at its cells: the panes hand back the same
        tuples until an object changes, so typing a filter over 1,000 rows
        costs one identity check per row.
        """
        held = self._cells
        # plain strings would be parsed as markup by DataTable; data from
        # the daemon is never markup
        rows = [(key, cells if held.get(key) is cells else text_cells(cells)) for key, cells in rows]
        wanted = dict(rows)
        old_key = self.current_key
        old_index = self.cursor_row
        scroll_x, scroll_y = self.scroll_x, self.scroll_y
        column_keys = [column.key for column in self.ordered_columns]
        with self.app.batch_update():
            gone = [k for k in held if k not in wanted]
            if gone:
                self.remove_rows(gone)
            new_rows = []
            changed: dict[str, list[tuple[ColumnKey, Cell]]] = {}
            for key, cells in rows:
                previous = held.get(key)
                if previous is cells:
                    continue
                if previous is None:
                    new_rows.append((key, cells))
                elif previous != cells:
                    changed[key] = [(column_key, new) for column_key, old, new in zip(column_keys, previous, cells) if old != new]
                held[key] = cells
            if new_rows:
                self.add_rows_by_key(new_rows)
            order = [key for key, _ in rows]
            # remove_rows and add_rows_by_key keep _order as the table's order
            moved = order != self._order
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
                    target = self._row_locations.get(RowKey(old_key))
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
        self._order.extend(key for key, _ in rows)
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
        updated = self._updated_cells
        for key in gone:
            row_key = RowKey(key)
            cells = self._data.pop(row_key, {})
            if updated:
                for column_key in cells:
                    updated.discard(CellKey(row_key, column_key))
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

    def clear(self, columns: bool = False) -> KeyedTable:
        super().clear(columns)
        self._cells.clear()
        self._order = []
        return self

    def select_key(self, key: str) -> bool:
        if key in self._cells:
            self.move_cursor(row=self._row_locations.get(RowKey(key)))
            return True
        return False

    # --- drawing -----------------------------------------------------------
    def render_lines(self, crop: Region) -> list[Strip]:
        # DataTable.render_line asks for rich_style once a line, and each
        # time it is worked out again from every ancestor's styles
        self._style_this_frame = DOMNode.rich_style.fget(self)  # type: ignore[attr-defined]
        try:
            return super().render_lines(crop)
        finally:
            self._style_this_frame = None

    @property
    def rich_style(self) -> Style:
        if self._style_this_frame is not None:
            return self._style_this_frame
        return super().rich_style

    def _render_line_in_row(
        self,
        row_key: RowKey,
        line_no: int,
        base_style: Style,
        cursor_location: Coordinate,
        hover_location: Coordinate,
    ) -> tuple[list[list[Segment]], list[list[Segment]]]:
        # DataTable keys a rendered row by where the cursor and the mouse
        # are, so a cursor move drew every visible row again. With a row
        # cursor a row only looks different when one of them is on it.
        if self.cursor_type == "row":
            row_index = self._row_locations.get(row_key) if row_key in self._row_locations else -1
            if cursor_location.row != row_index:
                cursor_location = _ELSEWHERE
            if hover_location.row != row_index:
                hover_location = _ELSEWHERE
        return super()._render_line_in_row(row_key, line_no, base_style, cursor_location, hover_location)

    def _render_cell(
        self,
        row_index: int,
        column_index: int,
        base_style: Style,
        width: int,
        cursor: bool = False,
        hover: bool = False,
    ) -> list[list[Segment]]:
        """DataTable._render_cell, drawn directly for a body cell holding one
        line of Text in a one-line row: the same segments (styles, row and
        column meta for the mouse) without Rich's Padding, Styled and
        render_lines around it. Anything else goes to DataTable."""
        if row_index < self.fixed_rows or column_index < self.fixed_columns:
            # the header (-1), row labels (-1) and fixed rows and columns
            return super()._render_cell(row_index, column_index, base_style, width, cursor, hover)
        row_key = self._row_locations.get_key(row_index)
        column_key = self._column_locations.get_key(column_index)
        # DataTable's own cache key, so its invalidation (update_cells) holds
        cache_key = (row_key, column_key, base_style, cursor, hover, self._show_hover_cursor, self._update_count, self._pseudo_class_state)
        lines = self._cell_render_cache.get(cache_key)
        if lines is not None:
            return lines
        row = self.rows.get(row_key) if row_key is not None else None
        cell = self._data[row_key].get(column_key) if row is not None and row.height == 1 else None
        inner = width - 2 * self.cell_padding
        drawn = self._text_segments(cell, inner) if isinstance(cell, Text) and inner > 0 else None
        if drawn is None:
            return super()._render_cell(row_index, column_index, base_style, width, cursor, hover)
        component_style, post_style = self._get_styles_to_render_cell(
            False,
            False,
            False,
            hover,
            cursor,
            self.show_cursor,
            self._show_hover_cursor,
            self.cursor_foreground_priority == "css",
            self.cursor_background_priority == "css",
        )
        # the order DataTable adds them in: base, meta, component; the
        # cell's own style on top; the post style last
        pre_style = base_style + Style.from_meta({"row": row_index, "column": column_index}) + component_style
        blank_style = pre_style + post_style if post_style else pre_style
        segments, used = drawn
        padding = " " * self.cell_padding
        line = [Segment(padding, blank_style)] if padding else []
        for text, style in segments:
            styled = pre_style + style if style is not None else pre_style
            line.append(Segment(text, styled + post_style if post_style else styled))
        line.append(Segment(" " * (inner - used) + padding, blank_style))
        lines = [line]
        self._cell_render_cache[cache_key] = lines
        return lines

    def _text_segments(self, text: Text, width: int) -> tuple[list[tuple[str, Style | None]], int] | None:
        """``text`` cut to ``width`` cells as Rich cuts an unwrapped line (its
        overflow: fold and crop cut, ellipsis ends in "…"), as (text, style)
        pieces and the cells they take; None for what this does not cover
        (several lines, tabs, justification, overflow "ignore")."""
        plain = text.plain
        overflow = text.overflow or "fold"
        if "\n" in plain or "\t" in plain or text.justify not in (None, "default") or overflow not in _RICH_OVERFLOWS:
            return None
        used = cell_len(plain)
        if used > width:
            text = text.copy()
            text.truncate(width, overflow=overflow)
            plain = text.plain
            used = cell_len(plain)
        if not plain:
            return [], 0
        console = self.app.console
        if text._spans:
            # the Text's own style is its bottom layer, as when Rich renders it
            return [(segment.text, segment.style) for segment in text.render(console) if segment.text], used
        style = console.get_style(text.style, default=Style.null()) if text.style else None
        return [(plain, style)], used
