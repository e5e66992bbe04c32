"""The Stats pane (6) and the containers list's CPU/MEM columns, driven as a
user drives them, against the private daemon."""

from __future__ import annotations

import asyncio
import shutil

import pytest

from tests.integration.app_driver import containers_pane, screen_text, wait_for, wait_thread
from tests.integration.test_stats_daemon import MiB, binary_bytes, cli_stats, workload  # noqa: F401 (fixture)
from tui.app import create_app


def stats_pane(app):
    from tui.panes.stats import StatsPane

    return app.screen_stack[1].query_one(StatsPane)


async def _show_stats(pilot, app, ids: list[str]):
    await wait_for(pilot, lambda: containers_pane(app)._loaded, what="the first list")
    await pilot.press("6")
    pane = stats_pane(app)
    await wait_for(pilot, lambda: set(ids) <= set(pane.table.keys), what="the running containers in the stats table")
    # a CPU % needs two readings a second apart
    await wait_for(
        pilot,
        lambda: all(pane.shown.get(i) is not None and pane.shown[i].cpu_percent is not None for i in ids),
        timeout=15,
        what="CPU figures for every container",
    )
    return pane


def _row_text(pane, container_id: str) -> str:
    return " ".join(str(cell) for cell in pane.table._cells[container_id])


async def test_busy_idle_and_allocating_containers_as_the_table_shows_them(docker_client, workload):
    ids = list(workload.values())
    app = create_app()
    async with app.run_test(size=(120, 40)) as pilot:
        pane = await _show_stats(pilot, app, ids)
        burn, idle, alloc = (pane.shown[workload[k]] for k in ("burn", "idle", "alloc"))
        # a shared machine may give the burner little of a core; it still
        # stands far above the idle one, which is near zero
        assert burn.cpu_percent > 10 and burn.cpu_percent > 5 * max(idle.cpu_percent, 1.0), (burn, idle)
        assert idle.cpu_percent < 5, idle
        assert alloc.mem_usage > 45 * MiB
        # what the user reads: name, CPU % with the CPUs it may use, memory and PIDs
        row = _row_text(pane, workload["alloc"])
        assert "MiB" in row and f"/ {alloc.online_cpus:g}" in row
        text = screen_text(app)
        assert "CPU % / CPUS" in text and "MEM USAGE / LIMIT" in text and "PIDS" in text
        assert "from cgroup files" in text  # a local daemon is read from cgroup files

        # sorted by CPU (the default): the burner above the idle one; by
        # memory: the allocating one first among ours
        order = [key for key in pane.table.keys if key in ids]
        assert order.index(workload["burn"]) < order.index(workload["idle"])
        await pilot.press("o")
        await wait_for(pilot, lambda: "sort: memory" in screen_text(app), what="memory sort")
        order = [key for key in pane.table.keys if key in ids]
        assert order[0] == workload["alloc"], order


async def test_history_graphs_follow_the_selected_container(docker_client, workload):
    ids = list(workload.values())
    app = create_app()
    async with app.run_test(size=(100, 30)) as pilot:
        pane = await _show_stats(pilot, app, ids)
        pane.table.select_key(workload["burn"])
        await wait_for(pilot, lambda: app.stats_feed.history[workload["burn"]].count >= 3, timeout=15, what="three samples of history")
        await pilot.pause(1.2)
        history = str(pane.query_one("#stats-history").text)
        name = docker_client.api.inspect_container(workload["burn"])["Name"].lstrip("/")
        assert name in history
        for label in ("CPU", "MEM", "NET", "BLK"):
            assert f" {label} " in history
        busy_height = _tallest_cpu_mark(history)
        # moving the cursor switches the graphs to that container
        pane.table.select_key(workload["idle"])
        idle_name = docker_client.api.inspect_container(workload["idle"])["Name"].lstrip("/")
        await wait_for(pilot, lambda: idle_name in str(pane.query_one("#stats-history").text), what="graphs of the idle container")
        # a busy container draws taller marks than an idle one (the scale is
        # the CPUs it may use, so one busy CPU of two is half height)
        assert busy_height > _tallest_cpu_mark(str(pane.query_one("#stats-history").text)) , history


def _tallest_cpu_mark(history: str) -> int:
    line = next(line for line in history.splitlines() if line.startswith(" CPU"))
    return max((" ▁▂▃▄▅▆▇█".index(c) for c in line if c in "▁▂▃▄▅▆▇█"), default=0)


