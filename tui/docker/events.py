"""The daemon's event stream, kept open for the life of the app.

One thread reads ``/events``; every event is handed to a callback, and when the
connection drops the thread reports it, waits with a capped backoff and
reconnects. The UI turns events into "this list is dirty" marks, so refresh
is driven by what actually changed.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tui.docker.client import DockerService
from tui.docker.errors import describe_cause


@dataclass(frozen=True)
class DockerEvent:
    type: str
    action: str
    id: str
    name: str
    time_nano: int
    attributes: tuple[tuple[str, str], ...] = field(default=())

    @classmethod
    def from_api(cls, data: dict[str, Any]) -> DockerEvent:
        actor = data.get("Actor") or {}
        attributes = actor.get("Attributes") or {}
        return cls(
            type=str(data.get("Type") or ""),
            # exec events carry the command after a colon ("exec_start: sh")
            action=str(data.get("Action") or data.get("status") or ""),
            id=str(actor.get("ID") or data.get("id") or ""),
            name=str(attributes.get("name") or ""),
            time_nano=int(data.get("timeNano") or int(data.get("time") or 0) * 1_000_000_000),
            attributes=tuple(sorted((str(k), str(v)) for k, v in attributes.items())),
        )


class EventStream:
    """Reads daemon events on a thread and reconnects with backoff."""

    #: The longest wait between tries while the daemon is away: the panes
    #: must be current again within ~2 s of its return, and a try costs one
    #: refused connect (or one ssh start for ssh://).
    MAX_BACKOFF = 1.0

    def __init__(
        self,
        service: DockerService,
        on_event: Callable[[DockerEvent], None],
        on_connected: Callable[[], None],
        on_disconnected: Callable[[str], None],
    ) -> None:
        self._service = service
        self._on_event = on_event
        self._on_connected = on_connected
        self._on_disconnected = on_disconnected
        self._stop = threading.Event()
        self._stream: Any = None
        self._thread = threading.Thread(target=self._run, name="dtui-events", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        stream = self._stream
        if stream is not None:
            try:
                stream.close()
            except Exception:
                pass

    def _run(self) -> None:
        backoff = 0.25
        while not self._stop.is_set():
            try:
                api = self._service.api
                api.ping()
                self._stream = api.events(decode=True)
                self._on_connected()
                backoff = 0.25
                for raw in self._stream:
                    if self._stop.is_set():
                        break
                    self._on_event(DockerEvent.from_api(raw))
                if self._stop.is_set():
                    break
                reason = "event stream closed by the daemon"
            except Exception as exc:
                if self._stop.is_set():
                    break
                # the host is on screen already: keep only the why
                reason = describe_cause(exc)
            self._stream = None
            self._service.reset()
            self._on_disconnected(reason)
            self._stop.wait(backoff)
            backoff = min(backoff * 2, self.MAX_BACKOFF)
