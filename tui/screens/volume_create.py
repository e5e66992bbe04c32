"""``n`` on the Volumes pane: name, driver and labels of a new volume."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Static

from tui.docker.errors import InvalidInput
from tui.docker.volumes import parse_labels, validate_volume_name


@dataclass(frozen=True)
class VolumeRequest:
    name: str
    driver: str
    labels: dict[str, str]


class VolumeCreateScreen(ModalScreen["VolumeRequest | None"]):
    """Dismisses with a validated request, or None on escape."""

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="volume_create.cancel"),
        Binding("ctrl+s", "submit", "Create", id="volume_create.submit"),
    ]

    def compose(self) -> ComposeResult:
        with Vertical(id="volume-form", classes="dtui-form"):
            yield Static(Text("Create volume", style="bold"), classes="form-title")
            yield Label("Name (empty: the daemon picks one)")
            yield Input(placeholder="e.g. app-data", id="volume-name")
            yield Label("Driver")
            yield Input(value="local", id="volume-driver")
            yield Label("Labels (key=value, comma separated)")
            yield Input(placeholder="e.g. tier=db, owner=me", id="volume-labels")
            yield Static("", id="volume-error", classes="form-error")
            yield Static(Text.assemble(("enter", "bold"), " next / create   ", ("ctrl+s", "bold"), " create   ", ("escape", "bold"), " cancel"), classes="form-keys")

    def on_mount(self) -> None:
        self.query_one("#volume-name", Input).focus()

    @on(Input.Submitted)
    def _next(self, event: Input.Submitted) -> None:
        event.stop()
        if event.input.id == "volume-labels":
            self.action_submit()
        else:
            self.focus_next()

    def request(self) -> VolumeRequest:
        """The form as a request; raises InvalidInput with the reason."""
        name = validate_volume_name(self.query_one("#volume-name", Input).value)
        driver = self.query_one("#volume-driver", Input).value.strip() or "local"
        labels = parse_labels(self.query_one("#volume-labels", Input).value)
        return VolumeRequest(name, driver, labels)

    def action_submit(self) -> None:
        try:
            request = self.request()
        except InvalidInput as exc:
            self.query_one("#volume-error", Static).update(Text(str(exc), style="bold red"))
            return
        self.dismiss(request)

    def action_cancel(self) -> None:
        self.dismiss(None)
