"""The footer line of keys, rebuilt only when the keys it shows change.

Textual's Footer rebuilds all its key widgets on every bindings signal, and a
focus change sends one or two even when the same keys stay (moving between a
list and its filter field and back, say): 25-35 ms each over a pane's keys,
and tens of thousands of short-lived objects that the garbage collector later
walks in the middle of someone's keystroke.
"""

from __future__ import annotations

from typing import Any

from textual.screen import Screen
from textual.widgets import Footer


class KeyFooter(Footer):
    """Footer that recomposes only when the shown keys, their labels or their enabled state differ."""

    _shown: tuple[Any, ...] | None = None

    def bindings_changed(self, screen: Screen[Any]) -> None:
        self._bindings_ready = True
        if not screen.app.app_focus:
            return
        if self.is_attached and screen is self.screen:
            self.call_after_refresh(self._recompose_if_changed)

    def shown_keys(self) -> tuple[Any, ...]:
        """What the footer draws: each shown binding's key, label, description and state, in order."""
        app = self.app
        palette = app.COMMAND_PALETTE_BINDING
        return tuple(
            (binding.key, app.get_key_display(binding), binding.description, binding.action, enabled, tooltip)
            for key, (_, binding, enabled, tooltip) in self.screen.active_bindings.items()
            if binding.show or key == palette
        )

    async def _recompose_if_changed(self) -> None:
        if not self.is_attached:
            return
        shown = self.shown_keys()
        if shown == self._shown:
            return
        self._shown = shown
        await self.recompose()
