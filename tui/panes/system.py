"""The System pane: ``docker version`` + ``docker info``, ``docker system df``
(summary and verbose), a live filterable log of every daemon event, and
``docker system prune``.

At 80 columns one section is shown at a time (``v``, ``f``, ``e`` switch);
from 120 columns all three are on screen at once: version and info on the
left, disk usage above the events on the right.
"""

from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.widgets import Input, RichLog, Static

from tui.docker import system as ops
from tui.docker.models import DiskUsage, SystemOverview
from tui.presentation import (
    cli_size,
    compact_status,
    df_reclaimable,
    human_size,
    safe_text,
    short_id,
    time_ago,
)
from tui.workers import WorkerErrors

if TYPE_CHECKING:
    from tui.app import DtuiApp
    from tui.docker.events import DockerEvent

#: How many daemon events the log keeps (older ones drop off).
EVENTS_KEPT = 3000
#: From this width all three sections are shown side by side.
WIDE = 120
#: Event-driven reloads are throttled: df makes the daemon size every layer.
INFO_MIN_INTERVAL = 2.0
DF_MIN_INTERVAL = 10.0
#: Events that change what version/info/df show.
RELEVANT_TYPES = frozenset({"container", "image", "volume", "network", "builder"})

SECTIONS = (("info", "v", "Version & info"), ("df", "f", "Disk usage"), ("events", "e", "Events"))


@dataclass
class OverviewLoaded(Message):
    overview: SystemOverview


@dataclass
class DiskUsageLoaded(Message):
    usage: DiskUsage


# --- pure rendering --------------------------------------------------------

def _grid(rows: list[tuple[str, str | Text]]) -> Table:
    table = Table.grid(padding=(0, 2))
    table.add_column(style="bold cyan", no_wrap=True)
    table.add_column(overflow="fold")
    for key, value in rows:
        table.add_row(Text(key), value if isinstance(value, Text) else Text(safe_text(value)))
    return table


def _heading(text: str) -> Text:
    return Text(text, style="bold underline")


def version_rows(overview: SystemOverview) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """Client and server lines of ``docker version``."""
    version = overview.version
    client = [("Version", f"docker-py {overview.client_version}"), ("API version", f"{overview.client_api_version} (in use)")]
    components = {str(c.get("Name")): c for c in (version.get("Components") or [])}
    server = [
        ("Engine", str(version.get("Version") or "?")),
        ("API version", f"{version.get('ApiVersion', '?')} (minimum {version.get('MinAPIVersion', '?')})"),
        ("Go version", str(version.get("GoVersion") or "?")),
        ("OS/Arch", f"{version.get('Os', '?')}/{version.get('Arch', '?')}"),
        ("Kernel", str(version.get("KernelVersion") or "?")),
        ("Git commit", str(version.get("GitCommit") or "?")),
        ("Built", str(version.get("BuildTime") or "?")),
    ]
    for name in ("containerd", "runc", "docker-init"):
        if name in components:
            server.append((name, str(components[name].get("Version") or "?")))
    if version.get("Experimental"):
        server.append(("Experimental", "true"))
    return client, server


