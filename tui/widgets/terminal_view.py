"""The embedded terminal widget: a TerminalEmulator on screen, wired to a TerminalSession.

Output is fed to the emulator in the session's reader thread; the widget only
draws, from a timer at a capped frame rate (40 fps), the lines the emulator
reports dirty, so a flood of output costs one partial repaint per frame,
never one per read. While output pours in, whole-screen redraws drop to
5 fps so the reader keeps the CPU; an echo in a quiet terminal is drawn at
once instead of at the next tick. While it has focus the widget takes every key (Textual's
`check_consume_key` hides the app's and the screen's bindings, priority ones
included), so ':', '?', 'q', Tab, Escape and Ctrl+C reach the container.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass

from textual import events, work
from textual.geometry import Region
from textual.message import Message
from textual.strip import Strip
from textual.timer import Timer
from textual.widget import Widget

from tui.docker.session import (
    ChannelError,
    SessionEnd,
    TerminalChannel,
    TerminalSession,
    open_channel,
)
from tui.terminal.emulator import TerminalEmulator
from tui.terminal.keys import DetachMatcher, encode_key, encode_paste
from tui.workers import WorkerErrors

#: Redraws per second at most; a flood shows its latest frame, not every one.
FRAME_RATE = 40
#: Frames per second at most while a flood redraws most of the screen every frame.
FLOOD_FRAME_RATE = 5
#: Output per frame interval (1/FRAME_RATE) above which the terminal counts as flooded.
FLOOD_BYTES = 32768
#: Bytes fed under one hold of the emulator's lock: a whole read. Big runs
#: are the emulator's fast path (16 KiB slices cost a third of the rate), and
#: a frame waiting for the lock waits for one feed at most (the reader steps
#: aside), ~10-20 ms.
FEED_SLICE = 65536
#: Scrollback kept per terminal, in lines.
HISTORY = 5000

_SCROLL_KEYS = {"shift+pageup", "shift+pagedown", "shift+home", "shift+end"}


class TerminalView(WorkerErrors, Widget, can_focus=True):
    """A terminal for one channel: attach, exec or a local PTY."""

    DEFAULT_CSS = """
    TerminalView {
        width: 1fr;
        height: 1fr;
    }
    """

    @dataclass
    class Connected(Message):
        view: TerminalView

    @dataclass
    class Ended(Message):
        """The session ended (or never started: reason "failed")."""

        view: TerminalView
        end: SessionEnd

    @dataclass
    class DetachRequested(Message):
        """The user typed the detach keys."""

        view: TerminalView

    @dataclass
    class Dismissed(Message):
        """A key after the end (or on a read-only stream's leave key): go back."""

        view: TerminalView

    @dataclass
    class Changed(Message):
        """Scroll position or window title changed: the status line may want to say so."""

        view: TerminalView

    def __init__(
        self,
        channel: TerminalChannel,
        *,
        detach_sequence: bytes,
        daemon_detaches: bool,
        id: str | None = None,
    ) -> None:
        super().__init__(id=id)
        self.channel = channel
        self.detach_sequence = detach_sequence
        self.daemon_detaches = daemon_detaches
        self.emulator = TerminalEmulator(80, 24, HISTORY)
        self.session: TerminalSession | None = None
        self.end: SessionEnd | None = None
        self.connected = False
        self._matcher = None if daemon_detaches else DetachMatcher(detach_sequence)
        self._leave_matcher = DetachMatcher(detach_sequence)
        self._started = False
        self._frame_timer: Timer | None = None
        self._shown = (0, "")
        #: The last frame's lines, drawn without waiting for the emulator.
        self._frame: dict[int, Strip] = {}
        #: Frames that redrew something (the flood test and the bench count them).
        self.frames_drawn = 0
        self.last_frame_at = 0.0
        self._last_big_frame = 0.0
        self._received = 0
        self._received_at = 0.0
        self._flooding = False
        self._loop: asyncio.AbstractEventLoop | None = None
        self._wake_pending = False
        self._last_wake = 0.0
        #: The event loop is waiting for the emulator's lock to draw a frame.
        self._frame_waiting = False

    # -- lifecycle -------------------------------------------------------------

    def on_mount(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._frame_timer = self.set_interval(1 / FRAME_RATE, self._draw_frame)

    def on_unmount(self) -> None:
        if self._frame_timer is not None:
            self._frame_timer.stop()
        self.close()

    def close(self) -> None:
        """Close the connection and join the session's threads (idempotent)."""
        session, self.session = self.session, None
        if session is not None:
            session.close()
        elif not self.connected:
            self.channel.close()

    def on_resize(self, event: events.Resize) -> None:
        columns, lines = self.size.width, self.size.height
        if columns <= 0 or lines <= 0:
            return
        self.emulator.resize(columns, lines)
        self._frame.clear()
        if not self._started:
            self._started = True
            self._connect(columns, lines)
        elif self.session is not None:
            self.session.resize(columns, lines)
        self.refresh()

    @work(thread=True, exit_on_error=False, name="terminal connect", group="terminal")
    def _connect(self, columns: int, lines: int) -> None:
        try:
            open_channel(self.channel, columns, lines)
        except ChannelError as exc:
            self.post_message(self.Ended(self, SessionEnd("failed", detail=str(exc))))
            return
        self.app.call_from_thread(self._start_session)

    def _start_session(self) -> None:
        if not self.is_attached:
            self.channel.close()
            return
        self.connected = True
        self.session = TerminalSession(
            self.channel,
            self._consume_output,
            self._session_ended,
            detach_sequence=self.detach_sequence,
            daemon_detaches=self.daemon_detaches,
            on_drained=self._output_ended,
        )
        self.session.start()
        # The size may have changed while connecting.
        self.session.resize(self.emulator.columns, self.emulator.lines)
        self.post_message(self.Connected(self))

    def _consume_output(self, data: bytes) -> bytes:
        """Reader thread: the emulator takes the bytes; its answers go back to the program."""
        emulator = self.emulator
        for start in range(0, len(data), FEED_SLICE):
            emulator.feed(data[start : start + FEED_SLICE])
            if self._frame_waiting:
                # Python's locks are not fair: without stepping aside, this
                # thread would take the lock again before the event loop,
                # waiting to draw a frame, ever got it.
                time.sleep(0.0005)
        # An echo in a quiet terminal is drawn now rather than at the next
        # tick; in a flood the timer's pace holds (one wake per frame at most).
        now = time.perf_counter()
        if not self._wake_pending and now - max(self.last_frame_at, self._last_wake) > 1 / FRAME_RATE:
            self._wake_pending = self._on_loop(self._wake)
            self._last_wake = now
        return emulator.pending_replies()

    def _on_loop(self, callback: Callable[[], None]) -> bool:
        """Reader thread: `callback` on the event loop soon; False if there is no loop (any more)."""
        loop = self._loop
        if loop is None:
            return False
        try:
            loop.call_soon_threadsafe(callback)
        except RuntimeError:  # the app is exiting and its loop is closed: nothing to draw
            return False
        return True

    def _wake(self) -> None:
        self._wake_pending = False
        if self.is_attached:
            self._draw_frame()

    def _output_ended(self) -> None:
        """Reader thread: the stream ended; its last screen is drawn now, not at the flood's pace."""
        self._on_loop(self._draw_last_frame)

    def _draw_last_frame(self) -> None:
        if self.is_attached:
            self._flooding = False
            self._draw_frame()

    def _session_ended(self, end: SessionEnd) -> None:
        self.post_message(self.Ended(self, end))

    # -- drawing -----------------------------------------------------------------

    def _draw_frame(self) -> None:
        now = time.perf_counter()
        session = self.session
        received = session.bytes_read if session is not None else 0
        # The output rate over the last frame interval or more (frames also
        # come between ticks, from `_wake`), not since the last frame drawn:
        # once a flood stops, its final screen is drawn within a few ticks.
        elapsed = now - self._received_at
        if elapsed >= 1 / FRAME_RATE:
            self._flooding = received - self._received > FLOOD_BYTES * FRAME_RATE * elapsed
            self._received, self._received_at = received, now
        if self._flooding and now - self._last_big_frame < 1 / FLOOD_FRAME_RATE:
            # Redrawing the whole screen costs the event loop (our Strips and
            # the compositor) far more than a line or two, and in a flood
            # that time is GIL taken from the reader feeding the emulator:
            # while output pours in, full redraws come at a lower rate.
            # Typing, vi or top never send that much per frame.
            return
        emulator = self.emulator
        width = self.size.width
        if width <= 0:
            return  # not laid out (or being removed): no frame to draw
        frame = self._frame
        # One hold of the emulator's lock per frame: the reader thread feeds
        # under the same lock, and waiting for it once per line would let a
        # flood starve the event loop.
        self._frame_waiting = True
        with emulator.lock:
            self._frame_waiting = False
            dirty = emulator.take_dirty()
            lines = range(emulator.lines) if dirty.full else sorted(dirty)
            if dirty.full:
                frame.clear()
            for y in lines:
                frame[y] = emulator.render_line(y, width)
            shown = (emulator.scroll_offset, emulator.title)
        if lines:
            self.frames_drawn += 1
            self.last_frame_at = now
        if len(lines) > emulator.lines // 2:
            self._last_big_frame = now
        if dirty.full:
            self.refresh()
        elif lines:
            start = previous = lines[0]
            for y in lines[1:]:
                if y != previous + 1:
                    self.refresh(Region(0, start, width, previous - start + 1))
                    start = y
                previous = y
            self.refresh(Region(0, start, width, previous - start + 1))
        if shown != self._shown:
            self._shown = shown
            self.post_message(self.Changed(self))

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        strip = self._frame.get(y)
        if strip is None or strip.cell_length != width:
            strip = self._frame[y] = self.emulator.render_line(y, width)
        return strip

    def on_focus(self) -> None:
        self.emulator.show_cursor = True

    def on_blur(self) -> None:
        self.emulator.show_cursor = False

    # -- input ------------------------------------------------------------------

    def check_consume_key(self, key: str, character: str | None) -> bool:
        # Every key belongs to the terminal while it has focus.
        return True

    @property
    def accepts_input(self) -> bool:
        return self.session is not None and self.end is None and self.channel.interactive

    def on_key(self, event: events.Key) -> None:
        event.stop()
        event.prevent_default()
        key = event.key
        if self.end is not None:
            self.post_message(self.Dismissed(self))
            return
        if key in _SCROLL_KEYS:
            self._scroll_key(key)
            return
        data = encode_key(key, event.character, application_cursor=self.emulator.application_cursor_keys)
        if data is None:
            return
        if not self.accepts_input:
            # Output only: the detach keys, Escape or q leave.
            _, done = self._leave_matcher.feed(data)
            if done or key in ("escape", "q"):
                self.post_message(self.DetachRequested(self))
            return
        self.send(data)

    def send(self, data: bytes) -> None:
        """Bytes typed by the user, through the client-side detach matcher for exec."""
        session = self.session
        if session is None:
            return
        if self.emulator.scroll_offset:
            self.emulator.scroll_to_bottom()
        if self._matcher is not None:
            data, done = self._matcher.feed(data)
            session.send(data)
            if done:
                self.post_message(self.DetachRequested(self))
            return
        session.send(data)
        if session.detach_typed:
            self.post_message(self.DetachRequested(self))

    def on_paste(self, event: events.Paste) -> None:
        event.stop()
        event.prevent_default()
        if self.accepts_input and event.text:
            self.send(encode_paste(event.text, bracketed=self.emulator.bracketed_paste))

    def _scroll_key(self, key: str) -> None:
        emulator = self.emulator
        page = max(1, emulator.lines - 1)
        if key == "shift+pageup":
            emulator.scroll_up(page)
        elif key == "shift+pagedown":
            emulator.scroll_down(page)
        elif key == "shift+home":
            emulator.scroll_up(emulator.history_size)
        else:
            emulator.scroll_to_bottom()

    def on_mouse_scroll_up(self, event: events.MouseScrollUp) -> None:
        event.stop()
        self.emulator.scroll_up(3)

    def on_mouse_scroll_down(self, event: events.MouseScrollDown) -> None:
        event.stop()
        self.emulator.scroll_down(3)

    def mark_ended(self, end: SessionEnd) -> None:
        self.end = end
        self.emulator.show_cursor = False
