"""The panes of the main screen, in the order of their number keys.

A pane is a widget with the ``pane`` CSS class, an id ``pane-<pane_id>``,
class attributes ``pane_id`` and ``title``, and the methods ``focus_table()``,
``mark_dirty()`` and ``on_daemon_event(event)``; list panes get all of that
from :class:`tui.panes.base.ResourcePane`.

Each entry names its module and class without importing them, plus the id and
title the tab strip shows: the main screen imports a pane's module only when
the pane is first shown, so the first paint does not wait for the others.
The registry is strict: a listed module that is missing, or a class whose
``pane_id``/``title`` differ from its entry, is an error, never a pane
quietly left out.
"""

from __future__ import annotations

import importlib
from typing import Any, NamedTuple


class RegistryError(Exception):
    """A registry entry does not match the pane class it names."""


class PaneEntry(NamedTuple):
    module: str
    class_name: str
    pane_id: str
    title: str

    def load(self) -> type[Any]:
        """Import the pane's module; the class, checked against this entry."""
        pane_type = getattr(importlib.import_module(self.module), self.class_name)
        found = (getattr(pane_type, "pane_id", None), getattr(pane_type, "title", None))
        if found != (self.pane_id, self.title):
            raise RegistryError(f"{self.module}.{self.class_name} has pane_id/title {found}, the registry lists {(self.pane_id, self.title)}")
        return pane_type  # type: ignore[no-any-return]


PANES: tuple[PaneEntry, ...] = (
    PaneEntry("tui.panes.containers", "ContainersPane", "containers", "Containers"),
    PaneEntry("tui.panes.images", "ImagesPane", "images", "Images"),
    PaneEntry("tui.panes.volumes", "VolumesPane", "volumes", "Volumes"),
    PaneEntry("tui.panes.networks", "NetworksPane", "networks", "Networks"),
    PaneEntry("tui.panes.system", "SystemPane", "system", "System"),
    PaneEntry("tui.panes.stats", "StatsPane", "stats", "Stats"),
)


def pane_entries() -> tuple[PaneEntry, ...]:
    """Every pane in tab order, without importing any of them."""
    return PANES


def pane_classes() -> list[type[Any]]:
    """Every pane class in tab order; imports all of them (help, key maps)."""
    return [entry.load() for entry in PANES]