def info_rows(info: dict[str, Any] | Any) -> list[tuple[str, str]]:
    """The ``docker info`` lines dtui shows."""
    driver = str(info.get("Driver") or "?")
    backing = {str(k): str(v) for k, v in (info.get("DriverStatus") or []) if isinstance(k, str)}
    if "Backing Filesystem" in backing:
        driver += f" (on {backing['Backing Filesystem']})"
    cgroup = str(info.get("CgroupDriver") or "?")
    if info.get("CgroupVersion"):
        cgroup += f", cgroup v{info['CgroupVersion']}"
    containers = (
        f"{info.get('Containers', 0)}  (running {info.get('ContainersRunning', 0)}, "
        f"paused {info.get('ContainersPaused', 0)}, stopped {info.get('ContainersStopped', 0)})"
    )
    return [
        ("Name", str(info.get("Name") or "?")),
        ("Engine", str(info.get("ServerVersion") or "?")),
        ("OS", f"{info.get('OperatingSystem', '?')} ({info.get('OSType', '?')}/{info.get('Architecture', '?')})"),
        ("Storage driver", driver),
        ("Logging driver", str(info.get("LoggingDriver") or "?")),
        ("Cgroup driver", cgroup),
        ("Runtimes", ", ".join(sorted(info.get("Runtimes") or {})) or "?"),
        ("Default runtime", str(info.get("DefaultRuntime") or "?")),
        ("CPUs", str(info.get("NCPU") or "?")),
        ("Memory", human_size(info.get("MemTotal"), binary=True) if info.get("MemTotal") else "?"),
        ("Containers", containers),
        ("Images", str(info.get("Images", 0))),
        ("Root dir", str(info.get("DockerRootDir") or "?")),
        ("Security", ", ".join(str(o).replace("name=", "") for o in (info.get("SecurityOptions") or [])) or "-"),
        ("Live restore", "yes" if info.get("LiveRestoreEnabled") else "no"),
        ("Swarm", str((info.get("Swarm") or {}).get("LocalNodeState") or "inactive")),
    ]


def render_overview(overview: SystemOverview) -> RenderableType:
    client, server = version_rows(overview)
    parts: list[RenderableType] = []
    warnings = [str(w) for w in (overview.info.get("Warnings") or [])]
    if warnings:
        parts.append(Text(f"Warnings ({len(warnings)})", style="bold black on yellow"))
        for warning in warnings:
            parts.append(Text(f"⚠ {safe_text(warning)}", style="bold yellow"))
        parts.append(Text(""))
    parts += [
        _heading("Client"),
        _grid(client),
        Text(""),
        _heading("Server"),
        _grid(server),
        Text(""),
        _heading("Info"),
        _grid(info_rows(overview.info)),
    ]
    if not warnings:
        parts += [Text(""), Text("No warnings from the daemon.", style="dim")]
    return Group(*parts)


def df_table(usage: DiskUsage) -> Table:
    """``docker system df``."""
    table = Table(box=None, padding=(0, 2, 0, 0), show_edge=False, header_style="bold")
    table.add_column("TYPE", no_wrap=True)
    table.add_column("TOTAL", justify="right")
    table.add_column("ACTIVE", justify="right")
    table.add_column("SIZE", justify="right")
    table.add_column("RECLAIMABLE", justify="right")
    for line in usage.lines:
        table.add_row(line.type, str(line.total), str(line.active), cli_size(line.size), df_reclaimable(line.reclaimable, line.percent))
    return table


def _simple_table(*headers: str) -> Table:
    table = Table(box=None, padding=(0, 2, 0, 0), show_edge=False, header_style="bold")
    for header in headers:
        table.add_column(header, overflow="ellipsis", no_wrap=True)
    return table


