"""The dtui application: owns the Docker service, the event stream, the one
error handler and the operations every pane and screen asks for.

``create_app`` is the factory used by the command line and by the tests.
"""

from __future__ import annotations

import asyncio
import functools
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

from rich.text import Text
from textual import events
from textual.app import App, SystemCommand
from textual.screen import Screen
from textual.binding import Binding
from textual.markup import escape
from textual.worker import Worker, WorkerState

from tui.config import Settings, is_contract_binding
from tui.docker import containers as ops
from tui.docker.client import CALL_TIMEOUT, DockerService, Endpoint, list_contexts, resolve_endpoint
from tui.docker.errors import DaemonUnavailable, describe_error, is_connection_problem, is_timeout
from tui.docker.events import EventStream
from tui.docker.models import ContainerRow
from tui.idle_gc import IdleCollector
from tui.messages import DaemonConnection, DaemonEventReceived, TaskFinished
from tui.presentation import safe_text


class DtuiApp(App[int], inherit_bindings=False):
    """Keyboard-driven Docker UI."""

    CSS_PATH = [Path(__file__).parent / "styles" / "app.tcss", Path(__file__).parent / "styles" / "system.tcss", Path(__file__).parent / "styles" / "terminal.tcss", Path(__file__).parent / "styles" / "logs.tcss", Path(__file__).parent / "styles" / "images.tcss"]
    TITLE = "dtui"
    # ':' opens the palette; ctrl+p belongs to the container in the terminal view
    COMMAND_PALETTE_BINDING = "colon"
    # App's own BINDINGS are not inherited (inherit_bindings=False): its
    # priority ctrl+q quit would beat every widget to ctrl+q, and ctrl+p ctrl+q
    # is how a user leaves a container. ctrl+c quits, but not while the
    # terminal has focus: the terminal consumes every key (check_consume_key).
    BINDINGS = [
        Binding("question_mark", "help", "Help", id="app.help"),
        Binding("ctrl+c", "quit", "Quit", show=False, id="app.quit"),
    ]

    def __init__(
        self,
        service: DockerService,
        *,
        read_only: bool = False,
        allow_terminal: bool = False,
        settings: Settings | None = None,
        start_event_stream: bool = True,
    ) -> None:
        super().__init__()
        self.service = service
        self.read_only = read_only
        #: read-only mode still lets exec shells run and keys reach an attached container
        self.allow_terminal = allow_terminal
        #: the user's settings file, already read (defaults when there is none)
        self.settings = settings or Settings()
        #: binding id -> key, the [keys] overrides that were applied
        self.key_overrides: dict[str, str] = {}
        self._switching = asyncio.Lock()
        self.connected: bool | None = None
        self.disconnect_reason = ""
        #: set when a call timed out: connected, but the daemon does not answer
        self.not_answering = ""
        self.engine_summary = ""
        self._event_stream: EventStream | None = None
        self._start_event_stream = start_event_stream
        #: the event stream waits for the first list (see first_list_shown)
        self._events_held = False
        self._tasks: dict[str, float] = {}
        from tui.stats_feed import StatsFeed

        #: the one stats sampler; panes that show stats register with it
        self.stats_feed = StatsFeed(self)
        #: full garbage collections between keystrokes (see collect_when_idle)
        self.idle_collector: IdleCollector | None = None

    @property
    def endpoint(self) -> Endpoint:
        return self.service.endpoint

    # --- lifecycle -------------------------------------------------------
    def on_mount(self) -> None:
        from tui.screens.main import MainScreen

        problems = [*self.settings.problems, *self._apply_theme(), *self._apply_keys()]
        self.push_screen(MainScreen())
        self.stats_feed.start()
        if self._start_event_stream:
            if self.service.direct_list_pending:
                # the stream loads docker-py: not while the first list is on
                # its way. Nothing that changes meanwhile is lost: a stream
                # that connects marks every list dirty (on_daemon_connection).
                self._events_held = True
            else:
                self._start_events()
        if problems:
            # shown once; dtui goes on with the defaults. The file is named
            # in the title, each line of the body starts with its line number.
            path = str(self.settings.path or "")
            body = "\n".join(problem.removeprefix(f"{path} ").removeprefix(f"{path}: ") for problem in problems)
            self.notify(body, title=f"Settings {path}", severity="warning", timeout=15, markup=False)

    def on_unmount(self) -> None:
        self._stop_events()
        self.stats_feed.close()
        if self.idle_collector is not None:
            self.idle_collector.uninstall()

    def collect_when_idle(self) -> None:
        """From now on full garbage collections wait for a pause in the input (`tui.idle_gc`)."""
        if self.idle_collector is None:
            self.idle_collector = IdleCollector()
            self.idle_collector.install()
            self.set_interval(2.0, self.idle_collector.tick, name="idle gc")

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.InputEvent):
            if getattr(self, "_exit", False):
                # Keys typed after quitting (q, then a pane's digit) would run
                # their actions on screens being taken down.
                return
            if self.idle_collector is not None:
                self.idle_collector.input_seen()
        await super().on_event(event)

    def first_list_shown(self) -> None:
        """The main screen's first list is on screen, or is not coming soon
        (the daemon cannot be reached, or is slow): a held event stream starts."""
        if self._events_held:
            self._events_held = False
            self._start_events()

    @property
    def first_list_failed(self) -> bool:
        """The first list could not reach the daemon. The event stream (held
        until then) says why, and lists again once the daemon is there."""
        return self.service.direct_list_failed

    def _start_events(self) -> None:
        def post(message: DaemonConnection | DaemonEventReceived) -> None:
            # a stream replaced by a context switch has nothing more to say
            if self._event_stream is stream:
                self.post_message(message)

        stream = EventStream(
            self.service,
            on_event=lambda event: post(DaemonEventReceived(event)),
            on_connected=lambda: post(DaemonConnection(True)),
            on_disconnected=lambda reason: post(DaemonConnection(False, reason)),
        )
        self._event_stream = stream
        stream.start()

    def _stop_events(self) -> None:
        stream, self._event_stream = self._event_stream, None
        if stream is not None:
            stream.stop()

    # --- settings ----------------------------------------------------------
    def _apply_theme(self) -> list[str]:
        theme = self.settings.theme
        if theme in self.available_themes:
            self.theme = theme
            return []
        return [self.settings.problem("theme", f"no theme {theme!r} (': Theme' lists them)")]

    def _apply_keys(self) -> list[str]:
        if not self.settings.keys:
            return []
        keymap, problems = resolve_keymap(self.settings, binding_classes())
        self.key_overrides = keymap
        self.set_keymap(keymap)
        return problems

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

    def daemon_answered(self) -> None:
        """A call came back: a "not answering" state is over."""
        if self.not_answering:
            self.not_answering = ""
            self._refresh_status()

    def on_daemon_event_received(self, message: DaemonEventReceived) -> None:
        self.daemon_answered()
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
        service = self.service

        def load() -> str:
            version = service.api.version()
            return f"Engine {version.get('Version', '?')} · API {service.api.api_version}"

        def loaded(summary: str) -> None:
            if service is self.service:  # not a daemon left by a context switch
                self._set_engine_summary(summary)

        self.run_task("daemon version", load, on_result=loaded, quiet=True)

    def _set_engine_summary(self, summary: str) -> None:
        self.engine_summary = summary
        self._refresh_status()

    # --- Docker contexts (k9s :ctx) ----------------------------------------
    def is_current_context(self, name: str) -> bool:
        endpoint = self.endpoint
        if endpoint.context is not None:
            return endpoint.context == name
        return name == "default" and endpoint.source in ("default", "DOCKER_HOST")

    def _context_commands(self) -> Iterator[SystemCommand]:
        try:
            contexts = list_contexts()
        except OSError as exc:
            self.notify(f"Docker contexts: {exc}", severity="error", timeout=5, markup=False)
            return
        for info in contexts:
            current = self.is_current_context(info.name)
            title = f"Switch to context {info.name} ({info.host})" + ("  ● current" if current else "")
            about = "ctx: the daemon dtui talks to now" if current else f"ctx: {info.description or 'Docker context'}"
            # the palette reads titles as markup; names and hosts are data
            yield SystemCommand(escape(title), escape(about), functools.partial(self.switch_context, info.name))

    async def switch_context(self, name: str) -> None:
        """Talk to the daemon of Docker context ``name`` from now on."""
        try:
            endpoint = resolve_endpoint(context=name)
        except DaemonUnavailable as exc:
            self.notify(str(exc), title="Docker context", severity="error", timeout=6, markup=False)
            return
        await self.switch_endpoint(endpoint)

    async def switch_endpoint(self, endpoint: Endpoint) -> None:
        """Leave the current daemon: its event stream, stats sampler and every
        screen showing its objects go; a fresh main screen lists the new one."""
        from tui.screens.main import MainScreen

        async with self._switching:
            self._stop_events()
            self._events_held = False
            self.stats_feed.reset()
            old, self.service = self.service, DockerService(endpoint)
            self.connected = None
            self.disconnect_reason = ""
            self.engine_summary = ""
            mains = [screen for screen in self.screen_stack if isinstance(screen, MainScreen)]
            pane = mains[0].panes.index(mains[0].active_pane) if mains else 0
            # logs, terminals, forms and a pending confirmation belong to the
            # old daemon's objects: they close without acting
            while len(self.screen_stack) > 1:
                await self.pop_screen()
            # new panes: not one row of the old daemon, every list due
            main = MainScreen()
            await self.push_screen(main)
            main.action_show_pane(pane)
            if self._start_event_stream:
                self._start_events()
            self._refresh_status()
            # calls already under way may still use the old client for a while
            self.set_timer(CALL_TIMEOUT, lambda: threading.Thread(target=old.close, name="dtui-close", daemon=True).start())
        self.notify(f"Now on {endpoint.host} ({endpoint.source}).", title="Docker context", timeout=4, markup=False)

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
        elif self.connected and self.not_answering:
            text.append("● not answering: ", style="bold yellow")
            text.append(safe_text(self.not_answering), style="yellow")
        elif self.connected:
            text.append("● connected", style="green")
        else:
            text.append("● disconnected: ", style="bold red")
            text.append(safe_text(self.disconnect_reason), style="red")
            text.append(" — retrying", style="dim")
        if self.read_only:
            text.append("  [read-only" + (", terminal allowed]" if self.allow_terminal else "]"), style="bold yellow")
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
        if is_timeout(error):
            # still connected (the event stream says so), but not answering:
            # say it in the top bar until the daemon answers again
            self.not_answering = describe_error(error)
            self._refresh_status()
        elif is_connection_problem(error):
            # the event stream owns the connected/disconnected state
            self.service.reset()
        if is_connection_problem(error):
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

    def confirm(self, title: str, body: str | Text, then: Callable[[], None], *, removal: bool = True) -> None:
        """Ask, then run ``then``. ``confirm = false`` in the settings skips
        the question for what is not a removal; removals always ask."""
        from tui.screens.confirm import ConfirmScreen

        if not removal and not self.settings.confirm:
            then()
            return

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
                # the client is fetched on the worker: connecting may wait for a hung daemon
                lambda: ops.run_action(self.service.api, action, row.id),
                success=f"Container {name} {spec.past}.",
            )

        if spec.destructive:
            body = f"{row.short_id}  {safe_text(row.image)}  ({row.state})"
            if action == "force-remove" and row.is_running:
                body += "\nThe container is running: it will be killed first."
            self.confirm(f"{spec.verb.capitalize()} container {name}?", body, go, removal=action in ("remove", "force-remove"))
        else:
            go()

    def container_action_many(self, action: str, rows: Sequence[ContainerRow]) -> None:
        """One action on the marked containers, after saying which.

        ``pause`` toggles each: paused ones are unpaused, the rest paused.
        Always asked first (removals whatever the settings say): a key meant
        for the row under the cursor must not silently hit several.
        """
        spec = ops.ACTIONS[action]
        if not self.check_writable(f"{spec.verb} containers"):
            return
        pairs = [("unpause" if action == "pause" and row.state == "paused" else action, row.id) for row in rows]
        names = ", ".join(safe_text(row.name) for row in rows[:20]) + (" …" if len(rows) > 20 else "")
        count = f"{len(rows)} container{'s' if len(rows) != 1 else ''}"
        verb = "pause/unpause" if action == "pause" else spec.verb

        def summary(result: ops.BulkResult) -> str:
            text = f"{verb.capitalize()}: {len(result.done)} of {len(pairs)} done."
            if result.failed:
                text += " Failed: " + "; ".join(f"{cid[:12]}: {why}" for cid, why in result.failed)
            return text

        self.confirm(
            f"{verb.capitalize()} {count}?",
            names,
            lambda: self.run_task(f"{verb} {count}", lambda: ops.run_actions(self.service.api, pairs), success=summary),
            removal=action in ("remove", "force-remove", "kill"),
        )

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
                    lambda: ops.remove_exited(self.service.patient_api, ids),
                    success=self._bulk_summary,
                ),
            )

        self.run_task("list exited", lambda: ops.exited_containers(self.service.api), on_result=ask, quiet=True)

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
        yield from self._context_commands()

    def action_help(self) -> None:
        from tui.screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    def commit_container(self, row: ContainerRow) -> None:
        """``docker commit``: the container's writable layer becomes an image."""
        from tui.screens.images_forms import CommitForm

        if self.check_writable("committing a container"):
            self.push_screen(CommitForm(row))


