"""The app's one stats sampler: about once a second, only while a view that
shows stats is on screen, for the containers those views ask for.

Views register themselves by having two methods (the stats pane and the
containers pane do):

* ``stats_targets()`` -> ``(running_ids, on_screen_ids)`` while the view is
  showing stats, None otherwise. A local daemon's containers are read from
  their cgroup files (cheap: all running ones); a remote daemon is asked
  with one_shot API calls for the rows on screen only.
* ``on_stats(feed)`` after every sample; ``feed.latest`` and
  ``feed.history`` hold the numbers.

Nothing runs while no such view is visible, so the feed costs nothing on the
images or system panes, or in a log or terminal view.
"""

from __future__ import annotations

import threading
import time
from array import array
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from tui.docker.errors import describe_error, is_connection_problem
from tui.docker.stats import DEFAULT_API_WORKERS, ContainerStats, InitPids, StatsSampler

if TYPE_CHECKING:
    from tui.app import DtuiApp

#: Seconds between samples (``docker stats`` updates once a second too).
INTERVAL = 1.0
#: Samples of history kept per container for the graphs: five minutes.
HISTORY_LENGTH = 300

#: Concurrent stats calls to a daemon reached over ssh.
SSH_API_WORKERS = 4

#: The series a :class:`History` keeps, in this order.
SERIES = ("cpu", "mem", "net", "blk")


class History:
    """The last :data:`HISTORY_LENGTH` readings of one container, compactly.

    Four float32 rings (CPU %, memory bytes, network bytes/s in+out, block
    bytes/s read+write): ~5 KB per container instead of a list of objects.
    """

    __slots__ = ("_next", "_rings", "count")

    def __init__(self, length: int = HISTORY_LENGTH) -> None:
        self._rings = [array("f", bytes(4 * length)) for _ in SERIES]
        self._next = 0
        self.count = 0

    @property
    def length(self) -> int:
        return len(self._rings[0])

    def add(self, stats: ContainerStats) -> None:
        values = (
            stats.cpu_percent,
            float(stats.mem_usage),
            _sum(stats.net_rx_rate, stats.net_tx_rate),
            _sum(stats.blk_read_rate, stats.blk_write_rate),
        )
        if stats.cpu_percent is None:
            # a first reading has no rates yet: nothing to plot
            return
        index = self._next
        for ring, value in zip(self._rings, values):
            ring[index] = value or 0.0
        self._next = (index + 1) % self.length
        self.count = min(self.count + 1, self.length)

    def series(self, name: str) -> list[float]:
        """Oldest first."""
        ring = self._rings[SERIES.index(name)]
        if self.count < self.length:
            return list(ring[: self.count])
        return list(ring[self._next :]) + list(ring[: self._next])


def _sum(a: float | None, b: float | None) -> float | None:
    if a is None and b is None:
        return None
    return (a or 0.0) + (b or 0.0)


class StatsFeed:
    """Samples on a timer, on a worker thread; delivers on the event loop."""

    def __init__(self, app: DtuiApp, interval: float = INTERVAL) -> None:
        self.app = app
        self.interval = interval
        self.latest: dict[str, ContainerStats] = {}
        self.history: dict[str, History] = {}
        #: "cgroup" or "api" once a sample has run
        self.source = ""
        #: when the last sample was delivered (time.time()), 0 before
        self.sampled_at = 0.0
        self._sampler: StatsSampler | None = None
        self._pids: InitPids | None = None
        self._busy = False
        self._lock = threading.Lock()
        self._timer: Any = None
        self._last_error = ""
        self._closed = False

    # --- lifecycle -------------------------------------------------------
    def start(self) -> None:
        if self._timer is None:
            self._timer = self.app.set_interval(self.interval, self.tick, name="stats-feed")

    def close(self) -> None:
        self._closed = True
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        self.reset()

    def reset(self) -> None:
        """Forget the sampler (the daemon or context changed); history stays
        until the containers are gone."""
        with self._lock:
            sampler, self._sampler, self._pids = self._sampler, None, None
        if sampler is not None:
            sampler.close()

    # --- sampling ----------------------------------------------------------
    def consumers(self) -> list[Any]:
        return [pane for pane in self.app._panes() if hasattr(pane, "stats_targets")]

    def targets(self) -> list[str]:
        """What the visible views need now; empty when nothing shows stats."""
        running: list[str] = []
        on_screen: list[str] = []
        wanted = False
        for consumer in self.consumers():
            asked = consumer.stats_targets()
            if asked is None:
                continue
            wanted = True
            running.extend(asked[0])
            on_screen.extend(asked[1])
        if not wanted:
            return []
        local = self.app.endpoint.is_local and self.source != "api"
        return list(dict.fromkeys(running if local else on_screen))

    def tick(self) -> None:
        if self._busy or self._closed or self.app.connected is False:
            return
        ids = self.targets()
        if not ids:
            return
        self.sample_now(ids)

    def sample_now(self, ids: Sequence[str]) -> None:
        """Start one sample of ``ids`` now (unless one is running)."""
        if self._busy:
            return
        self._busy = True
        self.app.run_worker(lambda: self._sample(list(ids)), name="stats", group="stats", thread=True, exit_on_error=False)

    def _sample(self, ids: list[str]) -> None:
        try:
            try:
                with self._lock:
                    if self._sampler is None:
                        api = self.app.service.api
                        # every ssh:// connection is an ssh session; sshd drops
                        # new ones beyond 10 starting at once (MaxStartups)
                        workers = SSH_API_WORKERS if self.app.endpoint.host.startswith("ssh://") else DEFAULT_API_WORKERS
                        self._sampler = StatsSampler(api, local=self.app.endpoint.is_local, api_workers=workers)
                        self._pids = InitPids(api)
                    sampler, pids = self._sampler, self._pids
                assert pids is not None
                if sampler.source == "cgroup":
                    targets = pids.targets(ids, sampler.stale_ids)
                else:
                    targets = [(container_id, 0) for container_id in ids]
                stats = sampler.sample(targets)
                source = sampler.source
            except Exception as exc:
                if is_connection_problem(exc):
                    # the event stream reports the lost daemon; start afresh
                    # when it is back
                    self.reset()
                    return
                text = describe_error(exc)
                if text != self._last_error:
                    self._last_error = text
                    self.app.call_from_thread(self.app.notify, text, title="stats", severity="error", timeout=6, markup=False)
                return
            self._last_error = ""
            if not self._closed:
                self.app.call_from_thread(self._deliver, stats, source)
        finally:
            self._busy = False

    def _deliver(self, stats: dict[str, ContainerStats], source: str) -> None:
        self.source = source
        self.sampled_at = time.time()
        # exactly this sample: a container that stopped, or (remote daemon)
        # scrolled off screen, has no current numbers
        self.latest = dict(stats)
        for container_id, value in stats.items():
            history = self.history.get(container_id)
            if history is None:
                history = self.history[container_id] = History()
            history.add(value)
        for consumer in self.consumers():
            consumer.on_stats(self)

    def forget(self, keep: Iterable[str]) -> None:
        """Drop numbers and history of containers not in ``keep`` (removed ones)."""
        alive = set(keep)
        for store in (self.latest, self.history):
            for container_id in [c for c in store if c not in alive]:
                del store[container_id]