def render_df(usage: DiskUsage, *, verbose: bool, now: float | None = None) -> RenderableType:
    if not verbose:
        return Group(df_table(usage), Text(""), Text("V: per-object listing (docker system df -v)", style="dim"))
    now = time.time() if now is None else now
    images = _simple_table("REPOSITORY", "TAG", "IMAGE ID", "CREATED", "SIZE", "SHARED SIZE", "UNIQUE SIZE", "CONTAINERS")
    for image in usage.images:
        images.add_row(
            safe_text(image.repository),
            safe_text(image.tag),
            short_id(image.id),
            time_ago(image.created, now),
            cli_size(image.size, 3),
            cli_size(image.shared_size) if image.shared_size >= 0 else "N/A",
            cli_size(image.unique_size),
            str(image.containers),
        )
    containers = _simple_table("CONTAINER ID", "IMAGE", "COMMAND", "LOCAL VOLUMES", "SIZE", "CREATED", "STATUS", "NAMES")
    for container in usage.containers:
        command = container.command if len(container.command) <= 20 else container.command[:19] + "…"
        containers.add_row(
            container.id[:12],
            safe_text(container.image),
            safe_text(f'"{command}"'),
            str(container.local_volumes),
            cli_size(container.size_rw, 3),
            time_ago(container.created, now),
            safe_text(compact_status(container.status)),
            safe_text(container.name),
        )
    volumes = _simple_table("VOLUME NAME", "LINKS", "SIZE")
    for volume in usage.volumes:
        volumes.add_row(safe_text(volume.name), str(volume.links), cli_size(volume.size) if volume.size >= 0 else "N/A")
    cache = _simple_table("CACHE ID", "CACHE TYPE", "SIZE", "CREATED", "LAST USED", "USAGE", "SHARED")
    for entry in usage.build_cache:
        cache.add_row(
            safe_text(entry.id[:12]) + ("*" if entry.in_use else ""),
            safe_text(entry.type),
            cli_size(entry.size, 3),
            time_ago(entry.created, now) if entry.created else "-",
            time_ago(entry.last_used, now) if entry.last_used else "-",
            str(entry.usage_count),
            "true" if entry.shared else "false",
        )
    builder = next((line for line in usage.lines if line.type == "Build Cache"), None)
    return Group(
        df_table(usage),
        Text(""),
        _heading("Images space usage"),
        images,
        Text(""),
        _heading("Containers space usage"),
        containers,
        Text(""),
        _heading("Local Volumes space usage"),
        volumes,
        Text(""),
        _heading(f"Build cache usage: {cli_size(builder.size if builder else 0)}"),
        cache,
    )


def event_matches(event: DockerEvent, needle: str, container_names: dict[str, str] | None = None) -> bool:
    """Every whitespace-separated word of ``needle`` must appear somewhere
    in the event (type, action, name, id, an attribute, or the name of the
    container a network event is about)."""
    if not needle:
        return True
    fields = [event.type, event.action, event.name, event.id, *(f"{k}={v}" for k, v in event.attributes)]
    container = dict(event.attributes).get("container", "")
    if container and container_names:
        fields.append(container_names.get(container, ""))
    haystack = " ".join(fields).lower()
    return all(word in haystack for word in needle.lower().split())


EVENT_STYLES = {"container": "green", "image": "magenta", "volume": "yellow", "network": "cyan", "daemon": "red", "plugin": "blue"}


def event_line(event: DockerEvent, container_names: dict[str, str] | None = None) -> Text:
    """One log line: time, type, action, name (or short id), a detail.
    Network events carry only a container's id; ``container_names`` (from
    earlier container events) turns it into the name."""
    stamp = datetime.fromtimestamp(event.time_nano / 1e9) if event.time_nano else datetime.now()
    attributes = dict(event.attributes)
    text = Text(no_wrap=True, overflow="ellipsis")
    text.append(stamp.strftime("%H:%M:%S "), style="dim")
    text.append(f"{event.type:<9} ", style=EVENT_STYLES.get(event.type, ""))
    text.append(f"{safe_text(event.action):<12} ", style="bold")
    subject = event.name or (event.id[:12] if len(event.id) >= 32 else event.id)
    text.append(safe_text(subject))
    detail = ""
    if event.type == "container" and attributes.get("image"):
        detail = attributes["image"]
    elif event.type == "network" and attributes.get("container"):
        container = attributes["container"]
        detail = "container " + (container_names or {}).get(container, container[:12])
    elif event.type == "container" and attributes.get("exitCode"):
        detail = "exit " + attributes["exitCode"]
    if event.type == "container" and attributes.get("exitCode") and detail != "exit " + attributes["exitCode"]:
        detail += f"  exit {attributes['exitCode']}"
    if detail:
        text.append(f"  {safe_text(detail)}", style="dim")
    return text


