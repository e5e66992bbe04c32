"""The stats feed's per-container history: a bounded ring, oldest first."""

from __future__ import annotations

from tui.docker.stats import ContainerStats
from tui.stats_feed import History


def reading(cpu: float | None, mem: int = 0, rx: float | None = 0.0, tx: float | None = 0.0) -> ContainerStats:
    return ContainerStats(
        id="c", cpu_percent=cpu, online_cpus=2, mem_usage=mem, mem_limit=1 << 30, mem_percent=0.0,
        net_rx_rate=rx, net_tx_rate=tx, blk_read_rate=1.0, blk_write_rate=2.0,
        net_rx=0, net_tx=0, blk_read=0, blk_write=0, pids=1, timestamp=0.0, source="cgroup",
    )


def test_history_keeps_the_last_readings_in_order_and_stays_bounded():
    history = History(length=3)
    history.add(reading(None, mem=5))  # a first reading has no rates: not plotted
    assert history.count == 0 and history.series("cpu") == []
    for n in range(1, 6):
        history.add(reading(float(n), mem=n * 100, rx=n, tx=1))
    assert history.count == 3
    assert history.series("cpu") == [3.0, 4.0, 5.0]
    assert history.series("mem") == [300.0, 400.0, 500.0]
    # network and block are plotted as in + out
    assert history.series("net") == [4.0, 5.0, 6.0]
    assert history.series("blk") == [3.0, 3.0, 3.0]


def test_history_memory_is_small_per_container():
    # four float32 rings of 300: about 5 KB, whatever the number of samples
    history = History()
    for n in range(1000):
        history.add(reading(1.0))
    assert history.count == history.length == 300
    assert sum(len(ring) * ring.itemsize for ring in history._rings) == 4 * 300 * 4
