"""Typed messages that carry results from thread workers back to widgets."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from textual.message import Message

from tui.docker.events import DockerEvent


@dataclass
class ItemsListed(Message):
    """A pane's fetch finished: the complete, current list of its objects."""

    pane_id: str
    items: list[Any]


@dataclass
class DaemonEventReceived(Message):
    event: DockerEvent


@dataclass
class DaemonConnection(Message):
    """The event stream connected (reason empty) or lost the daemon."""

    connected: bool
    reason: str = ""


@dataclass
class TaskFinished(Message):
    """A user-started operation ended; ``result`` is what the call returned."""

    label: str
    result: Any
