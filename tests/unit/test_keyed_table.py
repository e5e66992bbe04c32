"""KeyedTable: keyed sync keeps the cursor on its object, and a changed cell
repaints its row without throwing away the other rows' rendering."""

from __future__ import annotations

from rich.text import Text
from textual.app import App, ComposeResult

from tests.integration.app_driver import screen_text
from tui.widgets.keyed_table import KeyedTable


class TableApp(App[None]):
    def compose(self) -> ComposeResult:
        table = KeyedTable()
        table.add_column("NAME", key="name", width=10)
        table.add_column("CPU", key="cpu", width=6)
        yield table


def rows(cpu: dict[str, str]) -> list[tuple[str, tuple[str, str]]]:
    return [(name, (name, value)) for name, value in cpu.items()]


async def test_changed_cell_repaints_only_its_row():
    app = TableApp()
    async with app.run_test(size=(40, 10)) as pilot:
        table = app.query_one(KeyedTable)
        table.sync(rows({"web": "1.0%", "db": "2.0%", "cache": "3.0%"}))
        await pilot.pause()
        assert "db          2.0%" in screen_text(app)
        count = table._update_count
        cached_web = [k for k in table._cell_render_cache.keys() if k[0].value == "web"]
        assert cached_web

        table.sync(rows({"web": "1.0%", "db": "99%", "cache": "3.0%"}))
        await pilot.pause()
        text = screen_text(app)
        assert "db          99%" in text and "2.0%" not in text
        # no global invalidation: the unchanged rows' rendered cells survive
        assert table._update_count == count
        assert all(k in table._cell_render_cache for k in cached_web)
        assert not [k for k in table._cell_render_cache.keys() if k[0].value == "db" and k[-2] == count and "2.0" in str(table._cell_render_cache[k])]


async def test_structural_changes_and_cursor_follow_the_key():
    app = TableApp()
    async with app.run_test(size=(40, 10)) as pilot:
        table = app.query_one(KeyedTable)
        table.sync(rows({"a": "1", "b": "2", "c": "3"}))
        table.select_key("b")
        await pilot.pause()
        # reorder, change a cell and add a row in one refresh
        table.sync(rows({"c": "3", "new": "0", "b": "5", "a": "1"}))
        await pilot.pause()
        assert table.keys == ["c", "new", "b", "a"]
        assert table.current_key == "b"
        lines = [line.strip() for line in screen_text(app).splitlines() if line.strip()]
        start = lines.index("c           3")
        assert lines[start : start + 4] == ["c           3", "new         0", "b           5", "a           1"]
        # the row under the cursor goes: the cursor stays at its place
        table.sync(rows({"c": "3", "new": "0", "a": "1"}))
        await pilot.pause()
        assert table.current_key == "a"


# cells the list panes draw, and the awkward ones: spans over a base style,
# overlapping spans, wide characters cut at the edge, every overflow, empty
LOOKS = [
    Text("web-1"),
    Text("exited", style="red"),
    Text("running", style="bold green"),
    Text.assemble(("● ", "bold magenta"), Text("marked-name-that-is-long", style="bold")),
    Text("abcdefghijklmnopqrstuvwxyz"),
    Text("abcdefghijklmnopqrstuvwxyz", overflow="ellipsis"),
    Text("abcdefghijklmnopqrstuvwxyz", overflow="crop", style="dim"),
    Text("数据库容器一二三四五六"),
    Text("a数据库容器一二三四五六", overflow="ellipsis"),
    Text(""),
    Text("…", style="dim"),
    Text("exactly-10"),
    Text("two\nlines"),
    Text("tab\there"),
    Text("right", justify="right"),
    Text("no-wrap", no_wrap=True, style="italic"),
]


def _canonical(lines):
    from rich.segment import Segment

    return [[(s.text, s.style) for s in Segment.simplify(seg for seg in line if seg.text)] for line in lines]


async def test_cells_look_exactly_as_datatable_draws_them():
    from textual.widgets import DataTable

    app = TableApp()
    async with app.run_test(size=(60, 30)) as pilot:
        table = app.query_one(KeyedTable)
        table.sync([(f"r{i}", (look, look)) for i, look in enumerate(LOOKS)])
        table.focus()
        await pilot.pause()
        base = table.rich_style
        for row in range(len(LOOKS)):
            for column, width in ((0, 12), (1, 8)):
                for cursor in (False, True):
                    for hover in (False, True):
                        table._cell_render_cache.clear()
                        ours = table._render_cell(row, column, base, width, cursor, hover)
                        table._cell_render_cache.clear()
                        theirs = DataTable._render_cell(table, row, column, base, width, cursor, hover)
                        assert _canonical(ours) == _canonical(theirs), (LOOKS[row], width, cursor, hover)
        text = screen_text(app)
        assert "abcdefghi…" in text and "abcdefghij" in text and "exactly-10" in text


async def test_rows_repaint_as_the_cursor_and_the_mouse_move():
    from textual.coordinate import Coordinate

    app = TableApp()
    async with app.run_test(size=(40, 10)) as pilot:
        table = app.query_one(KeyedTable)
        table.sync(rows({name: f"{n}%" for n, name in enumerate(["web", "db", "cache", "queue", "proxy", "mail"])}))
        table.focus()
        await pilot.pause()

        def lines() -> list[list[tuple[str, object]]]:
            return [[(s.text, s.style) for s in table.render_line(y)] for y in range(table.size.height)]

        for target, hover in ((3, None), (1, 4), (5, 4), (0, 0), (2, None)):
            table.move_cursor(row=target)
            if hover is not None:
                table._set_hover_cursor(True)
                table.hover_coordinate = Coordinate(hover, 0)
            else:
                table._set_hover_cursor(False)
            await pilot.pause()
            drawn = lines()
            table._clear_caches()
            # what the rows look like drawn from nothing, cursor and hover included
            assert drawn == lines()
            cursor_bg = table.get_component_rich_style("datatable--cursor").bgcolor
            hover_bg = table.get_component_rich_style("datatable--hover").bgcolor
            for row, line in enumerate(drawn[1:7]):  # below the header
                backgrounds = {style.bgcolor for text, style in line if text.strip()}
                assert (cursor_bg in backgrounds) == (row == target), (target, hover, row)
                assert (hover_bg in backgrounds) == (row == hover != target), (target, hover, row)
