"""Container details: state, restart policy, command, ports, mounts,
networks, labels, env (secrets masked) and health, plus ``docker top``."""

from __future__ import annotations

from typing import Any

from rich.table import Table
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Static

from tui.docker import containers as ops
from tui.docker.events import DockerEvent
from tui.docker.models import ContainerDetails, ContainerRow
from tui.presentation import is_secret_key, mask_env, safe_text, state_style
from tui.workers import WorkerErrors


def _section(title: str) -> Text:
    return Text(f"\n{title}", style="bold underline")


def _kv(rows: list[tuple[str, str | Text]]) -> Table:
    table = Table.grid(padding=(0, 2))
    table.add_column(style="bold cyan", no_wrap=True)
    table.add_column(overflow="fold")
    for key, value in rows:
        table.add_row(Text(safe_text(key)), value if isinstance(value, Text) else Text(safe_text(value)))
    return table


def render_details(details: ContainerDetails, processes: tuple[list[str], list[list[str]]] | None, *, reveal: bool) -> list[Any]:
    """The details as Rich renderables; pure, so tests can check it."""
    state = Text(details.state, style=f"bold {state_style(details.state)}")
    if details.status_detail:
        state.append(f"  {details.status_detail}", style="red")
    overview: list[tuple[str, str | Text]] = [
        ("Name", details.name),
        ("ID", details.id),
        ("Image", details.image),
        ("State", state),
    ]
    if details.exit_code is not None:
        overview.append(("Exit code", str(details.exit_code)))
    if details.error:
        overview.append(("Error", Text(safe_text(details.error), style="red")))
    overview += [
        ("Started", details.started_at),
        ("Finished", details.finished_at if details.exit_code is not None else "-"),
        ("PID", str(details.pid) if details.pid else "-"),
        ("Restart policy", details.restart_policy),
        ("Restart count", str(details.restart_count)),
        ("Entrypoint", details.entrypoint or "-"),
        ("Command", details.command or "-"),
        ("Working dir", details.working_dir or "-"),
        ("User", details.user or "root (default)"),
        ("TTY / stdin", f"{'tty' if details.tty else 'no tty'}, {'stdin open' if details.open_stdin else 'no stdin'}"),
    ]
    if details.health:
        overview.append(("Health", Text(details.health, style="green" if details.health == "healthy" else "yellow")))
    parts: list[Any] = [_kv(overview)]
    if details.health_log:
        parts += [_section("Health checks (latest)"), _kv([(str(i + 1), line) for i, line in enumerate(details.health_log)])]
    parts.append(_section("Ports"))
    parts.append(_kv([(port, host or "(not published)") for port, host in details.ports]) if details.ports else Text("none", style="dim"))
    parts.append(_section("Mounts"))
    if details.mounts:
        parts.append(_kv([(m.destination, f"{m.type}: {m.source} ({'rw' if m.rw else 'ro'}{', ' + m.mode if m.mode else ''})") for m in details.mounts]))
    else:
        parts.append(Text("none", style="dim"))
    parts.append(_section("Networks"))
    if details.networks:
        parts.append(_kv([(n.network, f"IP {n.ip_address or '-'}  gateway {n.gateway or '-'}  MAC {n.mac_address or '-'}") for n in details.networks]))
    else:
        parts.append(Text("none", style="dim"))
    parts.append(_section("Labels"))
    parts.append(_kv(list(details.labels)) if details.labels else Text("none", style="dim"))
    hidden = sum(1 for key, value in details.env if value and is_secret_key(key))
    parts.append(_section("Environment" + (f"  ({hidden} secret value{'s' if hidden != 1 else ''} masked; m to reveal)" if hidden and not reveal else "")))
    parts.append(_kv([(key, mask_env(key, value, reveal=reveal)) for key, value in details.env]) if details.env else Text("none", style="dim"))
    parts.append(_section("Processes (docker top)"))
    if processes is None:
        parts.append(Text("not running" if details.state != "running" else "loading…", style="dim"))
    else:
        titles, rows = processes
        table = Table(box=None, padding=(0, 1), show_edge=False)
        for title in titles:
            table.add_column(Text(safe_text(title)), overflow="fold")
        for row in rows:
            table.add_row(*(Text(safe_text(cell)) for cell in row))
        parts.append(table)
    return parts


class ContainerDetailsScreen(WorkerErrors, Screen):
    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back", id="details.back"),
        Binding("m", "toggle_secrets", "Reveal secrets", id="details.toggle_secrets"),
        Binding("i", "inspect", "Inspect", id="details.inspect"),
        Binding("l", "logs", "Logs", id="details.logs"),
        Binding("r", "reload", "Reload", id="details.reload"),
    ]

    def __init__(self, row: ContainerRow) -> None:
        super().__init__()
        self.row = row
        self.details: ContainerDetails | None = None
        self.processes: tuple[list[str], list[list[str]]] | None = None
        self.reveal = False

    def compose(self) -> ComposeResult:
        yield Static(Text(f" Container {safe_text(self.row.name)} ", style="bold reverse"), id="details-title")
        with VerticalScroll(id="details-body"):
            yield Static(Text("loading…", style="dim"), id="details-content")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#details-body").focus()
        self.load()

    @work(thread=True, exclusive=True, exit_on_error=False, name="container details")
    def load(self) -> None:
        api = self.app.service.api  # type: ignore[attr-defined]
        details = ops.container_details(api, self.row.id)
        processes = ops.top(api, self.row.id) if details.state == "running" else None
        self.app.call_from_thread(self._show, details, processes)

    def _show(self, details: ContainerDetails, processes: tuple[list[str], list[list[str]]] | None) -> None:
        self.details, self.processes = details, processes
        self._redraw()

    def _redraw(self) -> None:
        if self.details is None:
            return
        from rich.console import Group

        self.query_one("#details-content", Static).update(Group(*render_details(self.details, self.processes, reveal=self.reveal)))

    def on_docker_event(self, event: DockerEvent) -> None:
        if event.type == "container" and event.id == self.row.id:
            if event.action == "destroy":
                self.query_one("#details-title", Static).update(Text(f" Container {safe_text(self.row.name)} — removed ", style="bold reverse red"))
            elif not event.action.startswith(("exec_", "top")):
                self.load()

    def action_toggle_secrets(self) -> None:
        self.reveal = not self.reveal
        self._redraw()

    def action_reload(self) -> None:
        self.load()

    def action_inspect(self) -> None:
        self.app.show_inspect("container", self.row.id, self.row.name)  # type: ignore[attr-defined]

    def action_logs(self) -> None:
        self.app.open_logs([self.row])  # type: ignore[attr-defined]
