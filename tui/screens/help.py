"""``?``: every binding of every screen and pane, from their BINDINGS."""

from __future__ import annotations

from collections.abc import Mapping

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static


def help_sections() -> list[tuple[str, list[type]]]:
    """Which classes' bindings are shown, under which heading."""
    from tui.app import DtuiApp
    from tui.panes.base import ResourcePane
    from tui.panes.registry import pane_classes
    from tui.screens.details import ContainerDetailsScreen
    from tui.screens.inspect import InspectScreen
    from tui.screens.main import MainScreen

    sections: list[tuple[str, list[type]]] = [("Everywhere", [DtuiApp]), ("Main screen", [MainScreen]), ("Every list", [ResourcePane])]
    sections += [(f"{pane.title} pane", [pane]) for pane in pane_classes()]
    sections += [("Container details", [ContainerDetailsScreen]), ("Inspect", [InspectScreen])]
    extra: dict[str, list[type]] = {}
    for title, module, name in EXTRA_SCREENS:
        try:
            imported = __import__(module, fromlist=[name])
            extra.setdefault(title, []).append(getattr(imported, name))
        except (ImportError, AttributeError):
            continue
    return sections + list(extra.items())


#: Screens opened from the ones above, imported only when help is shown so
#: that ``?`` lists their keys before they were ever opened: (heading,
#: module, class). Classes under one heading share its section.
EXTRA_SCREENS: list[tuple[str, str, str]] = [
    ("Logs", "tui.screens.logs", "LogScreen"),
    ("Logs", "tui.widgets.log_view", "LogView"),
    ("Terminal", "tui.screens.terminal", "TerminalScreen"),
]

EXTRA_LINES = [
    ("Everywhere", ":", "Command palette"),
    ("Terminal", "ctrl+p ctrl+q", "Detach (or your detachKeys); the container keeps running"),
]


def own_bindings(cls: type) -> list[Binding]:
    items: list[BindingType] = list(cls.__dict__.get("BINDINGS", []))
    return [b for b in items if isinstance(b, Binding)]


def _key_label(key: str) -> str:
    names = {"slash": "/", "question_mark": "?", "colon": ":", "escape": "esc", "enter": "enter"}
    return ", ".join(names.get(k.strip(), k.strip()) for k in key.split(","))


def help_table(overrides: Mapping[str, str] | None = None) -> Table:
    """Every binding; ``overrides`` (binding id -> key, the settings file's
    [keys]) replace the keys they name."""
    overrides = overrides or {}
    table = Table(box=None, padding=(0, 2), show_header=False, expand=True)
    table.add_column("key", style="bold cyan", no_wrap=True, width=16)
    table.add_column("does")
    for title, classes in help_sections():
        table.add_row(Text(title, style="bold underline"), "")
        seen: set[str] = set()
        for cls in classes:
            for binding in own_bindings(cls):
                label = _key_label(overrides.get(binding.id, binding.key) if binding.id else binding.key)
                if label in seen or not binding.description:
                    continue
                seen.add(label)
                table.add_row(label, binding.description)
        for section, key, does in EXTRA_LINES:
            if section == title:
                table.add_row(key, does)
        table.add_row("", "")
    return table


class HelpScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,q,question_mark", "app.pop_screen", "Close", id="help.close")]

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-box"):
            yield Static(Text("dtui keys  (escape closes)", style="bold"), id="help-title")
            yield Static(help_table(getattr(self.app, "key_overrides", None)), id="help-table")

    def on_mount(self) -> None:
        self.query_one("#help-box").focus()
