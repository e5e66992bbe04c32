"""The panes of the main screen, in the order of their number keys."""

from __future__ import annotations

from tui.panes.base import ResourcePane


def pane_classes() -> list[type[ResourcePane]]:
    from tui.panes.containers import ContainersPane

    return [ContainersPane]
