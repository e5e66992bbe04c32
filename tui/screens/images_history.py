"""``docker history``: an image's layers, newest first — the read-only
layers a container's writable layer sits on."""

from __future__ import annotations

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Static

from tui.docker import images as image_ops
from tui.docker.models import ImageLayer, ImageRow
from tui.presentation import human_size, layer_command, safe_text, short_id, time_ago
from tui.widgets.key_footer import KeyFooter
from tui.workers import WorkerErrors


class ImageHistoryScreen(WorkerErrors, Screen):
    BINDINGS = [
        Binding("escape", "back", "Back", id="image_history.back"),
        Binding("i", "inspect", "Inspect", id="image_history.inspect"),
    ]

    def __init__(self, image: ImageRow) -> None:
        super().__init__(classes="image-history")
        self.image = image
        self.image_layers: list[ImageLayer] = []

    def compose(self) -> ComposeResult:
        name = self.image.reference if not self.image.dangling else self.image.short_id
        yield Static(Text(f" history of {safe_text(name)} ", style="bold reverse"), classes="progress-title")
        yield DataTable(cursor_type="row", id="history-table")
        yield Static(Text("loading…", style="dim"), id="history-status")
        yield KeyFooter()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_column("IMAGE", key="id", width=12)
        table.add_column("CREATED", key="created", width=16)
        table.add_column("CREATED BY", key="by", width=max(20, self.app.size.width - 12 - 16 - 8 - 24 - 12))
        table.add_column("SIZE", key="size", width=8)
        table.add_column("COMMENT", key="comment", width=24)
        table.focus()
        self.load()

    @work(thread=True, exit_on_error=False, name="image history")
    def load(self) -> None:
        layers = image_ops.history(self.app.service.api, self.image.id)  # type: ignore[attr-defined]
        self.app.call_from_thread(self._show, layers)

    def _show(self, layers: list[ImageLayer]) -> None:
        self.image_layers = layers
        table = self.query_one(DataTable)
        for index, layer in enumerate(layers):
            layer_id = short_id(layer.id) if layer.id and layer.id != "<missing>" else "<missing>"
            table.add_row(
                Text(layer_id, style="dim" if layer_id == "<missing>" else ""),
                Text(time_ago(layer.created)),
                Text(safe_text(layer_command(layer.created_by))),
                Text(human_size(layer.size)),
                Text(safe_text(layer.comment), style="dim"),
                key=str(index),
            )
        total = sum(layer.size for layer in layers)
        self.query_one("#history-status", Static).update(
            Text(f"{len(layers)} layer{'s' if len(layers) != 1 else ''} · {human_size(total)} · read-only; a container adds its own writable layer on top", style="dim")
        )

    def action_inspect(self) -> None:
        self.app.show_inspect("image", self.image.id, self.image.reference)  # type: ignore[attr-defined]

    def action_back(self) -> None:
        self.app.pop_screen()
