"""Full collections wait for a pause in the input, and come anyway when the
input never pauses; the young generations stay automatic."""

from __future__ import annotations

import gc

from tui.idle_gc import IdleCollector


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def make() -> tuple[IdleCollector, Clock, list[float]]:
    clock = Clock()
    runs: list[float] = []
    collector = IdleCollector(idle=1.0, period=30.0, force=120.0, clock=clock, collect=lambda: runs.append(clock.now))
    return collector, clock, runs


def test_waits_for_the_period_and_for_a_quiet_second():
    collector, clock, runs = make()
    clock.now += 29
    assert not collector.tick()
    clock.now += 2  # 31 s since the last, but a key just came
    collector.input_seen()
    assert not collector.tick()
    clock.now += 0.5
    assert not collector.tick()
    clock.now += 0.6  # 1.1 s without input
    assert collector.tick()
    assert runs == [clock.now]
    clock.now += 5
    assert not collector.tick()  # not again before the period


def test_busy_input_cannot_hold_it_off_past_the_limit():
    collector, clock, runs = make()
    for _ in range(119 * 4):
        clock.now += 0.25
        collector.input_seen()
        collector.tick()
    assert runs == []
    clock.now += 1.5
    collector.input_seen()
    assert collector.tick()
    assert len(runs) == 1 and collector.collections == 1


def test_install_turns_off_only_automatic_full_collections_and_uninstall_restores():
    saved = gc.get_threshold()
    collector, _, _ = make()
    try:
        collector.install()
        young, middle, full = gc.get_threshold()
        assert (young, middle) == saved[:2]
        assert full > 10_000
    finally:
        collector.uninstall()
    assert gc.get_threshold() == saved
