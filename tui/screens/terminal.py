"""The full-screen embedded terminal (attach, exec, nsenter) and the `E` exec form."""

from __future__ import annotations

import shlex
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen, Screen
from textual.widgets import Input, Label, Static

from tui.docker.client import DEFAULT_DETACH_KEYS, detach_keys
from tui.docker.session import (
    AttachChannel,
    ExecChannel,
    ExecOptions,
    LazyApi,
    NsenterChannel,
    SessionEnd,
    TerminalChannel,
    describe_detach_keys,
    nsenter_problem,
)
from tui.presentation import safe_text
from tui.terminal.keys import parse_detach_keys
from tui.widgets.terminal_view import TerminalView

if TYPE_CHECKING:
    from tui.app import DtuiApp
    from tui.docker.models import ContainerRow

MODES = ("attach", "exec", "exec-custom", "nsenter")


class TerminalScreen(Screen[None]):
    """One terminal session filling the screen, with a one-line status under it."""

    def __init__(self, row: ContainerRow, mode: str, channel: TerminalChannel, keys: str) -> None:
        super().__init__(id="terminal-screen")
        self.row = row
        self.mode = mode
        self.channel = channel
        self.keys = keys
        self.keys_label = describe_detach_keys(keys)

    def compose(self) -> ComposeResult:
        yield TerminalView(
            self.channel,
            detach_sequence=parse_detach_keys(self.keys),
            daemon_detaches=self.mode == "attach",
            id="terminal-view",
        )
        yield Static(id="terminal-status")

    @property
    def view(self) -> TerminalView:
        return self.query_one(TerminalView)

    def on_mount(self) -> None:
        self.view.focus()
        self._show_status()

    # -- status line -------------------------------------------------------------

    def _what(self) -> str:
        if self.mode == "attach":
            return "attach"
        if self.mode == "nsenter":
            return "nsenter"
        command = getattr(self.channel, "command", ())
        return "exec " + " ".join(command) if command else "exec"

    def _show_status(self) -> None:
        view = self.view
        text = Text(no_wrap=True, overflow="ellipsis")
        text.append(f" {self._what()} ", style="bold reverse")
        text.append(" ")
        text.append(safe_text(self.row.name), style="bold")
        title = view.emulator.title
        if title:
            text.append(f" · {title}", style="dim")
        text.append("  ")
        end = view.end
        if end is not None:
            text.append(self._end_text(end), style="bold yellow")
            text.append("  press any key to return", style="dim")
        elif not view.connected:
            text.append("connecting…", style="yellow")
        elif not self.channel.interactive:
            reason = "container has no TTY" if not self.channel.tty else "dtui is read-only"
            text.append(f"read-only: {reason}", style="bold yellow")
            text.append(f"  Esc, q or {self.keys_label} to leave", style="dim")
        else:
            text.append(f"{self.keys_label} to detach", style="bold")
            if view.emulator.scroll_offset:
                text.append(f"  scrolled back {view.emulator.scroll_offset} lines", style="yellow")
            text.append("  Shift+PgUp/PgDn scroll", style="dim")
        self.query_one("#terminal-status", Static).update(text)

    def _end_text(self, end: SessionEnd) -> str:
        name = safe_text(self.row.name)
        if end.reason == "exited":
            subject = "the shell" if self.mode != "attach" else name
            code = "?" if end.exit_code is None else str(end.exit_code)
            return f"{subject} exited with code {code}"
        if end.reason == "lost":
            return f"session ended, {end.detail}"
        return end.detail or end.reason

    # -- session events ------------------------------------------------------------

    @on(TerminalView.Connected)
    @on(TerminalView.Changed)
    def _refresh_status(self) -> None:
        self._show_status()

    @on(TerminalView.Ended)
    def _ended(self, message: TerminalView.Ended) -> None:
        end = message.end
        name = safe_text(self.row.name)
        if end.reason == "closed":
            return
        if end.reason == "failed":
            self._leave(f"Cannot {self._what()} {name}: {end.detail}", severity="error")
        elif end.reason == "lost":
            # The screen stays, with the last output and why it ended, until
            # a key is pressed: a notice that vanishes would be easy to miss.
            # An exec or attach stream cannot be picked up again.
            self.view.mark_ended(end)
            self._show_status()
            self.app.notify(f"{self._what()} in {name}: {end.detail}", title="Session ended", severity="error", timeout=8, markup=False)
        elif end.reason == "detached":
            self._leave(self._detached_text(end))
        else:
            self.view.mark_ended(end)
            self._show_status()

    def _detached_text(self, end: SessionEnd | None = None) -> str:
        name = safe_text(self.row.name)
        if self.mode == "attach":
            text = f"detached from {name} (still running)"
            return f"{text}: {end.detail}" if end is not None and end.detail else text
        if self.mode == "nsenter":
            return f"left the nsenter shell in {name} (the shell was hung up)"
        return f"detached from {name} (still running; the exec'd shell stays until it exits or the container stops)"

    @on(TerminalView.DetachRequested)
    def _detach_requested(self) -> None:
        self._leave(self._detached_text())

    @on(TerminalView.Dismissed)
    def _dismissed(self) -> None:
        self._leave(None)

    def _leave(self, notice: str | None, severity: str = "information") -> None:
        if self.app.screen is not self:
            return
        self.view.close()
        self.app.pop_screen()
        if notice:
            self.app.notify(notice, severity=severity, timeout=6 if severity == "error" else 4, markup=False)  # type: ignore[arg-type]


