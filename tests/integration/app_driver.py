"""Helpers for driving the real app with Pilot in integration tests."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

from textual.pilot import Pilot


async def wait_for(pilot: Pilot, predicate: Callable[[], Any], timeout: float = 10.0, what: str = "condition") -> Any:
    """Let the app run until ``predicate()`` is truthy; fail with ``what``."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        await pilot.pause(0.05)


async def wait_thread(predicate: Callable[[], Any], timeout: float = 10.0, what: str = "condition") -> Any:
    """Poll a blocking predicate (e.g. a daemon query) without blocking the app."""
    deadline = time.monotonic() + timeout
    while True:
        value = await asyncio.to_thread(predicate)
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        await asyncio.sleep(0.1)


def containers_pane(app: Any) -> Any:
    from tui.panes.containers import ContainersPane

    return app.screen_stack[1].query_one(ContainersPane) if len(app.screen_stack) > 1 else app.query_one(ContainersPane)


def shown_names(app: Any) -> list[str]:
    """Container names in table order, as the user sees them."""
    pane = containers_pane(app)
    return [pane._by_key[key].name for key in pane.table.keys if key in pane._by_key]


def notifications(app: Any) -> list[str]:
    return [str(n.message) for n in app._notifications]


def screen_text(app: Any) -> str:
    """The text currently on the screen, as a user would read it."""
    import html
    import re

    svg = app.export_screenshot()
    lines: dict[float, list[tuple[float, str]]] = {}
    for x, y, body in re.findall(r'<text[^>]*?x="([\d.]+)"[^>]*?y="([\d.]+)"[^>]*>(.*?)</text>', svg, flags=re.S):
        text = html.unescape(re.sub(r"<[^>]+>", "", body)).replace("\xa0", " ")
        lines.setdefault(float(y), []).append((float(x), text))
    return "\n".join("".join(t for _, t in sorted(parts)) for _, parts in sorted(lines.items()))
