"""The main screen: a status line, the pane tabs, the active pane, the footer.

Only the first pane is built with the screen. Every other pane's module is
imported, and the pane built and mounted, the first time it is shown (number
key, tab, the palette's "Go to ..."), so the first list is painted without
waiting for panes nobody has looked at yet. Until then :attr:`panes` holds a
:class:`PendingPane` for it, which has nothing to refresh; the screen keeps
the daemon events such a pane would have seen and hands them over when it
mounts. The footer is mounted once the first list is on screen: it builds a
widget per key on every focus change, which is most of what a screen costs
while it starts. That moment also ends startup for the garbage collector,
which ``python -m tui`` keeps off until then (see ``tui/cli.py``), and
starts the app's event stream when the app held it back so that docker-py
loads after the first list (``DtuiApp.first_list_shown``).
"""

from __future__ import annotations

import gc
import time
from collections import deque
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual.app import ComposeResult
from textual.await_complete import AwaitComplete
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import ContentSwitcher, Static

from tui.panes.base import ResourcePane
from tui.panes.registry import PaneEntry, pane_entries

if TYPE_CHECKING:
    from textual.timer import Timer
    from textual.widget import AwaitMount

    from tui.docker.events import DockerEvent

#: Daemon events kept for panes not mounted yet (the System pane's event log
#: starts with them when it is first shown); as many as that log keeps.
PENDING_EVENTS_KEPT = 3000
#: The footer (and the garbage collector) wait for the first list at most
#: this long (a slow daemon).
FIRST_LIST_WAIT_SECONDS = 2.0


class PendingPane:
    """Stands for a pane in :attr:`MainScreen.panes` until the pane is built
    and mounted: it has nothing to refresh, since a pane lists everything
    when it is first shown."""

    def __init__(self, entry: PaneEntry) -> None:
        self.pane_id = entry.pane_id
        self.title = entry.title

    def focus_table(self) -> None:
        pass

    def mark_dirty(self) -> None:
        pass

    def on_daemon_event(self, event: DockerEvent) -> None:
        # the screen keeps the events for it (MainScreen.on_docker_event)
        pass


