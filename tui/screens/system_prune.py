"""``P`` on the System pane: what ``docker system prune`` will delete, an
option to include volumes, and an explicit yes."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static

from tui.docker.system import system_prune_statement


class SystemPruneScreen(ModalScreen["bool | None"]):
    """Dismisses with whether to include volumes, or None when cancelled."""

    BINDINGS = [
        Binding("y", "answer(True)", "Prune", id="system_prune.yes"),
        Binding("n", "answer(False)", "Cancel", id="system_prune.no"),
        Binding("escape", "answer(False)", "Cancel", show=False, id="system_prune.cancel"),
        Binding("v", "toggle_volumes", "Include volumes", id="system_prune.toggle_volumes"),
    ]

    def __init__(self, api_version: str) -> None:
        super().__init__()
        self.api_version = api_version
        self.volumes = False

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm-box", classes="danger"):
            yield Static(Text("Prune the system? This cannot be undone.", style="bold"), id="confirm-title")
            yield Static(id="prune-statement")
            yield Static(id="prune-volumes")
            yield Static(Text.assemble(("y", "bold"), " prune   ", ("v", "bold"), " include volumes   ", ("n", "bold"), "/escape cancel"), id="confirm-keys")

    def on_mount(self) -> None:
        self._render_statement()

    def statement(self) -> Text:
        text = Text("This will remove:")
        for line in system_prune_statement(self.api_version, volumes=self.volumes):
            style = "bold red" if "volumes" in line else ""
            text.append(f"\n  - {line}", style=style)
        return text

    def _render_statement(self) -> None:
        self.query_one("#prune-statement", Static).update(self.statement())
        mark = "[x]" if self.volumes else "[ ]"
        self.query_one("#prune-volumes", Static).update(
            Text(f"{mark} also delete unused volumes and their data (v)", style="bold red" if self.volumes else "dim")
        )

    def action_toggle_volumes(self) -> None:
        self.volumes = not self.volumes
        self._render_statement()

    def action_answer(self, yes: bool) -> None:
        self.dismiss(self.volumes if yes else None)
