"""The dtui application: owns the Docker service, the event stream, the one
error handler and the operations every pane and screen asks for.

``create_app`` is the factory used by the command line and by the tests.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from rich.text import Text
from textual.app import App, SystemCommand
from textual.screen import Screen
from textual.binding import Binding
from textual.worker import Worker, WorkerState

from tui.docker import containers as ops
from tui.docker.client import DockerService, Endpoint
from tui.docker.errors import describe_error, is_connection_problem
from tui.docker.events import EventStream
from tui.docker.models import ContainerRow
from tui.messages import DaemonConnection, DaemonEventReceived, TaskFinished
from tui.presentation import safe_text


class DtuiApp(App[int]):
    """Keyboard-driven Docker UI."""

    CSS_PATH = [Path(__file__).parent / "styles" / "app.tcss", Path(__file__).parent / "styles" / "system.tcss", Path(__file__).parent / "styles" / "terminal.tcss", Path(__file__).parent / "styles" / "logs.tcss", Path(__file__).parent / "styles" / "images.tcss"]
    TITLE = "dtui"
    # ':' opens the palette; ctrl+p belongs to the container in the terminal view
    COMMAND_PALETTE_BINDING = "colon"
    # No app-wide ctrl+q / ctrl+c: inside the embedded terminal they are the
    # container's keys (ctrl+c interrupts there, ctrl+p ctrl+q detaches).
    BINDINGS = [
        Binding("question_mark", "help", "Help"),
        Binding("ctrl+c", "quit", "Quit", show=False),
    ]

    def __init__(self, service: DockerService, *, read_only: bool = False, start_event_stream: bool = True) -> None:
        super().__init__()
        self.service = service
        self.read_only = read_only
        self.connected: bool | None = None
        self.disconnect_reason = ""
        self.engine_summary = ""
        self._event_stream: EventStream | None = None
        self._start_event_stream = start_event_stream
        self._tasks: dict[str, float] = {}
        from tui.stats_feed import StatsFeed

        #: the one stats sampler; panes that show stats register with it
        self.stats_feed = StatsFeed(self)

    @property
    def endpoint(self) -> Endpoint:
        return self.service.endpoint

    # --- lifecycle -------------------------------------------------------
    def on_mount(self) -> None:
        from tui.screens.main import MainScreen

        self.push_screen(MainScreen())
        self.stats_feed.start()
        if self._start_event_stream:
            self._event_stream = EventStream(
                self.service,
                on_event=lambda event: self.post_message(DaemonEventReceived(event)),
                on_connected=lambda: self.post_message(DaemonConnection(True)),
                on_disconnected=lambda reason: self.post_message(DaemonConnection(False, reason)),
            )
            self._event_stream.start()

    def on_unmount(self) -> None:
        if self._event_stream is not None:
            self._event_stream.stop()
        self.stats_feed.close()

    def action_quit(self) -> None:  # type: ignore[override]
        self.exit(0)

    # --- daemon state ----------------------------------------------------
    def on_daemon_connection(self, message: DaemonConnection) -> None:
        was = self.connected
        self.connected = message.connected
        self.disconnect_reason = message.reason
        if message.connected:
            self._load_engine_summary()
            for pane in self._panes():
                pane.mark_dirty()
            if was is False:
                self.notify("Reconnected to the Docker daemon.", timeout=3)
        for pane in self._panes():
            update = getattr(pane, "_update_status", None)
            if update is not None:
                update()
        self._refresh_status()

    def on_daemon_event_received(self, message: DaemonEventReceived) -> None:
        for pane in self._panes():
            pane.on_daemon_event(message.event)
        for screen in self.screen_stack:
            handler = getattr(screen, "on_docker_event", None)
            if handler is not None:
                handler(message.event)

    def _panes(self) -> list[Any]:
        """Every main-screen pane (they carry the ``pane`` class)."""
        from tui.screens.main import MainScreen

        return [pane for screen in self.screen_stack if isinstance(screen, MainScreen) for pane in screen.panes]

    def _load_engine_summary(self) -> None:
        def load() -> str:
            version = self.service.api.version()
            return f"Engine {version.get('Version', '?')} · API {self.service.api.api_version}"

        self.run_task("daemon version", load, on_result=self._set_engine_summary, quiet=True)

    def _set_engine_summary(self, summary: str) -> None:
        self.engine_summary = summary
        self._refresh_status()

    def _refresh_status(self) -> None:
        from tui.screens.main import MainScreen

        for screen in self.screen_stack:
            if isinstance(screen, MainScreen):
                screen.update_status()

    def status_line(self) -> Text:
        # the connection state comes first: a long host must not push it off
        text = Text()
        text.append(" dtui ", style="bold reverse")
        text.append(" ")
        if self.connected is None:
            text.append("connecting…", style="yellow")
        elif self.connected:
            text.append("● connected", style="green")
        else:
            text.append("● disconnected: ", style="bold red")
            text.append(safe_text(self.disconnect_reason), style="red")
            text.append(" — retrying", style="dim")
        if self.read_only:
            text.append("  [read-only]", style="bold yellow")
        if self._tasks:
            text.append("  ⏳ " + ", ".join(self._tasks), style="yellow")
        text.append("  ")
        text.append(safe_text(self.endpoint.host), style="bold")
        if self.endpoint.source not in ("default",):
            text.append(f" ({self.endpoint.source})", style="dim")
        if self.connected and self.engine_summary:
            text.append(f"  {self.engine_summary}", style="dim")
        return text

    # --- the one error handler -------------------------------------------
    def report_worker_error(self, worker: Worker) -> None:
        error = worker.error
        if error is None:
            return
        if is_connection_problem(error):
            # the event stream owns the connected/disconnected state
            self.service.reset()
            self.notify(f"{worker.name}: {describe_error(error)}", title="Docker daemon unreachable", severity="error", timeout=5, markup=False)
            return
        self.notify(f"{describe_error(error)}", title=worker.name or "Error", severity="error", timeout=8, markup=False)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        worker = event.worker
        if worker.group != "tasks":
            if event.state == WorkerState.ERROR:
                self.report_worker_error(worker)
            return
        if event.state in (WorkerState.SUCCESS, WorkerState.ERROR, WorkerState.CANCELLED):
            self._tasks.pop(worker.name, None)
            self._refresh_status()
        if event.state == WorkerState.ERROR:
            self.report_worker_error(worker)

    # --- tasks: user-started daemon operations ---------------------------
    def run_task(
        self,
        label: str,
        call: Callable[..., Any],
        *args: Any,
        success: str | Callable[[Any], str] | None = None,
        on_result: Callable[[Any], None] | None = None,
        quiet: bool = False,
    ) -> Worker:
        """Run a blocking call on a thread; show progress, then result or error."""

        def work() -> Any:
            result = call(*args)
            self.post_message(TaskFinished(label, result))
            if on_result is not None:
                self.call_from_thread(on_result, result)
            if success is not None:
                text = success(result) if callable(success) else success
                if text:
                    self.call_from_thread(self.notify, text, timeout=4, markup=False)
            return result

        if not quiet:
            self._tasks[label] = time.monotonic()
            self._refresh_status()
        return self.run_worker(work, name=label, group="tasks", thread=True, exit_on_error=False)

    def check_writable(self, what: str) -> bool:
        if self.read_only:
            self.notify(f"Read-only mode: {what} is disabled.", severity="warning", timeout=4, markup=False)
            return False
        return True

    def confirm(self, title: str, body: str | Text, then: Callable[[], None]) -> None:
        from tui.screens.confirm import ConfirmScreen

        def answered(yes: bool | None) -> None:
            if yes:
                then()

        self.push_screen(ConfirmScreen(title, body), answered)

    # --- container operations --------------------------------------------
    def container_action(self, action: str, row: ContainerRow) -> None:
        spec = ops.ACTIONS[action]
        if not self.check_writable(f"{spec.verb} container"):
            return
        name = safe_text(row.name)

        def go() -> None:
            self.run_task(
                f"{spec.verb} {name}",
                functools.partial(ops.run_action, self.service.api, action, row.id),
                success=f"Container {name} {spec.past}.",
            )

        if spec.destructive:
            body = f"{row.short_id}  {safe_text(row.image)}  ({row.state})"
            if action == "force-remove" and row.is_running:
                body += "\nThe container is running: it will be killed first."
            self.confirm(f"{spec.verb.capitalize()} container {name}?", body, go)
        else:
            go()

    def remove_exited_containers(self) -> None:
        if not self.check_writable("removing exited containers"):
            return

        def ask(rows: list[ContainerRow]) -> None:
            if not rows:
                self.notify("No exited containers.", timeout=3)
                return
            names = ", ".join(safe_text(r.name) for r in rows[:20]) + (" …" if len(rows) > 20 else "")
            ids = [r.id for r in rows]
            self.confirm(
                f"Remove {len(rows)} exited container{'s' if len(rows) != 1 else ''} and their anonymous volumes?",
                names,
                lambda: self.run_task(
                    "remove exited",
                    ops.remove_exited,
                    self.service.api,
                    ids,
                    success=self._bulk_summary,
                ),
            )

        self.run_task("list exited", ops.exited_containers, self.service.api, on_result=ask, quiet=True)

    def _bulk_summary(self, result: ops.BulkResult) -> str:
        text = f"Removed {len(result.done)} container{'s' if len(result.done) != 1 else ''}."
        if result.failed:
            text += " Failed: " + "; ".join(f"{cid[:12]}: {why}" for cid, why in result.failed)
        return text

    def show_container_details(self, row: ContainerRow) -> None:
        from tui.screens.details import ContainerDetailsScreen

        self.push_screen(ContainerDetailsScreen(row))

    def show_inspect(self, kind: str, object_id: str, name: str) -> None:
        from tui.screens.inspect import InspectScreen

        self.push_screen(InspectScreen(kind, object_id, name))

    def open_logs(self, rows: Sequence[ContainerRow], project: str = "") -> None:
        from tui.screens.logs import LogScreen

        if not rows:
            self.notify("No container selected.", severity="warning", timeout=2)
            return
        self.push_screen(LogScreen(rows, project=project))

    def open_terminal(self, row: ContainerRow, mode: str) -> None:
        from tui.screens.terminal import open_terminal

        open_terminal(self, row, mode)

    def get_system_commands(self, screen: Screen) -> Any:
        """The ``:`` palette: every pane, every key of the current view, and
        the app's own commands, searchable by name."""
        from tui.screens.main import MainScreen

        if isinstance(screen, MainScreen):
            for number, pane in enumerate(screen.panes, start=1):
                yield SystemCommand(f"Go to {pane.title}", f"pane {number}", functools.partial(screen.action_show_pane, number - 1))
        seen: set[str] = set()
        for key, active in screen.active_bindings.items():
            binding = active.binding
            if not binding.description or binding.action in seen or binding.action.startswith("show_pane"):
                continue
            seen.add(binding.action)
            yield SystemCommand(
                binding.description,
                f"key {key}",
                functools.partial(self.run_action, binding.action, active.node),
            )
        yield from self._extra_commands(screen)
        yield SystemCommand("Theme", "Change the colour theme", self.action_change_theme)

    def _extra_commands(self, screen: Screen) -> Any:
        """Commands that have no key of their own."""
        return iter(())

    def action_help(self) -> None:
        from tui.screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    def commit_container(self, row: ContainerRow) -> None:
        """``docker commit``: the container's writable layer becomes an image."""
        from tui.screens.images_forms import CommitForm

        if self.check_writable("committing a container"):
            self.push_screen(CommitForm(row))


def create_app(
    host: str | None = None,
    context: str | None = None,
    *,
    read_only: bool = False,
    endpoint: Endpoint | None = None,
) -> DtuiApp:
    """Build the app for a daemon: used by the CLI and by the tests."""
    from tui.docker.client import resolve_endpoint

    endpoint = endpoint or resolve_endpoint(host=host, context=context)
    return DtuiApp(DockerService(endpoint), read_only=read_only)
