"""Full garbage collections between keystrokes, not in the middle of one.

After the first list the main screen freezes what startup built
(``gc.freeze``), so a full collection walks only what came later. That is
still tens of thousands of objects once a few panes have been used (20-40 ms
on 2 cores), and the automatic one comes whenever allocation counts say so:
as often as not in the middle of a key's redraw. `IdleCollector` turns the
automatic *full* collections off (the young generations stay automatic:
they are small and quick) and runs one itself when no input came for
`idle` seconds, at most every `period` seconds, and after `force` seconds
however busy the user is, so cyclic garbage stays bounded. Headless: no
textual, no rich.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable

#: A generation-2 threshold that is never reached: full collections are ours.
_NEVER = 1_000_000


class IdleCollector:
    """Decides when the full collection runs; `tick` is called every second or two."""

    def __init__(
        self,
        *,
        idle: float = 1.0,
        period: float = 30.0,
        force: float = 120.0,
        clock: Callable[[], float] = time.monotonic,
        collect: Callable[[], object] = gc.collect,
    ) -> None:
        self.idle = idle
        self.period = period
        self.force = force
        self._clock = clock
        self._collect = collect
        now = clock()
        self._last_input = now
        self._last_full = now
        self._saved: tuple[int, int, int] | None = None
        #: full collections run so far (for the tests and the bench)
        self.collections = 0

    def install(self) -> None:
        """Automatic full collections off; the young generations keep their thresholds."""
        if self._saved is None:
            self._saved = gc.get_threshold()
            young, middle, _ = self._saved
            gc.set_threshold(young, middle, _NEVER)

    def uninstall(self) -> None:
        if self._saved is not None:
            gc.set_threshold(*self._saved)
            self._saved = None

    def input_seen(self) -> None:
        self._last_input = self._clock()

    @property
    def last_input(self) -> float:
        """When input last came (the clock's time)."""
        return self._last_input

    def tick(self) -> bool:
        """Run a full collection if it is time; True when one ran."""
        now = self._clock()
        since = now - self._last_full
        quiet = now - self._last_input >= self.idle
        if since >= self.force or (since >= self.period and quiet):
            self._collect()
            self._last_full = self._clock()
            self.collections += 1
            return True
        return False
