"""The log screen: one container's log, or several merged, followed live.

The screen owns the :class:`LogFollower` (threads that stream into a disk
spool) and everything the user does with the log: presets that refetch it
(tail / since), search, filter, save. The :class:`LogView` draws it.

Threads never touch widgets: the follower's callbacks post messages tagged
with the follow's generation, so a message from a follow that a preset has
replaced is recognised and dropped. Search, filter scans and saving run in
thread workers, because a log can hold millions of lines.
"""

from __future__ import annotations

import bisect
import os
import re
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer, Input, Static
from textual.worker import get_current_worker

from tui.config import since_seconds
from tui.docker.logs import DEFAULT_TAIL, REASON_REMOVED, LogFollower
from tui.docker.logspool import LogFilter, LogSpool, compile_pattern
from tui.docker.session import LazyApi
from tui.docker.models import ContainerRow
from tui.presentation import safe_text
from tui.widgets.log_view import LogView, name_colour
from tui.workers import WorkerErrors

#: ``--since`` presets: key, label, seconds back.
SINCE_PRESETS = (("1", "1m", 60), ("2", "15m", 15 * 60), ("3", "1h", 3600), ("4", "24h", 24 * 3600))
#: ``--tail`` steps for ``+`` / ``-``.
TAIL_STEPS: tuple[int | str, ...] = (100, 1000, DEFAULT_TAIL, 20_000, 100_000, "all")
#: Lines a filter scans before showing what it found so far.
FILTER_SLICE = 200_000
REGEX_PREFIX = "r/"
#: How a follow ends when the daemon went away (LogFollower's wording).
LOST_DAEMON = "lost the daemon"
#: Seconds between asking whether a lost daemon is back (the last repeats).
RESUME_DELAYS = (0.5, 1.0, 2.0)


@dataclass
class LogLinesArrived(Message):
    generation: int


@dataclass
class LogStreamEnded(Message):
    generation: int
    reason: str


@dataclass
class DaemonBack(Message):
    """The daemon a follow lost answers again."""

    generation: int


@dataclass
class SearchFinished(Message):
    generation: int
    hit: int | None
    wrapped: bool
    backwards: bool


@dataclass
class FilterScanned(Message):
    generation: int
    line_filter: LogFilter
    done: bool


@dataclass
class LogSaved(Message):
    path: str
    count: int
    error: str


@dataclass(frozen=True)
class Preset:
    """What is fetched: the last *tail* lines, or everything since *since*."""

    tail: int | str = DEFAULT_TAIL
    since: str = ""  # a SINCE_PRESETS label, or ""

    @property
    def label(self) -> str:
        if self.since:
            return f"since {self.since}"
        return "all lines" if self.tail == "all" else f"tail {self.tail:,}" if isinstance(self.tail, int) else f"tail {self.tail}"

    def since_seconds(self) -> float | None:
        return time.time() - since_seconds(self.since) if self.since else None


def parse_pattern(value: str) -> tuple[re.Pattern[str], str]:
    """The pattern typed in the search/filter box: plain text, or a regex after
    ``r/``; smart case (ignore case unless the pattern has a capital).
    Raises ``re.error``."""
    regex = value.startswith(REGEX_PREFIX)
    text = value[len(REGEX_PREFIX) :] if regex else value
    return compile_pattern(text, regex=regex, ignore_case=text == text.lower()), text


def search_lines(
    spool: LogSpool, line_filter: LogFilter | None, count: int, pattern: re.Pattern[str], start: int, backwards: bool
) -> tuple[int | None, bool]:
    """The next matching line from spool index *start*, among the lines shown
    (*line_filter*'s first *count* matches, or the spool's first *count*
    lines), wrapping around once. Returns (index, wrapped)."""
    if count == 0:
        return None, False
    last = int(line_filter.indices[count - 1]) if line_filter is not None else count - 1
    for wrapped, begin in ((False, start), (True, last if backwards else 0)):
        position = begin
        while 0 <= position <= last:
            hit = spool.search(pattern, start=position, backwards=backwards)
            if hit is None or hit > last:
                if backwards and hit is not None:
                    position = last
                    continue
                break
            if line_filter is None:
                return hit, wrapped
            at = bisect.bisect_left(line_filter.indices, hit, 0, count)
            if at < count and line_filter.indices[at] == hit:
                return hit, wrapped
            position = hit - 1 if backwards else hit + 1
    return None, False


