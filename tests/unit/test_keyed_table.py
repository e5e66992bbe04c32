"""KeyedTable: keyed sync keeps the cursor on its object, and a changed cell
repaints its row without throwing away the other rows' rendering."""

from __future__ import annotations

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
