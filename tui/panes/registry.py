"""The panes of the main screen, in the order of their number keys.

A pane is a widget with the ``pane`` CSS class, an id ``pane-<pane_id>``,
class attributes ``pane_id`` and ``title``, and the methods ``focus_table()``,
``mark_dirty()`` and ``on_daemon_event(event)``; list panes get all of that
from :class:`tui.panes.base.ResourcePane`.
"""

from __future__ import annotations

from typing import Any


def pane_classes() -> list[type[Any]]:
    from tui.panes.containers import ContainersPane

    return [ContainersPane]