@pytest.mark.skipif(shutil.which("docker") is None, reason="needs the docker CLI")
async def test_snapshot_equals_docker_stats_no_stream(docker_client, workload):
    ids = list(workload.values())
    app = create_app()
    async with app.run_test(size=(120, 40)) as pilot:
        pane = await _show_stats(pilot, app, ids)
        # the CLI's two readings are a second apart, like ours: freeze at the
        # end of the CLI's window
        cli_future = asyncio.ensure_future(asyncio.to_thread(cli_stats, ids))
        await asyncio.sleep(0.9)
        await pilot.press("f")
        cli = await cli_future
        assert pane.frozen_at is not None
        frozen = dict(pane.shown)
        assert "snapshot at" in screen_text(app)
        for container_id in ids:
            row, mine = cli[container_id], frozen[container_id]
            used, limit = (binary_bytes(part) for part in row["MemUsage"].split("/"))
            assert mine.mem_usage == pytest.approx(used, rel=0.05, abs=256 * 1024), row
            assert mine.mem_limit == pytest.approx(limit, rel=0.001), row
            assert str(mine.pids) == row["PIDs"], row
        # the burner: both see it busy, within what a contended CPU allows
        assert float(cli[workload["burn"]]["CPUPerc"].rstrip("%")) == pytest.approx(frozen[workload["burn"]].cpu_percent, abs=35)
        assert float(cli[workload["idle"]]["CPUPerc"].rstrip("%")) < 5 and frozen[workload["idle"]].cpu_percent < 5

        # frozen: new samples do not change the table
        drawn = {i: _row_text(pane, i) for i in ids}
        sampled = app.stats_feed.sampled_at
        await pilot.pause(2.5)
        assert app.stats_feed.sampled_at == sampled, "a frozen pane asks for no samples"
        assert {i: _row_text(pane, i) for i in ids} == drawn
        await pilot.press("f")
        await wait_for(pilot, lambda: app.stats_feed.sampled_at > sampled, what="live again")
        assert "snapshot at" not in screen_text(app)


async def test_containers_list_shows_cpu_and_memory_of_running_containers(docker_client, run_container, workload):
    stopped = run_container(command=["true"])
    await wait_thread(lambda: docker_client.api.inspect_container(stopped.id)["State"]["Status"] == "exited", what="exit")
    app = create_app()
    async with app.run_test(size=(80, 24)) as pilot:
        pane = containers_pane(app)
        await wait_for(pilot, lambda: pane._loaded and workload["burn"] in pane.table.keys, what="the list")
        columns = [c.key for c in pane._columns]
        assert "cpu" in columns and "mem" in columns, columns
        cpu_col, mem_col = columns.index("cpu"), columns.index("mem")
        await wait_for(
            pilot,
            lambda: str(pane.table._cells[workload["burn"]][cpu_col]).endswith("%"),
            timeout=15,
            what="the burner's CPU figure",
        )
        alloc_mem = str(pane.table._cells[workload["alloc"]][mem_col])
        assert alloc_mem.endswith("M") and float(alloc_mem[:-1]) > 45, alloc_mem
        # an exited container has no figures
        assert str(pane.table._cells[stopped.id][cpu_col]) == "" and str(pane.table._cells[stopped.id][mem_col]) == ""
        # sorting by CPU puts the burner above the idle container
        while "sort: cpu" not in pane.status_summary():
            await pilot.press("o")
        await pilot.pause(0.1)
        order = [key for key in pane.table.keys if key in workload.values()]
        assert order.index(workload["burn"]) < order.index(workload["idle"]), order


async def test_nothing_is_sampled_while_no_view_shows_stats(docker_client, workload):
    app = create_app()
    async with app.run_test(size=(120, 40)) as pilot:
        pane = containers_pane(app)
        await wait_for(pilot, lambda: app.stats_feed.sampled_at > 0, timeout=15, what="a first sample for the list")
        await pilot.press("2")  # images: no stats on screen
        await pilot.pause(1.5)  # a sample in flight may still land
        sampled = app.stats_feed.sampled_at
        await pilot.pause(2.5)
        assert app.stats_feed.sampled_at == sampled
        await pilot.press("1")
        await wait_for(pilot, lambda: app.stats_feed.sampled_at > sampled, what="sampling again on the list")
        assert pane.display
