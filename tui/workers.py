"""Routing every worker failure to the app's one error handler.

Textual's ``Worker.StateChanged`` does not bubble, so each widget or screen
that starts workers mixes this in; the app decides how errors are shown.
"""

from __future__ import annotations

from textual.worker import Worker, WorkerState


class WorkerErrors:
    """Mixin for DOM nodes: forwards failed workers to ``app.report_worker_error``."""

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state == WorkerState.ERROR:
            event.stop()
            self.app.report_worker_error(event.worker)  # type: ignore[attr-defined]