def default_save_path(names: Sequence[str], project: str = "") -> str:
    base = project or (names[0] if len(names) == 1 else "containers")
    base = re.sub(r"[^A-Za-z0-9_.-]+", "_", base).strip("._") or "container"
    return f"./{base}-logs.txt"


class LogScreen(WorkerErrors, Screen):
    """Logs of one or several containers (merged, names coloured)."""

    BINDINGS = [
        Binding("escape", "back", "Back", id="logs.back"),
        Binding("q", "close", "Close", show=False, id="logs.close"),
        Binding("slash", "search", "Search", id="logs.search"),
        Binding("n", "next_match", "Next", show=False, id="logs.next_match"),
        Binding("N", "previous_match", "Previous", show=False, id="logs.previous_match"),
        Binding("f", "filter", "Filter", id="logs.filter"),
        Binding("ampersand", "filter", "Filter (& as in less)", show=False, id="logs.filter_less"),
        Binding("w", "toggle_wrap", "Wrap", id="logs.toggle_wrap"),
        Binding("t", "toggle_timestamps", "Time", id="logs.toggle_timestamps"),
        Binding("s", "save", "Save", id="logs.save"),
        Binding("G", "follow", "Follow", id="logs.follow"),
        *[Binding(key, f"since('{label}')", f"Since {label}", show=False, id=f"logs.since_{label}") for key, label, _ in SINCE_PRESETS],
        Binding("0", "all_lines", "All lines", show=False, id="logs.all_lines"),
        Binding("plus", "tail(1)", "More lines (+ tail)", show=False, id="logs.more_lines"),
        Binding("minus", "tail(-1)", "Fewer lines (- tail)", show=False, id="logs.fewer_lines"),
        Binding("r", "reload", "Reload", show=False, id="logs.reload"),
    ]

    def __init__(self, rows: Sequence[ContainerRow], *, project: str = "", preset: Preset | None = None) -> None:
        super().__init__()
        if not rows:
            raise ValueError("no container to show logs of")
        self.rows = list(rows)
        self.project = project
        self.names = [row.name for row in self.rows]
        settings = getattr(self.app, "settings", None)  # [logs] tail and since of the settings file
        self.preset = preset or (Preset(settings.log_tail, settings.log_since) if settings else Preset())
        self.follower: LogFollower | None = None
        self.generation = 0
        self.end_reason = ""
        self.message = Text()
        self.search_pattern: re.Pattern[str] | None = None
        self.filter_text = ""
        self._filter_pattern: re.Pattern[str] | None = None
        self._input_mode = ""
        self._filter_busy = False
        self._filter_again = False

    # -- layout ------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield LogView(id="log-view")
        yield Input(id="log-input")
        yield Static(id="log-status")
        yield Footer()

    @property
    def view(self) -> LogView:
        return self.query_one(LogView)

    @property
    def input(self) -> Input:
        return self.query_one("#log-input", Input)

    def on_mount(self) -> None:
        self.input.display = False
        self.view.focus()
        self.start_follow()

    def on_unmount(self) -> None:
        self._stop_follower()

    # -- the follow ----------------------------------------------------------

    def start_follow(self) -> None:
        """(Re)fetch the log with the current preset; the old follow is closed first."""
        self._stop_follower()
        self.generation += 1
        generation = self.generation
        self.end_reason = ""
        follower = LogFollower(
            # the client is looked up in the follower's threads: here it could
            # block on a slow daemon, or raise while the daemon is away
            LazyApi(self.app.service),  # type: ignore[attr-defined]
            [row.id for row in self.rows],
            tail=self.preset.tail,
            since=self.preset.since_seconds(),
            on_lines=lambda _count: self.post_message(LogLinesArrived(generation)),
            on_end=lambda reason: self.post_message(LogStreamEnded(generation, reason)),
            notify_interval=0.05,  # at most 20 screen updates a second, however fast lines come
        )
        self.follower = follower
        self.view.set_source(follower.spool, names=self.names)
        if self._filter_pattern is not None:
            self._apply_filter(self._filter_pattern)
        follower.start()
        self.update_status()

    def _stop_follower(self) -> None:
        follower, self.follower = self.follower, None
        if follower is not None:
            # stop() shuts the sockets at once; joining the threads and
            # dropping the spool's files can wait in the background.
            follower.stop(timeout=0)
            threading.Thread(target=follower.close, name="dtui-logs-close", daemon=True).start()

    @on(LogLinesArrived)
    def _lines_arrived(self, message: LogLinesArrived) -> None:
        if message.generation != self.generation:
            return
        if self.view.line_filter is not None:
            self._scan_filter()
        else:
            self.view.lines_changed()
        self.update_status()

    @on(LogStreamEnded)
    def _stream_ended(self, message: LogStreamEnded) -> None:
        if message.generation != self.generation:
            return
        self.end_reason = message.reason
        self._lines_arrived(LogLinesArrived(message.generation))
        if REASON_REMOVED in message.reason:
            self.notify(f"{self._names_text()}: {message.reason} — log ended", severity="warning", timeout=6, markup=False)
        elif LOST_DAEMON in message.reason:
            self.notify(f"{message.reason} — the log resumes when the daemon is back", title="Log interrupted", severity="error", timeout=8, markup=False)
            self._await_daemon(message.generation)
        self.update_status()

    @work(thread=True, exclusive=True, group="log-resume", exit_on_error=False, name="log resume")
    def _await_daemon(self, generation: int) -> None:
        """Ask the daemon, with backoff, until it answers; then the follow
        starts again. The old lines stay on screen meanwhile."""
        worker = get_current_worker()
        delays = iter(RESUME_DELAYS)
        delay = next(delays)
        while True:
            time.sleep(delay)
            if worker.is_cancelled or generation != self.generation:
                return
            try:
                self.app.service.api.ping()  # type: ignore[attr-defined]
            except Exception:  # noqa: BLE001 - still away; the event stream shows why
                delay = next(delays, delay)
                continue
            self.post_message(DaemonBack(generation))
            return

    @on(DaemonBack)
    def _daemon_back(self, message: DaemonBack) -> None:
        if message.generation != self.generation or LOST_DAEMON not in self.end_reason:
            return
        self.notify("The Docker daemon is back: log resumed.", timeout=4, markup=False)
        self.start_follow()

    def end_text(self) -> str:
        reason = self.end_reason
        if not reason:
            return ""
        if reason.startswith("container exited"):
            return f"container is not running — end of log ({reason[len('container '):]})"
        if reason.startswith(f"{LOST_DAEMON}: "):
            # what matters first; the why can be long (it names the host)
            return f"{LOST_DAEMON}, resumes when it is back — {reason[len(LOST_DAEMON) + 2:]}"
        if LOST_DAEMON in reason:
            return f"{reason} — resumes when the daemon is back"
        return reason

    # -- status ----------------------------------------------------------------

    def _names_text(self) -> str:
        if self.project:
            return f"{self.project} ({len(self.names)})"
        return ", ".join(self.names)

    def status_text(self) -> Text:
        view = self.view
        # Below 100 columns the state keeps its short form, so the line count
        # and the preset still fit on an 80-column terminal.
        narrow = self.size.width < 100
        text = Text(no_wrap=True, overflow="ellipsis")
        if self.message:
            text.append_text(self.message)
            text.append("  ")
        if len(self.names) > 1 and not self.project:
            for number, name in enumerate(self.names):
                text.append((", " if number else ""))
                text.append(safe_text(name), style=f"bold {name_colour(name)}")
        else:
            text.append(safe_text(self._names_text()), style="bold")
        text.append("  ")
        if self.end_reason:
            text.append("■ " + safe_text(self.end_text()), style="red" if REASON_REMOVED in self.end_reason or "lost" in self.end_reason else "yellow")
        elif view.following:
            text.append("● following", style="green")
        else:
            pending = view.pending
            if narrow:
                text.append(f"‖ paused +{pending:,} (G)", style="bold yellow")
            else:
                text.append(f"‖ paused — {pending:,} new line{'s' if pending != 1 else ''} — G/End to resume", style="bold yellow")
        total = len(view.spool) if view.spool is not None and not view.spool.closed else 0
        if view.line_filter is not None:
            text.append(f"  filter {safe_text(self.filter_text)!r}: {view.shown_count:,} of {total:,}", style="cyan")
        else:
            text.append(f"  {total:,} lines")
        text.append(f"  {self.preset.label}", style="dim")
        if narrow:
            modes = [name for name, on in (("wrap", view.wrap), ("time", view.timestamps)) if on]
            if modes:
                text.append("  " + " ".join(modes), style="dim")
        else:
            text.append(f"  wrap {'on' if view.wrap else 'off'}", style="dim")
            text.append(f"  time {'on' if view.timestamps else 'off'}", style="dim")
        return text

    def update_status(self) -> None:
        self.query_one("#log-status", Static).update(self.status_text(), layout=False)

    def set_message(self, message: str, style: str = "") -> None:
        self.message = Text(safe_text(message), style=style)
        self.update_status()

    @on(LogView.FollowChanged)
    def _follow_changed(self, _message: LogView.FollowChanged) -> None:
        self.update_status()

    # -- keys --------------------------------------------------------------------

    def action_back(self) -> None:
        if self.input.display:
            self._close_input()
        elif self.view.line_filter is not None:
            self.clear_filter()
        else:
            self.action_close()

    def action_close(self) -> None:
        self._stop_follower()
        self.app.pop_screen()

    def action_toggle_wrap(self) -> None:
        self.view.set_wrap(not self.view.wrap)
        self.update_status()

    def action_toggle_timestamps(self) -> None:
        self.view.set_timestamps(not self.view.timestamps)
        self.update_status()

    def action_follow(self) -> None:
        self.view.action_follow()

    def action_reload(self) -> None:
        self.message = Text()
        self.start_follow()

    def action_since(self, label: str) -> None:
        self.preset = Preset(tail="all", since=label)
        self.action_reload()

    def action_all_lines(self) -> None:
        self.preset = Preset(tail="all")
        self.action_reload()

    def action_tail(self, step: int) -> None:
        tail = self.preset.tail
        if self.preset.since or tail not in TAIL_STEPS:
            position = TAIL_STEPS.index(DEFAULT_TAIL)
        else:
            position = max(0, min(len(TAIL_STEPS) - 1, TAIL_STEPS.index(tail) + step))
        self.preset = Preset(tail=TAIL_STEPS[position])
        self.action_reload()

    # -- the input box (search, filter, save) -------------------------------

    def _open_input(self, mode: str, placeholder: str, value: str = "") -> None:
        self._input_mode = mode
        box = self.input
        box.placeholder = placeholder
        box.value = value
        box.cursor_position = len(value)
        box.display = True
        # Now, not after the queued keys: text typed right after "/" must
        # land in the box, not run as commands.
        self.set_focus(box)

    def _close_input(self) -> None:
        self.input.display = False
        self._input_mode = ""
        self.set_focus(self.view)

    def action_search(self) -> None:
        self._open_input("search", "search: text, or r/regex — enter finds the next match, n/N move, escape closes")

    def action_filter(self) -> None:
        self._open_input("filter", "filter: show only lines matching text, or r/regex — escape clears", self.filter_text)

    def action_save(self) -> None:
        self._open_input("save", "save every line to this file — enter saves, escape cancels", default_save_path(self.names, self.project))

    @on(Input.Submitted, "#log-input")
    def _input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        value = event.value
        if self._input_mode == "save":
            self._save(value)
            return
        if not value:
            self._close_input()
            if self._input_mode == "filter":
                self.clear_filter()
            return
        try:
            pattern, _text = parse_pattern(value)
        except re.error as exc:
            # The typed text stays in the box to be corrected.
            self.set_message(f"bad regex: {exc}", "bold red")
            return
        mode = self._input_mode
        self._close_input()
        self.message = Text()
        if mode == "search":
            self.search_pattern = pattern
            self.view.set_pattern(pattern)
            top = self.view.top_spool_index() or 0
            self._search(top, backwards=False)
        elif mode == "filter":
            self.filter_text = value
            self._apply_filter(pattern)

    # -- search --------------------------------------------------------------------

    def action_next_match(self) -> None:
        self._step_match(backwards=False)

    def action_previous_match(self) -> None:
        self._step_match(backwards=True)

    def _step_match(self, *, backwards: bool) -> None:
        if self.search_pattern is None:
            self.set_message("no search yet: press / to search")
            return
        current = self.view.current_match
        if current is None:
            current = self.view.top_spool_index() or 0
            start = current
        else:
            start = current - 1 if backwards else current + 1
        self._search(start, backwards=backwards)

    def _search(self, start: int, *, backwards: bool) -> None:
        view = self.view
        if view.spool is None or self.search_pattern is None:
            return
        self.set_message("searching…", "dim")
        self._run_search(self.generation, view.spool, view.line_filter, view.shown_count, self.search_pattern, max(0, start), backwards)

    @work(thread=True, exclusive=True, group="log-search", exit_on_error=False, name="log search")
    def _run_search(
        self, generation: int, spool: LogSpool, line_filter: LogFilter | None, count: int, pattern: re.Pattern[str], start: int, backwards: bool
    ) -> None:
        try:
            hit, wrapped = search_lines(spool, line_filter, count, pattern, start, backwards)
        except ValueError:
            return  # the spool was replaced and closed: a new follow began
        self.post_message(SearchFinished(generation, hit, wrapped, backwards))

    @on(SearchFinished)
    def _search_finished(self, message: SearchFinished) -> None:
        if message.generation != self.generation or self.search_pattern is None:
            return
        if message.hit is None:
            self.view.current_match = None
            self.view.set_pattern(self.search_pattern)
            self.set_message(f"no match for {self.search_pattern.pattern!r}", "bold red")
            return
        self.view.current_match = message.hit
        self.view.go_to(message.hit)
        if message.wrapped:
            where = "bottom" if message.backwards else "top"
            self.set_message(f"search wrapped to the {where}", "yellow")
            self.notify(f"Search wrapped to the {where}.", timeout=2)
        else:
            self.set_message(f"match at line {message.hit + 1:,}", "cyan")

    # -- filter --------------------------------------------------------------------

    def _apply_filter(self, pattern: re.Pattern[str]) -> None:
        view = self.view
        if view.spool is None:
            return
        self._filter_pattern = pattern
        line_filter = view.spool.filter(pattern)
        view.set_filter(line_filter)
        self._filter_busy = False
        self._scan_filter()
        self.update_status()

    def clear_filter(self) -> None:
        self.filter_text = ""
        self._filter_pattern = None
        self.view.set_filter(None)
        self.set_message("filter cleared", "dim")

    def _scan_filter(self) -> None:
        line_filter = self.view.line_filter
        if line_filter is None:
            return
        if self._filter_busy:
            # One scan at a time; the running one is told to look again.
            self._filter_again = True
            return
        self._filter_busy = True
        self._filter_again = False
        self._run_filter(self.generation, line_filter)

    @work(thread=True, group="log-filter", exit_on_error=False, name="log filter")
    def _run_filter(self, generation: int, line_filter: LogFilter) -> None:
        try:
            while True:
                line_filter.update(max_lines=FILTER_SLICE)
                done = line_filter.scanned >= len(line_filter.spool)
                self.post_message(FilterScanned(generation, line_filter, done))
                if done:
                    return
        except ValueError:
            self.post_message(FilterScanned(generation, line_filter, True))

    @on(FilterScanned)
    def _filter_scanned(self, message: FilterScanned) -> None:
        if message.line_filter is not self.view.line_filter:
            return
        if message.done:
            self._filter_busy = False
            if self._filter_again:
                self._scan_filter()
        self.view.lines_changed()
        self.update_status()

    # -- save ----------------------------------------------------------------------

    def _save(self, value: str) -> None:
        path = os.path.expanduser(value.strip())
        spool = self.view.spool
        if not path or spool is None:
            self.set_message("save: type a file name", "bold red")
            return
        self.set_message(f"saving to {path}…", "dim")
        self._run_save(spool, path, self.view.timestamps)

    @work(thread=True, exclusive=True, group="log-save", exit_on_error=False, name="log save")
    def _run_save(self, spool: LogSpool, path: str, timestamps: bool) -> None:
        try:
            count = spool.save(path, timestamps=timestamps)
        except OSError as exc:
            self.post_message(LogSaved(path, 0, f"{exc.strerror or exc}: {exc.filename or path}"))
            return
        except ValueError as exc:  # the spool closed: the log was refetched meanwhile
            self.post_message(LogSaved(path, 0, str(exc)))
            return
        self.post_message(LogSaved(os.path.abspath(path), count, ""))

    @on(LogSaved)
    def _saved(self, message: LogSaved) -> None:
        if message.error:
            # The box stays open with the typed path, to be corrected.
            self.set_message(f"cannot save: {message.error}", "bold red")
            return
        if self._input_mode == "save":
            self._close_input()
        text = f"saved {message.count:,} lines to {message.path}"
        self.set_message(text, "green")
        self.notify(text, timeout=4, markup=False)
