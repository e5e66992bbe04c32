"""Stats against the private daemon: both sources see what ``docker stats`` sees."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from tui.docker.stats import ContainerStats, InitPids, StatsSampler

MiB = 1 << 20

BURN = ["sh", "-c", "while :; do :; done"]
IDLE = ["sleep", "100000"]
# a 50 MB shell variable; the loop keeps the shell (and its memory) alive
ALLOC = ["sh", "-c", 'a=$(head -c 50000000 /dev/zero | tr "\\0" x); while :; do sleep 1000; done']


@pytest.fixture
def workload(run_container, docker_client) -> dict[str, str]:
    ids = {
        "burn": run_container(command=BURN).id,
        "idle": run_container(command=IDLE).id,
        "alloc": run_container(command=ALLOC).id,
    }
    deadline = time.monotonic() + 20
    # wait until the allocation is done: the shell then runs sleep as a child
    while time.monotonic() < deadline:
        top = docker_client.api.top(ids["alloc"])
        cmd = top["Titles"].index("CMD")
        if any(row[cmd].startswith("sleep") for row in top["Processes"] or []):
            break
        time.sleep(0.2)
    return ids


def proc_cpu_ns(pid: int) -> int:
    """utime + stime of one process, in ns: an account of CPU independent of cgroups."""
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) * 1_000_000_000 // os.sysconf("SC_CLK_TCK")


def assert_busy(cpu_percent: float | None, measured: float) -> None:
    """The burner shows high CPU: over 50 %, or on a host busy with other work
    (CI neighbours) most of what the process really got."""
    assert cpu_percent is not None
    assert cpu_percent > min(50.0, 0.75 * measured), (cpu_percent, measured)


def cli_stats(ids: list[str]) -> dict[str, dict[str, str]]:
    out = subprocess.run(
        ["docker", "stats", "--no-stream", "--format", "{{json .}}", *ids],
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
    ).stdout
    rows = [json.loads(line) for line in out.splitlines() if line.strip()]
    return {row["Container"]: row for row in rows}


_UNITS = {"B": 1, "KiB": 1 << 10, "MiB": 1 << 20, "GiB": 1 << 30, "TiB": 1 << 40}


def binary_bytes(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)\s*([A-Za-z]+)", text.strip()).groups()  # type: ignore[union-attr]
    return float(number) * _UNITS[unit]


def sample_snapshot(
    sampler: StatsSampler, targets: list[tuple[str, int]], burner_pid: int
) -> tuple[dict[str, ContainerStats], float]:
    """A snapshot, and the burner's CPU % over the same second from /proc/<pid>/stat."""
    start_ns, start = proc_cpu_ns(burner_pid), time.monotonic_ns()
    stats = sampler.snapshot(targets, interval=1.0)
    measured = (proc_cpu_ns(burner_pid) - start_ns) / (time.monotonic_ns() - start) * 100
    return stats, measured


@pytest.mark.parametrize("local", [True, False], ids=["cgroup", "api"])
def test_busy_idle_and_allocating_containers(docker_client, workload, local: bool) -> None:
    api = docker_client.api
    sampler = StatsSampler(api, local=local)
    try:
        assert sampler.source == ("cgroup" if local else "api")
        pids = InitPids(api).targets(workload.values())
        targets = pids if local else [(i, 0) for i in workload.values()]
        stats, measured = sample_snapshot(sampler, targets, dict(pids)[workload["burn"]])
    finally:
        sampler.close()
    assert set(stats) == set(workload.values())
    assert {s.source for s in stats.values()} == {sampler.source}
    burn, idle, alloc = (stats[workload[k]] for k in ("burn", "idle", "alloc"))
    assert_busy(burn.cpu_percent, measured)
    assert idle.cpu_percent is not None and idle.cpu_percent < 5
    assert alloc.mem_usage > 45 * MiB
    assert idle.mem_usage < 10 * MiB
    assert burn.pids == 1 and alloc.pids == 2
    assert burn.mem_limit > 0 and 0 < burn.online_cpus <= (os.cpu_count() or 1)
    assert burn.net_rx_rate is not None and burn.blk_write_rate is not None


@pytest.mark.skipif(shutil.which("docker") is None, reason="needs the docker CLI")
@pytest.mark.parametrize("local", [True, False], ids=["cgroup", "api"])
def test_agrees_with_docker_stats(docker_client, workload, local: bool) -> None:
    api = docker_client.api
    ids = list(workload.values())
    sampler = StatsSampler(api, local=local)
    try:
        pids = InitPids(api).targets(ids)
        targets = pids if local else [(i, 0) for i in ids]
        # the CLI takes its two readings about a second apart: run both side by side
        with ThreadPoolExecutor(1) as pool:
            cli_future = pool.submit(cli_stats, ids)
            ours, measured = sample_snapshot(sampler, targets, dict(pids)[workload["burn"]])
            cli = cli_future.result()
    finally:
        sampler.close()
    for container_id in ids:
        row, mine = cli[container_id], ours[container_id]
        used, limit = (binary_bytes(part) for part in row["MemUsage"].split("/"))
        # the CLI prints 4 significant digits; memory drifts a little between reads
        assert mine.mem_usage == pytest.approx(used, rel=0.05, abs=256 * 1024), row
        assert mine.mem_limit == pytest.approx(limit, rel=0.001), row
        assert str(mine.pids) == row["PIDs"], row
    burn_cli = float(cli[workload["burn"]]["CPUPerc"].rstrip("%"))
    assert_busy(burn_cli, measured)
    assert_busy(ours[workload["burn"]].cpu_percent, measured)
    # the two read over slightly different seconds of a contended CPU
    assert ours[workload["burn"]].cpu_percent == pytest.approx(burn_cli, abs=25)
    assert float(cli[workload["idle"]]["CPUPerc"].rstrip("%")) < 5 and ours[workload["idle"]].cpu_percent < 5


def test_sampler_drops_a_stopped_container_and_flags_its_stale_pid(docker_client, run_container) -> None:
    api = docker_client.api
    container = run_container(command=IDLE)
    pids = InitPids(api)
    sampler = StatsSampler(api, local=True)
    try:
        targets = pids.targets([container.id])
        assert container.id in sampler.sample(targets)
        container.kill()
        container.wait(timeout=10)
        assert sampler.sample(targets) == {}
        if sampler.source == "cgroup":
            assert container.id in sampler.stale_ids
    finally:
        sampler.close()


def test_containers_whose_cgroup_is_not_found_here_use_the_api(docker_client, run_container) -> None:
    """As for a daemon in a VM: the pids do not lead to the containers' cgroups."""
    container = run_container(command=IDLE)
    sampler = StatsSampler(docker_client.api, local=True)
    try:
        stats = sampler.sample([(container.id, 0)])
    finally:
        sampler.close()
    assert stats[container.id].source == "api"
    assert stats[container.id].pids == 1 and stats[container.id].mem_usage > 0
    assert sampler.source == "api"
