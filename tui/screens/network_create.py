"""``n`` on the Networks pane: name, driver, subnet, gateway, internal."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.suggester import SuggestFromList
from textual.widgets import Checkbox, Input, Label, Static

from tui.docker.errors import InvalidInput
from tui.docker.networks import DRIVERS, validate_network


@dataclass(frozen=True)
class NetworkRequest:
    name: str
    driver: str
    subnet: str
    gateway: str
    internal: bool


class InternalCheckbox(Checkbox):
    """The form's last field: space toggles, enter submits like the other fields."""

    BINDINGS = [Binding("enter", "submit_form", "Create", show=False, id="network_create.submit_form")]

    def action_submit_form(self) -> None:
        self.screen.action_submit()  # type: ignore[attr-defined]


class NetworkCreateScreen(ModalScreen["NetworkRequest | None"]):
    """Dismisses with a validated request, or None on escape."""

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="network_create.cancel"),
        Binding("ctrl+s", "submit", "Create", id="network_create.submit"),
    ]

    def compose(self) -> ComposeResult:
        with Vertical(id="network-form", classes="dtui-form"):
            yield Static(Text("Create network", style="bold"), classes="form-title")
            yield Label("Name")
            yield Input(placeholder="e.g. backend", id="network-name")
            yield Label(f"Driver ({', '.join(DRIVERS)})")
            yield Input(value="bridge", suggester=SuggestFromList(DRIVERS), id="network-driver")
            yield Label("Subnet (CIDR, empty: the daemon picks one)")
            yield Input(placeholder="e.g. 172.28.0.0/16", id="network-subnet")
            yield Label("Gateway (empty: first address of the subnet)")
            yield Input(placeholder="e.g. 172.28.0.1", id="network-gateway")
            yield InternalCheckbox("Internal (no access to outside networks)", compact=True, id="network-internal")
            yield Static("", id="network-error", classes="form-error")
            yield Static(Text.assemble(("enter", "bold"), " next / create   ", ("space", "bold"), " toggle   ", ("ctrl+s", "bold"), " create   ", ("escape", "bold"), " cancel"), classes="form-keys")

    def on_mount(self) -> None:
        self.query_one("#network-name", Input).focus()

    @on(Input.Submitted)
    def _next(self, event: Input.Submitted) -> None:
        event.stop()
        self.focus_next()

    def request(self) -> NetworkRequest:
        """The form as a request; raises InvalidInput with the reason."""
        name, driver, subnet, gateway = validate_network(
            self.query_one("#network-name", Input).value,
            self.query_one("#network-driver", Input).value,
            self.query_one("#network-subnet", Input).value,
            self.query_one("#network-gateway", Input).value,
        )
        return NetworkRequest(name, driver, subnet, gateway, self.query_one("#network-internal", Checkbox).value)

    def action_submit(self) -> None:
        try:
            request = self.request()
        except InvalidInput as exc:
            self.query_one("#network-error", Static).update(Text(str(exc), style="bold red"))
            return
        self.dismiss(request)

    def action_cancel(self) -> None:
        self.dismiss(None)