def prune_summary(result: ops.SystemPruneResult) -> str:
    parts = []
    for kind, one, many in (
        ("containers", "container", "containers"),
        ("networks", "network", "networks"),
        ("volumes", "volume", "volumes"),
        ("images", "image", "images"),
        ("build cache", "build cache object", "build cache objects"),
    ):
        if any(r.kind == kind for r in result.reports):
            count = result.count(kind)
            parts.append(f"{count} {one if count == 1 else many}")
    return f"Deleted {', '.join(parts)}. Reclaimed {cli_size(result.reclaimed)}."


# --- the pane ----------------------------------------------------------------

class EventsFilter(Input):
    BINDINGS = [Binding("escape", "cancel_filter", "Clear filter", show=False, id="system.cancel_filter")]

    def action_cancel_filter(self) -> None:
        pane = next((a for a in self.ancestors if isinstance(a, SystemPane)), None)
        if pane is not None:
            pane.clear_filter()


class EventsLog(RichLog):
    """The events log: follows new events only while the user is at the
    bottom, so reading further up is not interrupted by a busy daemon."""

    following = True

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        # our own scroll_end lands on the bottom; only the user moves away
        self.following = new_value >= self.max_scroll_y

    def clear(self) -> EventsLog:
        self.following = True
        return super().clear()


