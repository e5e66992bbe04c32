"""Choosing a container to connect to, or disconnect from, a network."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from tui.presentation import safe_text


class ContainerPickScreen(ModalScreen["str | None"]):
    """A filterable list of (id, label); dismisses with the chosen id."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="container_pick.cancel")]

    def __init__(self, title: str, choices: list[tuple[str, str]]) -> None:
        super().__init__()
        self._title = title
        self._choices = choices

    def compose(self) -> ComposeResult:
        with Vertical(id="pick-box", classes="dtui-form"):
            yield Static(Text(self._title, style="bold"), classes="form-title")
            yield Input(placeholder="type to narrow", id="pick-filter")
            yield OptionList(id="pick-list")
            yield Static(Text.assemble(("↑↓", "bold"), " choose   ", ("enter", "bold"), " pick   ", ("escape", "bold"), " cancel"), classes="form-keys")

    def on_mount(self) -> None:
        self._fill("")
        self.query_one("#pick-filter", Input).focus()

    def _fill(self, needle: str) -> None:
        options = self.query_one(OptionList)
        options.clear_options()
        needle = needle.lower()
        options.add_options(
            [Option(Text(safe_text(label)), id=key) for key, label in self._choices if needle in label.lower()]
        )
        if options.option_count:
            options.highlighted = 0

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        self._fill(event.value)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        options = self.query_one(OptionList)
        if options.highlighted is not None:
            self.dismiss(options.get_option_at_index(options.highlighted).id)

    def on_key(self, event) -> None:
        # arrows move the list while typing goes to the filter
        if event.key in ("up", "down") and self.focused is self.query_one("#pick-filter"):
            event.stop()
            options = self.query_one(OptionList)
            if event.key == "down":
                options.action_cursor_down()
            else:
                options.action_cursor_up()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        self.dismiss(None)
