"""The main screen: a status line, the pane tabs, the active pane, the footer."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import ContentSwitcher, Footer, Static

from tui.panes.registry import pane_classes


class MainScreen(Screen):
    BINDINGS = [
        Binding("q", "app.quit", "Quit", id="main.quit"),
        Binding("tab", "next_pane", "Next pane", show=False, id="main.next_pane"),
        Binding("shift+tab", "previous_pane", "Previous pane", show=False, id="main.previous_pane"),
        *[Binding(str(n), f"show_pane({n - 1})", f"Pane {n}", show=False, id=f"main.pane_{n}") for n in range(1, 10)],
    ]

    def __init__(self) -> None:
        super().__init__(id="main")
        self._pane_types = pane_classes()

    def compose(self) -> ComposeResult:
        yield Static(id="topbar")
        yield Static(id="tabs")
        with ContentSwitcher(initial=f"pane-{self._pane_types[0].pane_id}", id="panes"):
            for pane_type in self._pane_types:
                yield pane_type()
        yield Footer()

    def on_mount(self) -> None:
        self.update_status()
        self._render_tabs()
        self.active_pane.focus_table()

    @property
    def panes(self) -> list[Any]:
        """The pane widgets; each has pane_id, title, focus_table(),
        mark_dirty() and on_daemon_event(event)."""
        return list(self.query(".pane").results())

    @property
    def active_pane(self) -> Any:
        switcher = self.query_one(ContentSwitcher)
        return self.query_one(f"#{switcher.current}")

    def update_status(self) -> None:
        # the daemon can answer before this screen has composed its top bar;
        # on_mount draws it then
        for topbar in self.query("#topbar").results(Static):
            topbar.update(self.app.status_line())  # type: ignore[attr-defined]

    def _render_tabs(self) -> None:
        current = self.query_one(ContentSwitcher).current
        text = Text()
        for number, pane_type in enumerate(self._pane_types, start=1):
            active = current == f"pane-{pane_type.pane_id}"
            label = f" {number} {pane_type.title} "
            text.append(label, style="bold reverse" if active else "dim")
            text.append(" ")
        self.query_one("#tabs", Static).update(text)

    def action_show_pane(self, index: int) -> None:
        if not 0 <= index < len(self._pane_types):
            return
        switcher = self.query_one(ContentSwitcher)
        switcher.current = f"pane-{self._pane_types[index].pane_id}"
        self._render_tabs()
        self.active_pane.focus_table()

    def _step(self, delta: int) -> None:
        ids = [f"pane-{p.pane_id}" for p in self._pane_types]
        current = ids.index(self.query_one(ContentSwitcher).current or ids[0])
        self.action_show_pane((current + delta) % len(ids))

    def action_next_pane(self) -> None:
        self._step(1)

    def action_previous_pane(self) -> None:
        self._step(-1)
