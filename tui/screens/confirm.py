"""A yes/no question before anything destructive happens."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static


class ConfirmScreen(ModalScreen[bool]):
    """Dismisses with True only on an explicit yes."""

    BINDINGS = [
        Binding("y", "answer(True)", "Yes", id="confirm.yes"),
        Binding("n", "answer(False)", "No", id="confirm.no"),
        Binding("escape", "answer(False)", "Cancel", id="confirm.cancel"),
    ]

    def __init__(self, title: str, body: str | Text = "", *, danger: bool = True) -> None:
        super().__init__()
        self._title = title
        self._body = body
        self._danger = danger

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm-box", classes="danger" if self._danger else ""):
            yield Static(Text(self._title, style="bold"), id="confirm-title")
            if self._body:
                yield Static(self._body if isinstance(self._body, Text) else Text(self._body), id="confirm-body")
            yield Static(Text.assemble(("y", "bold"), " yes   ", ("n", "bold"), "/escape no"), id="confirm-keys")

    def action_answer(self, answer: bool) -> None:
        self.dismiss(answer)