class ExecOptionsScreen(ModalScreen[ExecOptions | None]):
    """`E`: the command, user and working directory for an exec."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="exec_options.cancel")]

    def __init__(self, container_name: str) -> None:
        super().__init__(id="exec-options")
        self.container_name = container_name

    def compose(self) -> ComposeResult:
        with Vertical(id="exec-form"):
            yield Label(Text(f"Exec in {safe_text(self.container_name)}", style="bold"))
            yield Label("Command (empty: bash if the image has it, else sh)")
            yield Input(placeholder="e.g. sh -c 'top -d 1'", id="exec-command")
            yield Label("User (empty: the container's)")
            yield Input(placeholder="e.g. root or 1000:1000", id="exec-user")
            yield Label("Working directory (empty: the container's)")
            yield Input(placeholder="e.g. /tmp", id="exec-workdir")
            yield Label(Text("enter: run   escape: cancel", style="dim"))

    def on_mount(self) -> None:
        self.query_one("#exec-command", Input).focus()

    @on(Input.Submitted)
    def _submit(self) -> None:
        command_text = self.query_one("#exec-command", Input).value.strip()
        try:
            command = tuple(shlex.split(command_text))
        except ValueError as exc:
            self.notify(f"Command: {exc}", severity="error", markup=False)
            return
        self.dismiss(
            ExecOptions(
                command=command,
                user=self.query_one("#exec-user", Input).value.strip(),
                workdir=self.query_one("#exec-workdir", Input).value.strip(),
            )
        )

    def action_cancel(self) -> None:
        self.dismiss(None)


def _user_detach_keys(app: DtuiApp) -> str:
    keys = detach_keys()
    try:
        parse_detach_keys(keys)
    except ValueError as exc:
        app.notify(f"{exc}; using {DEFAULT_DETACH_KEYS}", severity="warning", markup=False)
        return DEFAULT_DETACH_KEYS
    return keys


def open_terminal(app: DtuiApp, row: ContainerRow, mode: str) -> None:
    """What `a`, `e`, `E` and `N` do on a container row."""
    if mode not in MODES:
        raise ValueError(f"unknown terminal mode {mode!r}")
    name = safe_text(row.name)
    if not row.is_running:
        app.notify(f"{name} is not running ({row.state}): start it first (u).", severity="warning", markup=False)
        return
    # Resolved in the channel's connect thread: getting the client here could
    # block the UI on a slow daemon, or raise while it is away.
    api: Any = LazyApi(app.service)
    keys = _user_detach_keys(app)
    if mode == "attach":
        # read-only: output only, no key reaches the container, unless allowed
        channel: TerminalChannel = AttachChannel(api, row.id, keys, read_only=app.read_only and not app.allow_terminal)
        app.push_screen(TerminalScreen(row, mode, channel, keys))
        return
    if app.read_only and not app.allow_terminal:
        app.notify(
            "Read-only mode: exec and nsenter shells are disabled (start with --allow-terminal to allow them).",
            severity="warning",
            timeout=5,
            markup=False,
        )
        return
    if mode == "nsenter":
        problem = nsenter_problem(is_local=app.service.endpoint.is_local, running=True)
        if problem:
            app.notify(f"Cannot open an nsenter shell in {name}: {problem}.", severity="warning", timeout=6, markup=False)
            return
        app.push_screen(TerminalScreen(row, mode, NsenterChannel(api, row.id, is_local=True), keys))
        return
    if mode == "exec":
        app.push_screen(TerminalScreen(row, mode, ExecChannel(api, row.id, ExecOptions()), keys))
        return

    def chosen(options: ExecOptions | None) -> None:
        if options is not None:
            app.push_screen(TerminalScreen(row, "exec", ExecChannel(api, row.id, options), keys))

    app.push_screen(ExecOptionsScreen(row.name), chosen)