def binding_classes() -> list[type]:
    """Every class with bindings a user can move: the app, and each pane,
    screen and widget in tui.panes and tui.screens (a module that does not
    import is left out, so a broken one cannot stop dtui from starting)."""
    import importlib
    import inspect
    import pkgutil

    import tui.panes
    import tui.screens

    classes: list[type] = [DtuiApp]
    for package in (tui.panes, tui.screens):
        for info in pkgutil.iter_modules(package.__path__):
            try:
                module = importlib.import_module(f"{package.__name__}.{info.name}")
            except Exception:
                continue
            for value in vars(module).values():
                if inspect.isclass(value) and value.__module__ == module.__name__ and "BINDINGS" in value.__dict__:
                    classes.append(value)
    return classes


def _binding_chains(classes: Sequence[type]) -> list[list[type]]:
    """The classes whose bindings are active together, roughly as Textual
    chains them: a pane under the main screen (with its table focused), a
    screen, a widget on its own; the app's bindings are in every chain."""
    from tui.panes.registry import pane_classes
    from tui.screens.main import MainScreen
    from tui.widgets.keyed_table import KeyedTable

    panes = tuple(pane_classes())
    chains: list[list[type]] = []
    for cls in classes:
        if cls is DtuiApp:
            continue
        if issubclass(cls, panes) or cls.__name__ == "ResourcePane":
            chains.append([DtuiApp, MainScreen, cls, KeyedTable])
        else:
            chains.append([DtuiApp, cls])
    return chains


