"""The panes of the main screen, in the order of their number keys.

A pane is a widget with the ``pane`` CSS class, an id ``pane-<pane_id>``,
class attributes ``pane_id`` and ``title``, and the methods ``focus_table()``,
``mark_dirty()`` and ``on_daemon_event(event)``; list panes get all of that
from :class:`tui.panes.base.ResourcePane`.
"""

from __future__ import annotations

import importlib
from typing import Any

PANES: list[tuple[str, str]] = [
    ("tui.panes.containers", "ContainersPane"),
    ("tui.panes.images", "ImagesPane"),
    ("tui.panes.volumes", "VolumesPane"),
    ("tui.panes.networks", "NetworksPane"),
    ("tui.panes.system", "SystemPane"),
    ("tui.panes.stats", "StatsPane"),
]


def pane_classes() -> list[type[Any]]:
    classes = []
    for module_name, class_name in PANES:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name != module_name:
                raise
            continue
        classes.append(getattr(module, class_name))
    return classes
