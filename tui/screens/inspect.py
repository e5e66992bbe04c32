"""Raw inspect JSON of any object, scrollable and searchable."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Footer, Input, Static, TextArea
from textual.widgets.text_area import Selection

from tui.presentation import safe_text
from tui.workers import WorkerErrors


def inspect_object(api: Any, kind: str, object_id: str) -> Any:
    """The daemon's inspect payload for a container, image, volume or network."""
    calls: dict[str, Callable[[str], Any]] = {
        "container": api.inspect_container,
        "image": api.inspect_image,
        "volume": api.inspect_volume,
        "network": api.inspect_network,
    }
    return calls[kind](object_id)


def find_all(text: str, needle: str) -> list[int]:
    """Offsets of every case-insensitive occurrence of ``needle``."""
    if not needle:
        return []
    haystack, needle = text.lower(), needle.lower()
    offsets, start = [], haystack.find(needle)
    while start != -1:
        offsets.append(start)
        start = haystack.find(needle, start + 1)
    return offsets


class InspectScreen(WorkerErrors, Screen):
    BINDINGS = [
        Binding("escape", "back", "Back", id="inspect.back"),
        Binding("slash", "search", "Search", id="inspect.search"),
        Binding("n", "next_match", "Next", id="inspect.next_match"),
        Binding("N", "previous_match", "Previous", id="inspect.previous_match"),
    ]

    def __init__(self, kind: str, object_id: str, name: str) -> None:
        super().__init__()
        self.kind, self.object_id, self.object_name = kind, object_id, name
        self.text = ""
        self.matches: list[int] = []
        self.match_index = -1

    def compose(self) -> ComposeResult:
        yield Static(Text(f" inspect {self.kind} {safe_text(self.object_name)} ", style="bold reverse"), id="inspect-title")
        yield TextArea("loading…", read_only=True, show_line_numbers=True, soft_wrap=False, id="inspect-text")
        yield Input(placeholder="search (enter: find, escape: close)", id="inspect-search")
        yield Static("", id="inspect-status")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#inspect-search").display = False
        self.query_one(TextArea).focus()
        self.load()

    @work(thread=True, exit_on_error=False, name="inspect")
    def load(self) -> None:
        payload = inspect_object(self.app.service.api, self.kind, self.object_id)  # type: ignore[attr-defined]
        text = json.dumps(payload, indent=2, sort_keys=False, ensure_ascii=False)
        self.app.call_from_thread(self._show, text)

    def _show(self, text: str) -> None:
        self.text = text
        self.query_one(TextArea).load_text(text)

    def action_back(self) -> None:
        search = self.query_one("#inspect-search", Input)
        if search.display:
            search.display = False
            self.query_one(TextArea).focus()
        else:
            self.app.pop_screen()

    def action_search(self) -> None:
        search = self.query_one("#inspect-search", Input)
        search.display = True
        search.focus()

    @on(Input.Submitted, "#inspect-search")
    def _search_submitted(self, event: Input.Submitted) -> None:
        self.matches = find_all(self.text, event.value)
        self.match_index = -1
        event.input.display = False
        self.query_one(TextArea).focus()
        if not self.matches:
            self._set_status_text(f"No match for {event.value!r}")
            return
        self.action_next_match()

    def _set_status_text(self, text: str) -> None:
        self.query_one("#inspect-status", Static).update(Text(text))

    def _goto(self, index: int) -> None:
        area = self.query_one(TextArea)
        offset = self.matches[index]
        length = len(self.query_one("#inspect-search", Input).value)
        start = area.document.get_location_from_index(offset) if hasattr(area.document, "get_location_from_index") else None
        if start is None:
            before = self.text[:offset]
            row = before.count("\n")
            start = (row, offset - (before.rfind("\n") + 1))
        area.selection = Selection(start, (start[0], start[1] + length))
        area.scroll_cursor_visible(center=True)
        self._set_status_text(f"match {index + 1} of {len(self.matches)}")

    def action_next_match(self) -> None:
        if self.matches:
            self.match_index = (self.match_index + 1) % len(self.matches)
            self._goto(self.match_index)

    def action_previous_match(self) -> None:
        if self.matches:
            self.match_index = (self.match_index - 1) % len(self.matches)
            self._goto(self.match_index)