def resolve_keymap(settings: Settings, classes: Sequence[type]) -> tuple[dict[str, str], list[str]]:
    """The ``[keys]`` overrides that can be applied, and why the others cannot:
    unknown id, a key of the fixed contract, or a key already used there."""
    from tui.screens.help import own_bindings

    known: dict[str, Binding] = {}
    for cls in classes:
        for binding in own_bindings(cls):
            if binding.id:
                known.setdefault(binding.id, binding)
    problems: list[str] = []
    wanted: dict[str, str] = {}
    for binding_id, key in settings.keys.items():
        setting = f"keys.{binding_id}"
        binding = known.get(binding_id)
        if binding is None:
            problems.append(settings.problem(setting, "no binding has this id (dtui --keys lists them)"))
        elif is_contract_binding(binding_id, binding.key):
            problems.append(settings.problem(setting, f"{binding_id} ({binding.key}) is one of dtui's fixed keys"))
        else:
            wanted[binding_id] = key
    keymap = DtuiApp._normalize_keymap(wanted)
    chains = _binding_chains(classes)
    while True:
        clash = _first_clash(keymap, chains)
        if clash is None:
            return keymap, problems
        binding_id, taken = clash
        what = taken.id or taken.action
        problems.append(settings.problem(f"keys.{binding_id}", f"{keymap[binding_id]!r} is already {what} ({taken.description or taken.action})"))
        del keymap[binding_id]


