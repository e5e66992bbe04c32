"""Live views of long image streams: pull/push with a progress bar per layer
and an overall line, and build with its output as it comes.

Each screen owns one :class:`StreamControl`; escape or leaving the screen
shuts the stream's socket, so the daemon stops and no thread lingers.
"""

from __future__ import annotations

import time
from collections import deque
from typing import Any

from rich.progress_bar import ProgressBar
from rich.table import Table
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import RichLog, Static

from tui.docker import images as image_ops
from tui.docker.ansi import sanitize
from tui.docker.errors import describe_error
from tui.docker.models import LayerProgress
from tui.presentation import safe_text, transfer_line
from tui.widgets.key_footer import KeyFooter
from tui.workers import WorkerErrors

#: progress redraws per second, whatever rate the daemon reports at
FRAME_SECONDS = 0.1
BUILD_LOG_LINES = 5000
PARTIAL_LINE_MAX = 10_000


def layer_table(layers: tuple[LayerProgress, ...], width: int = 100) -> Table:
    """One row per layer: id, status, bar, bytes."""
    table = Table.grid(padding=(0, 1))
    table.add_column(no_wrap=True, width=12)
    table.add_column(no_wrap=True, width=20)
    table.add_column(no_wrap=True)
    table.add_column(no_wrap=True)
    bar_width = max(10, min(40, width - 12 - 20 - 22 - 4))
    for layer in layers:
        style = "green" if layer.done else "yellow"
        if layer.total:
            bar: Any = ProgressBar(total=layer.total, completed=min(layer.current, layer.total), width=bar_width)
        elif layer.done:
            bar = ProgressBar(total=1, completed=1, width=bar_width)
        else:
            bar = Text("")
        table.add_row(Text(layer.id, style="bold"), Text(safe_text(layer.status), style=style), bar, Text(transfer_line(layer.current, layer.total), style="dim"))
    return table


class TransferScreen(WorkerErrors, Screen):
    """``docker pull`` / ``docker push`` progress."""

    BINDINGS = [Binding("escape", "back", "Cancel / back", id="transfer.back")]

    def __init__(self, kind: str, reference: str) -> None:
        super().__init__(classes="image-progress")
        self.kind = kind  # "pull" or "push"
        self.reference = reference
        self.control = image_ops.StreamControl()
        self.snapshot: image_ops.TransferSnapshot | None = None
        self.outcome = ""  # "", "done", "failed"
        self.error = ""
        self._last_frame = 0.0

    def compose(self) -> ComposeResult:
        verb = "Pulling" if self.kind == "pull" else "Pushing"
        yield Static(Text(f" {verb} {safe_text(self.reference)} ", style="bold reverse"), classes="progress-title")
        yield Static(Text("contacting the registry…", style="yellow"), id="transfer-overall")
        yield ProgressBarStatic(id="transfer-bar")
        with VerticalScroll(id="transfer-layers-box"):
            yield Static("", id="transfer-layers")
        yield Static("", id="transfer-messages")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.transfer()

    @work(thread=True, exit_on_error=False, name="transfer")
    def transfer(self) -> None:
        call = image_ops.pull if self.kind == "pull" else image_ops.push
        try:
            final = call(self.app.service.patient_api, self.reference, self.control, self._progress)  # type: ignore[attr-defined]
        except image_ops.StreamCancelled:
            return
        except Exception as exc:  # unknown image, registry down, auth: shown here
            if not self.control.cancelled:
                message = describe_error(exc)
                # a refusal from the daemon itself is not about the registry
                if getattr(exc, "response", None) is not None:
                    message = image_ops.explain_registry_error(message)
                self.app.call_from_thread(self._failed, message)
            return
        if not self.control.cancelled:
            self.app.call_from_thread(self._finished, final)

    def _progress(self, snapshot: image_ops.TransferSnapshot) -> None:
        now = time.monotonic()
        if now - self._last_frame >= FRAME_SECONDS and not self.control.cancelled:
            self._last_frame = now
            self.app.call_from_thread(self._show, snapshot)

    def _show(self, snapshot: image_ops.TransferSnapshot) -> None:
        self.snapshot = snapshot
        total = len(snapshot.layers)
        line = Text()
        line.append(f"{snapshot.layers_done}/{total} layers", style="bold")
        if snapshot.bytes_total:
            line.append(f"  {transfer_line(snapshot.bytes_done, snapshot.bytes_total)}")
        line.append(f"  {snapshot.fraction * 100:.0f}%")
        self.query_one("#transfer-overall", Static).update(line)
        self.query_one("#transfer-bar", ProgressBarStatic).set_fraction(snapshot.fraction)
        self.query_one("#transfer-layers", Static).update(layer_table(snapshot.layers, self.size.width))
        self.query_one("#transfer-messages", Static).update(Text("\n".join(safe_text(m) for m in snapshot.messages[-6:]), style="dim"))

    def _finished(self, snapshot: image_ops.TransferSnapshot) -> None:
        self._show(snapshot)
        if snapshot.error:
            self._failed(image_ops.explain_registry_error(snapshot.error))
            return
        self.outcome = "done"
        verb = "Pulled" if self.kind == "pull" else "Pushed"
        self.query_one("#transfer-bar", ProgressBarStatic).set_fraction(1.0)
        self.query_one("#transfer-overall", Static).update(
            Text.assemble((f"✔ {verb} {safe_text(self.reference)}", "bold green"), (f"  {len(snapshot.layers)} layers · {transfer_line(snapshot.bytes_done, snapshot.bytes_total) or 'nothing to transfer'} · escape: back", "dim"))
        )

    def _failed(self, message: str) -> None:
        self.outcome = "failed"
        self.error = message
        verb = "Pull" if self.kind == "pull" else "Push"
        self.query_one("#transfer-overall", Static).update(
            Text.assemble((f"✘ {verb} of {safe_text(self.reference)} failed: ", "bold red"), (safe_text(message), "red"), ("  · escape: back", "dim"))
        )

    def action_back(self) -> None:
        self.control.cancel()
        if not self.outcome:
            verb = "Pull" if self.kind == "pull" else "Push"
            self.app.notify(f"{verb} of {self.reference} cancelled.", timeout=3, markup=False)
        self.app.pop_screen()

    def on_unmount(self) -> None:
        self.control.cancel()