class SystemPane(WorkerErrors, Vertical):
    pane_id: ClassVar[str] = "system"
    title: ClassVar[str] = "System"

    BINDINGS = [
        # v/f/e are shown in the pane's own section bar
        Binding("v", "section('info')", "Version/info", show=False, id="system.section_info"),
        Binding("f", "section('df')", "Disk usage", show=False, id="system.section_df"),
        Binding("e", "section('events')", "Events", show=False, id="system.section_events"),
        Binding("V", "toggle_verbose", "Verbose df", id="system.toggle_verbose"),
        Binding("slash", "start_filter", "Filter events", id="system.start_filter"),
        Binding("escape", "clear_filter", "Clear filter", show=False, id="system.clear_filter"),
        Binding("c", "clear_events", "Clear events", show=False, id="system.clear_events"),
        Binding("P", "prune", "System prune", id="system.prune"),
        Binding("ctrl+r", "reload", "Reload", show=False, id="system.reload"),
    ]

    def __init__(self) -> None:
        super().__init__(id=f"pane-{self.pane_id}", classes="pane")
        self.section = "info"
        self.verbose = False
        self.filter_text = ""
        self.events: deque[DockerEvent] = deque(maxlen=EVENTS_KEPT)
        self.overview: SystemOverview | None = None
        self.usage: DiskUsage | None = None
        self.last_prune = ""
        self._info_dirty = True
        self._df_dirty = True
        self._info_loading = False
        self._df_loading = False
        self._info_at = 0.0
        self._df_at = 0.0
        self._wide = False
        self._shown_events = 0
        self._container_names: dict[str, str] = {}

    @property
    def dtui(self) -> DtuiApp:
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        yield Static(id="system-sections")
        with Horizontal(id="system-body"):
            with VerticalScroll(id="system-info", classes="system-section"):
                yield Static(Text("loading…", style="dim"), id="system-info-text")
            with Vertical(id="system-side"):
                with VerticalScroll(id="system-df", classes="system-section"):
                    yield Static(Text("loading…", style="dim"), id="system-df-text")
                with Vertical(id="system-events", classes="system-section"):
                    yield Static(id="system-events-title")
                    yield EventsFilter(placeholder="/ filter events (type, action, name, id; words AND)", id="system-events-filter")
                    yield EventsLog(max_lines=EVENTS_KEPT, min_width=20, wrap=False, markup=False, auto_scroll=True, id="system-events-log")
        yield Static(id="system-status", classes="pane-status")

    def on_mount(self) -> None:
        self.query_one("#system-events-filter").display = False
        self._apply_layout(self.size.width or self.app.size.width)
        self._update_events_title()
        self._update_status()
        self.set_interval(0.5, self._refresh_if_dirty)

    def on_resize(self) -> None:
        self._apply_layout(self.size.width)

    # --- layout ----------------------------------------------------------
    @property
    def all_at_once(self) -> bool:
        """Wide enough for every section, and not showing the wide df listing."""
        return self._wide and not self.verbose

    def _apply_layout(self, width: int) -> None:
        self._wide = width >= WIDE
        together = self.all_at_once
        self.set_class(together, "-together")
        for name, _, _ in SECTIONS:
            self.query_one(f"#system-{name}").display = together or name == self.section
        self.query_one("#system-side").display = together or self.section in ("df", "events")
        self.query_one("#system-info").display = together or self.section == "info"
        self._render_sections()

    def _render_sections(self) -> None:
        text = Text()
        for name, key, label in SECTIONS:
            active = name == self.section
            text.append(f" {key} ", style="bold reverse" if active else "bold")
            text.append(f"{label} ", style="bold" if active else "dim")
            text.append(" ")
        if self.verbose:
            text.append(" V verbose df ", style="bold yellow")
        text.append(" P prune", style="dim")
        self.query_one("#system-sections", Static).update(text)

    def focus_table(self) -> None:
        target = {"info": "#system-info", "df": "#system-df", "events": "#system-events-log"}[self.section]
        if self.section == "events" and self.filter_text and self.screen.focused is self.query_one(EventsFilter):
            return
        self.screen.set_focus(self.query_one(target))

    def action_section(self, name: str) -> None:
        self.section = name
        if name != "df" and self.verbose and self._wide:
            # the verbose listing needs the whole width; leaving df ends it
            self.verbose = False
        self._apply_layout(self.size.width)
        self.focus_table()
        self._refresh_if_dirty()

    def action_toggle_verbose(self) -> None:
        self.verbose = not self.verbose
        if self.verbose:
            self.section = "df"
        self._apply_layout(self.size.width)
        self._draw_df()
        self.focus_table()

    # --- refresh -----------------------------------------------------------
    def mark_dirty(self) -> None:
        self._info_dirty = True
        self._df_dirty = True
        self._info_at = self._df_at = 0.0

    def action_reload(self) -> None:
        self.mark_dirty()
        self._refresh_if_dirty()

    def _visible(self, name: str) -> bool:
        return bool(self.display) and (self.all_at_once or self.section == name)

    def _refresh_if_dirty(self) -> None:
        if self.dtui.connected is False:
            return
        now = time.monotonic()
        if self._info_dirty and not self._info_loading and self._visible("info") and now - self._info_at >= INFO_MIN_INTERVAL:
            self._info_dirty, self._info_loading, self._info_at = False, True, now
            self._load_overview()
        if self._df_dirty and not self._df_loading and self._visible("df") and now - self._df_at >= DF_MIN_INTERVAL:
            self._df_dirty, self._df_loading, self._df_at = False, True, now
            self._load_df()

    @work(thread=True, exclusive=True, group="system-info", exit_on_error=False, name="docker version/info")
    def _load_overview(self) -> None:
        try:
            self.post_message(OverviewLoaded(ops.overview(self.dtui.service.api)))
        finally:
            self._info_loading = False

    @work(thread=True, exclusive=True, group="system-df", exit_on_error=False, name="docker system df")
    def _load_df(self) -> None:
        try:
            self.post_message(DiskUsageLoaded(ops.fetch_disk_usage(self.dtui.service.api)))
        finally:
            self._df_loading = False

    def on_overview_loaded(self, message: OverviewLoaded) -> None:
        message.stop()
        self.overview = message.overview
        self.query_one("#system-info-text", Static).update(render_overview(message.overview))

    def on_disk_usage_loaded(self, message: DiskUsageLoaded) -> None:
        message.stop()
        self.usage = message.usage
        self._draw_df()

    def _draw_df(self) -> None:
        if self.usage is not None:
            self.query_one("#system-df-text", Static).update(render_df(self.usage, verbose=self.verbose))

    # --- events ------------------------------------------------------------
    def on_daemon_event(self, event: DockerEvent) -> None:
        if event.type in RELEVANT_TYPES:
            self._info_dirty = True
            if not event.action.startswith(("exec_", "top", "attach", "resize")):
                self._df_dirty = True
        self.events.append(event)
        if event.type == "container" and event.name:
            if len(self._container_names) > 2 * EVENTS_KEPT:
                self._container_names.clear()
            self._container_names[event.id] = event.name
        if event_matches(event, self.filter_text, self._container_names):
            log = self.query_one(EventsLog)
            log.write(event_line(event, self._container_names), scroll_end=log.following)
            self._shown_events = min(self._shown_events + 1, EVENTS_KEPT)
        self._update_events_title()

    def _update_events_title(self) -> None:
        text = Text()
        text.append("Daemon events ", style="bold")
        if self.filter_text:
            text.append(f"{self._shown_events} of {len(self.events)}", style="")
            text.append(f" · filter: {self.filter_text}", style="yellow")
        else:
            text.append(f"{len(self.events)}", style="")
        text.append(f" (last {EVENTS_KEPT} kept; / filter, c clear)", style="dim")
        self.query_one("#system-events-title", Static).update(text)

    def _rewrite_events(self) -> None:
        log = self.query_one(RichLog)
        log.clear()
        shown = [event for event in self.events if event_matches(event, self.filter_text, self._container_names)]
        for event in shown:
            log.write(event_line(event, self._container_names))
        self._shown_events = len(shown)
        self._update_events_title()

    def action_clear_events(self) -> None:
        self.events.clear()
        self._rewrite_events()

    def action_start_filter(self) -> None:
        if self.section != "events" and not self.all_at_once:
            self.action_section("events")
        field = self.query_one(EventsFilter)
        field.display = True
        field.value = self.filter_text
        self.screen.set_focus(field)

    @on(Input.Changed, "#system-events-filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        event.stop()
        self.filter_text = event.value.strip()
        self._rewrite_events()

    @on(Input.Submitted, "#system-events-filter")
    def _filter_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if not self.filter_text:
            self.query_one(EventsFilter).display = False
        self.screen.set_focus(self.query_one(RichLog))

    def clear_filter(self) -> None:
        field = self.query_one(EventsFilter)
        field.value = ""
        field.display = False
        self.filter_text = ""
        self._rewrite_events()
        self.screen.set_focus(self.query_one(RichLog))

    def action_clear_filter(self) -> None:
        if self.filter_text:
            self.clear_filter()

    # --- prune -----------------------------------------------------------
    def action_prune(self) -> None:
        if not self.dtui.check_writable("system prune"):
            return
        from tui.screens.system_prune import SystemPruneScreen

        def answered(volumes: bool | None) -> None:
            if volumes is None:
                return
            self.dtui.run_task(
                "system prune",
                lambda: ops.system_prune(self.dtui.service.patient_api, volumes=volumes),
                on_result=self._pruned,
            )

        # the wording for volumes depends on the API version; asking for it
        # may reconnect, so it is done off the event loop
        self.dtui.run_task(
            "system prune",
            lambda: str(self.dtui.service.api.api_version),
            on_result=lambda version: self.app.push_screen(SystemPruneScreen(version), answered),
            quiet=True,
        )

    def _pruned(self, result: ops.SystemPruneResult) -> None:
        self.last_prune = prune_summary(result)
        self.notify(self.last_prune, title="System prune", timeout=10, markup=False)
        self._update_status()
        self.mark_dirty()

    def _update_status(self) -> None:
        text = Text()
        if self.last_prune:
            text.append("Last prune: ", style="bold")
            text.append(self.last_prune)
        else:
            text.append("V verbose df · / filter events · c clear events · ctrl+r reload", style="")
        self.query_one("#system-status", Static).update(text)