def _first_clash(keymap: dict[str, str], chains: Iterable[list[type]]) -> tuple[str, Binding] | None:
    """An override whose key another binding in the same chain has too (then
    one of them would never fire). Textual's own clash check does not see
    these: it takes every binding with an id for one being rebound."""
    for chain in chains:
        entries = [(key, binding) for cls in chain for key, bindings in cls._merge_bindings().key_to_bindings.items() for binding in bindings]  # type: ignore[attr-defined]

        def keys_of(key: str, binding: Binding) -> set[str]:
            return set(keymap[binding.id].split(",")) if binding.id in keymap else {key}

        for key, binding in entries:
            if binding.id not in keymap:
                continue
            mine = keys_of(key, binding)
            for other_key, other in entries:
                if other.id != binding.id and mine & keys_of(other_key, other):
                    return binding.id, other
    return None


def describe_keys(overrides: dict[str, str] | None = None) -> list[tuple[str, str, str, bool]]:
    """(binding id, key, what it does, fixed?) for every binding, for ``dtui --keys``."""
    from tui.screens.help import _key_label, own_bindings

    overrides = overrides or {}
    rows: dict[str, tuple[str, str, str, bool]] = {}
    for cls in binding_classes():
        for binding in own_bindings(cls):
            if binding.id and binding.id not in rows:
                key = _key_label(overrides.get(binding.id, binding.key))
                rows[binding.id] = (binding.id, key, binding.description or binding.action, is_contract_binding(binding.id, binding.key))
    return sorted(rows.values())


def create_app(
    host: str | None = None,
    context: str | None = None,
    *,
    read_only: bool | None = None,
    allow_terminal: bool | None = None,
    endpoint: Endpoint | None = None,
    settings: Settings | None = None,
    service: DockerService | None = None,
) -> DtuiApp:
    """Build the app for a daemon: used by the CLI and by the tests.

    ``settings`` are the user's file as the CLI read it; without them the
    defaults apply, so tests never depend on the machine's settings file.
    ``read_only`` None means what the settings say. ``service`` is one made
    already (the CLI's, which has asked a local daemon for its first list
    while the UI loaded); without it one is made for ``endpoint`` or what
    ``host`` and ``context`` resolve to."""
    settings = settings or Settings()
    service = service or DockerService(endpoint or resolve_endpoint(host=host, context=context))
    read_only = settings.read_only if read_only is None else read_only
    allow_terminal = settings.allow_terminal if allow_terminal is None else allow_terminal
    return DtuiApp(service, read_only=read_only, allow_terminal=allow_terminal, settings=settings)