class ProgressBarStatic(Static):
    """A full-width overall progress bar drawn by Rich."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__("", **kwargs)
        self.fraction = 0.0

    def set_fraction(self, fraction: float) -> None:
        self.fraction = fraction
        self.refresh()

    def render(self) -> Any:
        return ProgressBar(total=1000, completed=int(self.fraction * 1000), width=max(10, self.size.width - 2))


class BuildScreen(WorkerErrors, Screen):
    """``docker build`` output, live; a failure names the step that failed."""

    BINDINGS = [Binding("escape", "back", "Cancel / back", id="build.back")]

    def __init__(self, request: image_ops.BuildRequest) -> None:
        super().__init__(classes="image-progress")
        self.request = request
        self.control = image_ops.StreamControl()
        self.outcome: image_ops.BuildOutcome | None = None
        self.error = ""
        # filled by the build thread, drained on the UI's frame timer
        self._pending: deque[str] = deque()
        self._partial = ""

    def compose(self) -> ComposeResult:
        title = f" Building {safe_text(self.request.tag or '(untagged)')} from {safe_text(self.request.context)} "
        yield Static(Text(title, style="bold reverse"), classes="progress-title")
        yield RichLog(max_lines=BUILD_LOG_LINES, wrap=True, markup=False, highlight=False, id="build-log")
        yield Static(Text("sending the build context…", style="yellow"), id="build-status")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.set_interval(FRAME_SECONDS, self._flush)
        self.build()

    @work(thread=True, exit_on_error=False, name="build")
    def build(self) -> None:
        try:
            outcome = image_ops.build(self.app.service.patient_api, self.request, self.control, self._output)  # type: ignore[attr-defined]
        except image_ops.StreamCancelled:
            return
        except Exception as exc:  # bad context, daemon refusal: shown here
            if not self.control.cancelled:
                self.app.call_from_thread(self._done, None, describe_error(exc))
            return
        if not self.control.cancelled:
            self.app.call_from_thread(self._done, outcome, "")

    def _output(self, text: str) -> None:
        self._pending.append(text)

    def _flush(self) -> None:
        if not self._pending:
            return
        chunks = []
        while self._pending:
            chunks.append(self._pending.popleft())
        text = self._partial + "".join(chunks)
        lines = text.split("\n")
        self._partial = lines.pop()
        if len(self._partial) > PARTIAL_LINE_MAX:
            # output that never ends its line must not grow without bound
            lines.append(self._partial)
            self._partial = ""
        log = self.query_one(RichLog)
        for line in lines:
            log.write(Text.from_ansi(sanitize(line)))
        current = next((line for line in reversed(lines) if line.startswith("Step ")), "")
        if current:
            self.query_one("#build-status", Static).update(Text(f"building… {safe_text(current)}", style="yellow"))

    def _done(self, outcome: image_ops.BuildOutcome | None, error: str) -> None:
        self._flush()
        if self._partial:
            self.query_one(RichLog).write(Text.from_ansi(sanitize(self._partial)))
            self._partial = ""
        self.outcome = outcome
        status = self.query_one("#build-status", Static)
        if outcome is not None and not outcome.error and not error:
            name = self.request.tag or outcome.image_id[:19]
            status.update(Text.assemble((f"✔ Built {safe_text(name)}", "bold green"), (f"  {outcome.image_id[:19]} · escape: back", "dim")))
            return
        self.error = (outcome.error if outcome is not None else "") or error
        text = Text("✘ Build failed", style="bold red")
        if outcome is not None and outcome.step:
            text.append(f" at {safe_text(outcome.step)}", style="bold red")
        text.append(f": {safe_text(self.error)}", style="red")
        text.append("  · escape: back", style="dim")
        status.update(text)

    def action_back(self) -> None:
        self.control.cancel()
        if self.outcome is None and not self.error:
            self.app.notify("Build cancelled.", timeout=3, markup=False)
        self.app.pop_screen()

    def on_unmount(self) -> None:
        self.control.cancel()
