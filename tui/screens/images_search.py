"""``docker search``: Docker Hub through the daemon; enter on a result pulls it."""

from __future__ import annotations

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Input, Static

from tui.docker import images as image_ops
from tui.docker.errors import describe_error
from tui.docker.models import SearchResult
from tui.presentation import safe_text
from tui.widgets.key_footer import KeyFooter
from tui.workers import WorkerErrors


class ImageSearchScreen(WorkerErrors, Screen):
    BINDINGS = [
        Binding("escape", "back", "Back", id="image_search.back"),
        Binding("slash", "edit_term", "New search", id="image_search.edit_term"),
    ]

    def __init__(self, term: str = "") -> None:
        super().__init__(classes="image-search")
        self.term = term
        self.results: list[SearchResult] = []
        self.message = ""

    def compose(self) -> ComposeResult:
        yield Static(Text(" search Docker Hub (docker search) ", style="bold reverse"), classes="progress-title")
        yield Input(self.term, placeholder="image name to search for, then enter", id="search-term", compact=True)
        yield DataTable(cursor_type="row", id="search-table")
        yield Static(Text("type a name and press enter; enter on a result pulls it", style="dim"), id="search-status")
        yield KeyFooter()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        width = self.app.size.width
        table.add_column("NAME", key="name", width=30)
        table.add_column("STARS", key="stars", width=6)
        table.add_column("OFFICIAL", key="official", width=8)
        table.add_column("DESCRIPTION", key="description", width=max(20, width - 30 - 6 - 8 - 10))
        self.query_one(Input).focus()

    def _status(self, text: str, style: str = "dim") -> None:
        self.message = text
        self.query_one("#search-status", Static).update(Text(safe_text(text), style=style))

    @on(Input.Submitted, "#search-term")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        term = event.value.strip()
        if not term:
            self._status("Enter a search term.", "red")
            return
        self._status(f"searching for {term}…", "yellow")
        self.search(term)

    @work(thread=True, exclusive=True, exit_on_error=False, name="search")
    def search(self, term: str) -> None:
        try:
            results = image_ops.search(self.app.service.api, term)  # type: ignore[attr-defined]
        except Exception as exc:  # offline: "Registry unreachable: ..."
            self.app.call_from_thread(self._status, describe_error(exc), "bold red")
            return
        self.app.call_from_thread(self._show, term, results)

    def _show(self, term: str, results: list[SearchResult]) -> None:
        self.results = results
        table = self.query_one(DataTable)
        table.clear()
        for index, result in enumerate(results):
            table.add_row(
                Text(safe_text(result.name), style="bold"),
                Text(str(result.stars)),
                Text("[OK]" if result.official else "", style="green"),
                Text(safe_text(result.description)),
                key=str(index),
            )
        self._status(f"{len(results)} result{'s' if len(results) != 1 else ''} for {term} · enter pulls the selected image")
        if results:
            table.focus()

    @on(DataTable.RowSelected, "#search-table")
    def _pull(self, event: DataTable.RowSelected) -> None:
        event.stop()
        from tui.screens.images_forms import PullForm

        index = int(str(event.row_key.value))
        if 0 <= index < len(self.results) and self.app.check_writable("pulling"):  # type: ignore[attr-defined]
            self.app.push_screen(PullForm(f"{self.results[index].name}:latest"))

    def action_edit_term(self) -> None:
        self.query_one(Input).focus()

    def action_back(self) -> None:
        self.app.pop_screen()