class MainScreen(Screen):
    BINDINGS = [
        Binding("q", "app.quit", "Quit", id="main.quit"),
        Binding("tab", "next_pane", "Next pane", show=False, id="main.next_pane"),
        Binding("shift+tab", "previous_pane", "Previous pane", show=False, id="main.previous_pane"),
        # one number key per pane, named after it (help lists them)
        *[
            Binding(str(n), f"show_pane({n - 1})", f"Go to {entry.title}", show=False, id=f"main.pane_{n}")
            for n, entry in enumerate(pane_entries(), start=1)
        ],
    ]

    def __init__(self) -> None:
        super().__init__(id="main")
        self._entries = pane_entries()
        self._pending = {entry.pane_id: PendingPane(entry) for entry in self._entries}
        #: pane_id -> the pane widget, from the moment it is built
        self._built: dict[str, Any] = {}
        #: pane_id -> how many daemon events the screen had seen when it was built
        self._built_after: dict[str, int] = {}
        #: panes mounted and given their missed events: they get events directly
        self._live: set[str] = set()
        self._events_seen = 0
        self._early_events: deque[tuple[int, DockerEvent]] = deque(maxlen=PENDING_EVENTS_KEPT)
        self._first_list_wait: Timer | None = None
        self._first_list_deadline = 0.0

    def compose(self) -> ComposeResult:
        first = self._entries[0]
        yield Static(id="topbar")
        yield Static(id="tabs")
        with ContentSwitcher(initial=f"pane-{first.pane_id}", id="panes"):
            yield self._build(first)

    def on_mount(self) -> None:
        self.update_status()
        self._render_tabs()
        first = self._built[self._entries[0].pane_id]
        self._pane_ready(first)
        first.focus_table()
        self._first_list_deadline = time.monotonic() + FIRST_LIST_WAIT_SECONDS
        self._first_list_wait = self.set_interval(0.05, self._wait_for_first_list, name="first-list-wait")

    # --- panes ---------------------------------------------------------------
    @property
    def panes(self) -> list[Any]:
        """One per registry entry, in tab order: the pane widget once it is
        mounted, a :class:`PendingPane` before. Each has pane_id, title,
        focus_table(), mark_dirty() and on_daemon_event(event)."""
        return [self._built[entry.pane_id] if entry.pane_id in self._live else self._pending[entry.pane_id] for entry in self._entries]

    @property
    def active_pane(self) -> Any:
        switcher = self.query_one(ContentSwitcher)
        return self.query_one(f"#{switcher.current}")

    @property
    def active_index(self) -> int:
        """The position of the shown pane in the tab strip (0-based)."""
        current = self.query_one(ContentSwitcher).current
        ids = [f"pane-{entry.pane_id}" for entry in self._entries]
        return ids.index(current) if current in ids else 0

    def _build(self, entry: PaneEntry) -> Any:
        pane = entry.load()()
        self._built[entry.pane_id] = pane
        self._built_after[entry.pane_id] = self._events_seen
        return pane

    def _pane_ready(self, pane: Any) -> None:
        """``pane`` is mounted: it gets the events it would have got had it
        been built with the screen — a list pane only those since it was
        built (its first list already shows what came before) — and from
        now on gets every event from the app itself."""
        if pane.pane_id in self._live:
            return
        since = self._built_after.pop(pane.pane_id, 0)
        missed = [event for seq, event in self._early_events if seq > since or not isinstance(pane, ResourcePane)]
        self._live.add(pane.pane_id)
        if len(self._live) == len(self._entries):
            self._early_events.clear()
        for event in missed:
            pane.on_daemon_event(event)

    def on_docker_event(self, event: DockerEvent) -> None:
        """Every daemon event (the app calls this after the live panes'
        on_daemon_event): kept while some pane is not mounted yet."""
        self._events_seen += 1
        if len(self._live) < len(self._entries):
            self._early_events.append((self._events_seen, event))

    def action_show_pane(self, index: int) -> AwaitComplete:
        """Show pane ``index`` (0-based), building it the first time. Works
        when called without awaiting; awaiting it (key bindings and the
        palette do) waits until the pane is mounted and focused, so a key
        pressed right after lands in the pane."""
        if not 0 <= index < len(self._entries):
            return AwaitComplete.nothing()
        entry = self._entries[index]
        switcher = self.query_one(ContentSwitcher)
        pane = self._built.get(entry.pane_id)
        mounting: AwaitMount | None = None
        if pane is None:
            pane = self._build(entry)
            mounting = switcher.mount(pane)
        switcher.current = pane.id
        self._render_tabs()
        if entry.pane_id in self._live:
            pane.focus_table()
            return AwaitComplete.nothing()
        # nothing focused until its table exists: keys go to the screen
        self.set_focus(None)
        return AwaitComplete(self._focus_when_mounted(pane, mounting)) if mounting is not None else AwaitComplete.nothing()

    async def _focus_when_mounted(self, pane: Any, mounting: AwaitMount) -> None:
        await mounting
        if not pane.is_attached:
            return
        self._pane_ready(pane)
        if self.query_one(ContentSwitcher).current == pane.id:
            pane.focus_table()

    def _step(self, delta: int) -> AwaitComplete:
        return self.action_show_pane((self.active_index + delta) % len(self._entries))

    def action_next_pane(self) -> AwaitComplete:
        return self._step(1)

    def action_previous_pane(self) -> AwaitComplete:
        return self._step(-1)

    # --- status line, tabs, footer -------------------------------------------
    def update_status(self) -> None:
        # the daemon can answer before this screen has composed its top bar;
        # on_mount draws it then
        for topbar in self.query("#topbar").results(Static):
            topbar.update(self.app.status_line())  # type: ignore[attr-defined]

    def _render_tabs(self) -> None:
        current = self.query_one(ContentSwitcher).current
        text = Text()
        for number, entry in enumerate(self._entries, start=1):
            active = current == f"pane-{entry.pane_id}"
            label = f" {number} {entry.title} "
            text.append(label, style="bold reverse" if active else "dim")
            text.append(" ")
        self.query_one("#tabs", Static).update(text)

    def _wait_for_first_list(self) -> None:
        # ResourcePane sets _loaded with its first list; a pane without it
        # holds nothing back
        first = self._built[self._entries[0].pane_id]
        listed = getattr(first, "_loaded", True)
        unreachable = getattr(self.app, "connected", None) is False or getattr(self.app, "first_list_failed", False)
        if listed or unreachable or time.monotonic() >= self._first_list_deadline:
            if self._first_list_wait is not None:
                self._first_list_wait.stop()
                self._first_list_wait = None
            # after the frame that shows the list, not in its way
            self.call_after_refresh(self._after_first_list)

    async def _after_first_list(self) -> None:
        if not gc.isenabled():
            # The command line held the collector off through startup: what
            # startup built is never walked again, and from now on full
            # collections wait for a pause in the input.
            gc.freeze()
            collect_when_idle = getattr(self.app, "collect_when_idle", None)
            if collect_when_idle is not None:
                collect_when_idle()
            gc.enable()
        shown = getattr(self.app, "first_list_shown", None)
        if shown is not None:
            shown()
        from tui.widgets.key_footer import KeyFooter

        if not self.query(KeyFooter):
            await self.mount(KeyFooter())
            # a footer draws its keys when the bindings change, and the
            # focus settled before it was there
            self.refresh_bindings()
