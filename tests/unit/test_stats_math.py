"""The docker-stats maths, checked against recorded daemon payloads and cgroup files.

Fixtures in tests/unit/data/stats (see capture.py there):
* ``<scenario>.api.json`` / ``.oneshot.json`` / ``.cli.json``: real payloads
  from a Docker 20.10 daemon (cgroup v1, cgroupfs driver) and what
  ``docker stats --no-stream`` printed for the same container just before.
* ``cgroup_v1/<scenario>/t0|t1``: the same containers' cgroup v1 and /proc
  files, copied from the host about one second apart.
* ``cgroup_v2/t0|t1``: written by hand (no cgroup v2 host was available)
  from the kernel's documented formats (Documentation/admin-guide/cgroup-v2.rst:
  cpu.stat, cpu.max, memory.current/max/stat, io.stat, pids.current), laid
  out as the systemd cgroup driver places a container
  (``system.slice/docker-<id>.scope``).
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import replace
from pathlib import Path

import pytest

from tui.docker.cgroups import (
    CgroupHost,
    parse_blkio_v1,
    parse_cpu_list,
    parse_cpu_max,
    parse_io_stat_v2,
    parse_mountinfo,
    parse_net_dev,
)
from tui.docker.stats import (
    ContainerStats,
    CpuLimits,
    StatsSampler,
    block_io,
    cpu_percent_from_system,
    cpu_percent_from_wall,
    derive_stats,
    mem_usage_no_cache,
    network_io,
    parse_docker_time,
    reading_from_api,
    reading_from_cgroup,
)

DATA = Path(__file__).parent / "data" / "stats"
SCENARIOS = ["burner", "idle", "limited", "alloc", "files", "blkio"]
V2_ID = "5e1f0c2a9b7d4e3f8a6c1b0d2e4f6a8c0b1d3e5f7a9c2b4d6e8f0a1c3e5b7d9f"
MiB = 1 << 20


def load(name: str) -> object:
    return json.loads((DATA / name).read_text())


# --- the docker CLI's display (github.com/docker/go-units), to compare with its output


def _scaled(size: float, base: float, units: list[str]) -> tuple[float, str]:
    i = 0
    while size >= base and i < len(units) - 1:
        size /= base
        i += 1
    return size, units[i]


def binary_size(size: float) -> str:
    value, unit = _scaled(size, 1024.0, ["B", "KiB", "MiB", "GiB", "TiB"])
    return f"{value:.4g}{unit}"


def decimal_size(size: float) -> str:
    value, unit = _scaled(size, 1000.0, ["B", "kB", "MB", "GB", "TB"])
    return f"{value:.3g}{unit}"


def cli_columns(stats: ContainerStats) -> dict[str, str]:
    return {
        "MemUsage": f"{binary_size(stats.mem_usage)} / {binary_size(stats.mem_limit)}",
        "MemPerc": f"{stats.mem_percent:.2f}%",
        "BlockIO": f"{decimal_size(stats.blk_read)} / {decimal_size(stats.blk_write)}",
        "PIDs": str(stats.pids),
    }


# ------------------------------------------------------------ API payloads


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_api_payload_gives_the_columns_docker_stats_printed(scenario: str) -> None:
    reading = reading_from_api(load(f"{scenario}.api.json"))
    assert reading is not None
    ours = cli_columns(derive_stats(reading))
    cli = load(f"{scenario}.cli.json")
    assert ours == {key: cli[key] for key in ours}


def test_cpu_from_a_payload_with_its_own_previous_reading() -> None:
    payload = load("limited.api.json")
    stats = derive_stats(reading_from_api(payload))
    cpu, pre = payload["cpu_stats"], payload["precpu_stats"]
    expected = (
        (cpu["cpu_usage"]["total_usage"] - pre["cpu_usage"]["total_usage"])
        / (cpu["system_cpu_usage"] - pre["system_cpu_usage"])
        * cpu["online_cpus"]
        * 100
    )
    assert stats.cpu_percent == pytest.approx(expected)
    # half a CPU by quota: docker stats showed 49.68 % a moment before
    assert 40 < stats.cpu_percent < 60


def test_one_shot_payload_alone_has_no_cpu_and_no_rates() -> None:
    first, _ = load("burner.oneshot.json")
    assert first["precpu_stats"].get("system_cpu_usage") is None
    stats = derive_stats(reading_from_api(first))
    assert stats.cpu_percent is None
    assert stats.net_rx_rate is None and stats.blk_write_rate is None
    assert stats.mem_usage > 0 and stats.pids == 1


@pytest.mark.parametrize(("scenario", "low", "high"), [("burner", 30, 101), ("limited", 40, 60), ("idle", 0, 1)])
def test_cpu_from_two_one_shot_payloads(scenario: str, low: float, high: float) -> None:
    first, second = (reading_from_api(p) for p in load(f"{scenario}.oneshot.json"))
    stats = derive_stats(second, first)
    assert stats.cpu_percent is not None
    assert low <= stats.cpu_percent <= high
    assert stats.net_rx_rate is not None and stats.net_rx_rate >= 0


def test_memory_excludes_inactive_file_but_keeps_tmpfs() -> None:
    payload = load("files.api.json")
    memory = payload["memory_stats"]
    stats = derive_stats(reading_from_api(payload))
    # 60 MB of tmpfs is "cache" to the kernel yet cannot be dropped: docker
    # (>= 20.10) counts it, the old usage - cache rule did not
    assert memory["stats"]["total_cache"] >= 60 * MiB
    assert memory["usage"] - memory["stats"]["total_cache"] < 10 * MiB
    assert stats.mem_usage >= 60 * MiB
    assert stats.mem_usage == memory["usage"] - memory["stats"]["total_inactive_file"]


def test_memory_rules() -> None:
    assert mem_usage_no_cache(1000, {"total_inactive_file": 300, "inactive_file": 100}) == 700
    assert mem_usage_no_cache(1000, {"inactive_file": 100}) == 900  # cgroup v2
    assert mem_usage_no_cache(1000, {"total_inactive_file": 5000}) == 1000  # never negative
    assert mem_usage_no_cache(1000, {}) == 1000


def test_allocating_container_shows_its_memory() -> None:
    stats = derive_stats(reading_from_api(load("alloc.api.json")))
    assert stats.mem_usage > 45 * MiB  # a 50 MB shell variable
    assert stats.pids == 2


def test_memory_limit_and_percent() -> None:
    stats = derive_stats(reading_from_api(load("limited.api.json")))
    assert stats.mem_limit == 32 * MiB
    assert stats.mem_percent == pytest.approx(stats.mem_usage / (32 * MiB) * 100)


def test_block_io_sums_reads_and_writes() -> None:
    stats = derive_stats(reading_from_api(load("blkio.api.json")))
    assert stats.blk_write >= 20 * MiB and stats.blk_read == 0
    entries = [
        {"major": 8, "minor": 0, "op": "Read", "value": 100},
        {"major": 8, "minor": 0, "op": "Write", "value": 40},
        {"major": 8, "minor": 0, "op": "Sync", "value": 140},
        {"major": 8, "minor": 0, "op": "Total", "value": 140},
        {"major": 8, "minor": 16, "op": "read", "value": 1},  # cgroup v2 daemons send lower case
        {"major": 8, "minor": 16, "op": "write", "value": 2},
    ]
    assert block_io(entries) == (101, 42)
    assert block_io(None) == (0, 0)


def test_network_sums_interfaces() -> None:
    networks = {"eth0": {"rx_bytes": 10, "tx_bytes": 1}, "eth1": {"rx_bytes": 5, "tx_bytes": 2}}
    assert network_io(networks) == (15, 3)
    assert network_io(None) == (0, 0)


def test_cpu_formulas() -> None:
    # one busy CPU of four for one second: docker's system delta is 4 s of CPU time
    assert cpu_percent_from_system(1e9, 4e9, 4) == pytest.approx(100.0)
    assert cpu_percent_from_wall(1e9, 1e9) == pytest.approx(100.0)
    assert cpu_percent_from_system(0, 4e9, 4) == 0.0
    assert cpu_percent_from_system(1e9, 0, 4) == 0.0


def test_stopped_container_payload_is_no_reading() -> None:
    assert reading_from_api({"read": "0001-01-01T00:00:00Z", "id": "x"}) is None


def test_docker_timestamps() -> None:
    assert parse_docker_time("1970-01-01T00:00:01.000000001Z") == 1_000_000_001
    assert parse_docker_time("1970-01-01T01:00:02.5+01:00") == 2_500_000_000
    assert parse_docker_time("1970-01-01T00:00:03Z") == 3_000_000_000


def test_rates_use_the_daemons_read_times() -> None:
    first = reading_from_api(load("idle.api.json"))
    later = replace(first, clock_ns=first.clock_ns + 2_000_000_000, net_rx=first.net_rx + 3000, blk_write=500)
    stats = derive_stats(later, first)
    assert stats.net_rx_rate == pytest.approx(1500)
    assert stats.blk_write_rate == pytest.approx(250)
    # counters going backwards mean a restarted container: no rate, not a negative one
    restarted = replace(later, clock_ns=later.clock_ns + 10**9, net_rx=0)
    assert derive_stats(restarted, later).net_rx_rate is None


def test_cpu_limits_from_inspect() -> None:
    assert CpuLimits.from_inspect({"HostConfig": {"NanoCpus": 500_000_000}}).allowance(8) == 0.5
    assert CpuLimits.from_inspect({"HostConfig": {"CpuQuota": 150_000, "CpuPeriod": 100_000}}).allowance(8) == 1.5
    assert CpuLimits.from_inspect({"HostConfig": {"CpusetCpus": "0-1,4"}}).allowance(8) == 3
    assert CpuLimits.from_inspect({"HostConfig": {"NanoCpus": 0, "CpuQuota": 0}}).allowance(8) == 8


# ------------------------------------------------------------ cgroup v1 (recorded)


def v1_host(scenario: str, when: str) -> CgroupHost:
    root = str(DATA / "cgroup_v1" / scenario / when)
    return CgroupHost(parse_mountinfo((Path(root) / "proc/self/mountinfo").read_text()), root, cpus=2)


def v1_pair(scenario: str) -> tuple[ContainerStats, dict]:
    meta = load(f"cgroup_v1/{scenario}/meta.json")
    readings = []
    for when, clock in (("t0", 0), ("t1", meta["wall_ns"])):
        host = v1_host(scenario, when)
        cgroup = host.resolve(meta["id"], meta["pid"])
        assert cgroup is not None and cgroup.version == 1
        readings.append(replace(reading_from_cgroup(host, cgroup, now=0.0), clock_ns=clock))
    return derive_stats(readings[1], readings[0]), meta


def test_hybrid_host_uses_the_v1_controllers() -> None:
    host = v1_host("idle", "t0")
    assert host.version == 1  # the empty v2 tree at /sys/fs/cgroup/unified is ignored
    assert host.mem_total == 24684096 * 1024  # docker info: MemTotal 25276514304


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_cgroup_v1_agrees_with_the_daemon(scenario: str) -> None:
    stats, _ = v1_pair(scenario)
    first, second = (reading_from_api(p) for p in load(f"{scenario}.oneshot.json"))
    api = derive_stats(second, first)
    assert stats.source == "cgroup"
    # read within the same second as the one_shot payloads
    assert stats.cpu_percent == pytest.approx(api.cpu_percent, abs=5)
    assert stats.mem_usage == pytest.approx(api.mem_usage, rel=0.05)
    assert stats.mem_limit == api.mem_limit
    assert (stats.blk_read, stats.blk_write) == (api.blk_read, api.blk_write)
    assert stats.pids == api.pids
    # /proc/<pid>/net/dev minus lo is what the daemon reports for eth0
    assert stats.net_rx == pytest.approx(api.net_rx, abs=200)


def test_cgroup_v1_limits() -> None:
    limited, _ = v1_pair("limited")
    assert limited.online_cpus == 0.5
    assert limited.mem_limit == 32 * MiB
    idle, _ = v1_pair("idle")
    assert idle.online_cpus == 2
    assert idle.mem_limit == 24684096 * 1024  # no limit: the host's memory, as docker shows


def test_cgroup_v1_burner_is_busy_and_idle_is_not() -> None:
    burner, _ = v1_pair("burner")
    idle, _ = v1_pair("idle")
    assert burner.cpu_percent > 30  # shared two CPUs with the "limited" burner and other work
    assert idle.cpu_percent < 1


def test_recycled_pid_is_not_taken_for_the_container() -> None:
    meta = load("cgroup_v1/idle/meta.json")
    host = v1_host("idle", "t0")
    assert host.resolve("0" * 64, meta["pid"]) is None
    assert host.resolve(meta["id"], 999999) is None
    assert host.resolve(meta["id"], 0) is None


def write_tree(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def test_systemd_driver_and_a_namespaced_mount_root(tmp_path: Path) -> None:
    cid = "ab" * 32
    scope = f"system.slice/docker-{cid}.scope"
    mountinfo = (
        "30 25 0:26 / /sys/fs/cgroup/cpu,cpuacct rw - cgroup cgroup rw,cpu,cpuacct\n"
        # a bind mount of a subtree: the memory hierarchy's /system.slice shown at /mnt/mem
        "31 25 0:27 /system.slice /mnt/mem rw - cgroup cgroup rw,memory\n"
    )
    write_tree(
        tmp_path,
        {
            "proc/self/mountinfo": mountinfo,
            "proc/77/cgroup": f"4:memory:/{scope}\n3:cpu,cpuacct:/{scope}\n1:name=systemd:/{scope}\n",
            f"sys/fs/cgroup/cpu,cpuacct/{scope}/cpuacct.usage": "5000\n",
            f"mnt/mem/docker-{cid}.scope/memory.usage_in_bytes": "4096\n",
            f"mnt/mem/docker-{cid}.scope/memory.stat": "cache 0\ntotal_inactive_file 1024\n",
        },
    )
    host = CgroupHost(parse_mountinfo(mountinfo), str(tmp_path), cpus=4)
    cgroup = host.resolve(cid, 77)
    assert cgroup is not None
    counters = host.read_counters(cgroup)
    assert counters.cpu_ns == 5000 and counters.mem_usage == 4096 and counters.mem_inactive_file == 1024
    stats = derive_stats(reading_from_cgroup(host, cgroup, now=0.0))
    assert stats.mem_usage == 3072 and stats.online_cpus == 4 and stats.cpu_percent is None


def test_v1_blkio_prefers_the_cfq_counters_when_they_have_data(tmp_path: Path) -> None:
    cid = "cd" * 32
    mountinfo = (
        "30 25 0:26 / /sys/fs/cgroup/cpuacct rw - cgroup cgroup rw,cpuacct\n"
        "31 25 0:27 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n"
        "32 25 0:28 / /sys/fs/cgroup/blkio rw - cgroup cgroup rw,blkio\n"
    )
    blkio = f"sys/fs/cgroup/blkio/docker/{cid}"
    write_tree(
        tmp_path,
        {
            "proc/self/mountinfo": mountinfo,
            "proc/9/cgroup": f"3:blkio:/docker/{cid}\n2:memory:/docker/{cid}\n1:cpuacct:/docker/{cid}\n",
            f"sys/fs/cgroup/cpuacct/docker/{cid}/cpuacct.usage": "1\n",
            f"sys/fs/cgroup/memory/docker/{cid}/memory.usage_in_bytes": "1\n",
            f"sys/fs/cgroup/memory/docker/{cid}/memory.stat": "total_inactive_file 0\n",
            f"{blkio}/blkio.io_service_bytes_recursive": "8:0 Read 4096\n8:0 Write 8192\n8:0 Sync 0\n"
            "8:0 Async 12288\n8:0 Total 12288\nTotal 12288\n",
            f"{blkio}/blkio.io_serviced_recursive": "8:0 Read 1\n",
            f"{blkio}/blkio.throttle.io_service_bytes": "8:0 Read 1\n8:0 Write 1\nTotal 2\n",
        },
    )
    host = CgroupHost(parse_mountinfo(mountinfo), str(tmp_path), cpus=1)
    cgroup = host.resolve(cid, 9)
    counters = host.read_counters(cgroup)
    assert (counters.blk_read, counters.blk_write) == (4096, 8192)
    assert counters.pids == 0  # no pids controller mounted: not an error


# ------------------------------------------------------------ cgroup v2 (hand-written)


def test_cgroup_v2_systemd_scope() -> None:
    meta = load("cgroup_v2/meta.json")
    readings = []
    for when, clock in (("t0", 0), ("t1", meta["wall_ns"])):
        root = str(DATA / "cgroup_v2" / when)
        host = CgroupHost(parse_mountinfo((Path(root) / "proc/self/mountinfo").read_text()), root, cpus=8)
        assert host.version == 2
        cgroup = host.resolve(meta["id"], meta["pid"])
        assert cgroup is not None and cgroup.version == 2
        readings.append(replace(reading_from_cgroup(host, cgroup, now=0.0), clock_ns=clock))
    stats = derive_stats(readings[1], readings[0])
    assert stats.cpu_percent == pytest.approx(60.0)  # 1.2 s of CPU in 2 s
    assert stats.online_cpus == 1.5  # cpu.max 150000/100000 beats cpuset 0-3 and 8 host CPUs
    assert stats.mem_usage == 213909504 - (52428800 + 1048576)  # memory.current - inactive_file
    assert stats.mem_limit == 8039424 * 1024  # memory.max "max": the host's MemTotal
    assert (stats.net_rx, stats.net_tx) == (1420000, 305000)  # eth0 + eth1, not lo
    assert stats.net_rx_rate == pytest.approx(200000) and stats.net_tx_rate == pytest.approx(25000)
    assert (stats.blk_read, stats.blk_write) == (13631488, 8388608)
    assert stats.blk_read_rate == pytest.approx(1048576) and stats.blk_write_rate == pytest.approx(2097152)
    assert stats.pids == 9


# ------------------------------------------------------------ parsers


def test_parsers() -> None:
    assert parse_cpu_list("0-3,6,8-9\n") == 7
    assert parse_cpu_list("") == 0
    assert parse_cpu_max("max 100000\n") is None
    assert parse_cpu_max("50000 100000\n") == 0.5
    assert parse_blkio_v1(b"254:0 Read 10\n254:0 Write 20\n254:0 Discard 5\n254:0 Total 35\nTotal 35\n") == (10, 20)
    assert parse_io_stat_v2(b"8:0 rbytes=1 wbytes=2 rios=3 wios=4 dbytes=0 dios=0\n") == (1, 2)
    dev = (DATA / "cgroup_v2/t0/proc/4242/net/dev").read_bytes()
    assert parse_net_dev(dev) == (1020000, 255000)


def test_mountinfo_escapes_and_v2_only_hosts() -> None:
    mounts = parse_mountinfo(
        "26 25 0:24 / /sys/fs/cgroup rw,nosuid - cgroup2 cgroup2 rw,nsdelegate\n"
        "27 25 0:25 / /weird\\040dir rw - cgroup cgroup rw,pids\n"
        "28 25 0:26 / /proc rw - proc proc rw\n"
    )
    assert [(m.mountpoint, m.version) for m in mounts] == [("/sys/fs/cgroup", 2), ("/weird dir", 1)]
    assert mounts[1].controllers == frozenset({"pids"})
    # pids alone is not enough for v1: the unified tree is used
    assert CgroupHost(mounts, "/nonexistent", cpus=1).version == 2


# ------------------------------------------------------------ the sampler's bookkeeping


def test_sampler_first_sample_has_no_cpu_then_forgets_gone_containers() -> None:
    meta = load("cgroup_v1/limited/meta.json")
    host = v1_host("limited", "t0")
    sampler = StatsSampler(None, local=True, cgroups=host)  # type: ignore[arg-type]
    assert sampler.source == "cgroup"
    target = [(meta["id"], meta["pid"])]
    first = sampler.sample(target)[meta["id"]]
    assert first.cpu_percent is None and first.net_rx_rate is None
    assert first.online_cpus == 0.5 and first.source == "cgroup"
    second = sampler.sample(target)[meta["id"]]
    # the recorded files do not change between the two reads
    assert second.cpu_percent == 0.0 and second.net_rx_rate == 0.0
    assert sampler.sample([]) == {}
    assert sampler.sample(target)[meta["id"]].cpu_percent is None


def test_sampler_rereads_kept_files_and_closes_them(tmp_path: Path) -> None:
    cid = "ef" * 32
    mountinfo = (
        "30 25 0:26 / /sys/fs/cgroup/cpuacct rw - cgroup cgroup rw,cpuacct\n"
        "31 25 0:27 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n"
    )
    usage = tmp_path / f"sys/fs/cgroup/cpuacct/docker/{cid}/cpuacct.usage"
    write_tree(
        tmp_path,
        {
            "proc/self/mountinfo": mountinfo,
            "proc/5/cgroup": f"2:memory:/docker/{cid}\n1:cpuacct:/docker/{cid}\n",
            f"sys/fs/cgroup/cpuacct/docker/{cid}/cpuacct.usage": "1000000000\n",
            f"sys/fs/cgroup/memory/docker/{cid}/memory.usage_in_bytes": "8192\n",
            f"sys/fs/cgroup/memory/docker/{cid}/memory.stat": "total_inactive_file 0\n",
        },
    )
    host = CgroupHost(parse_mountinfo(mountinfo), str(tmp_path), cpus=2)
    sampler = StatsSampler(None, local=True, cgroups=host)  # type: ignore[arg-type]
    assert sampler.sample([(cid, 5)])[cid].cpu_percent is None
    usage.write_text("9000000000\n")  # same length: the kept descriptor sees the new value
    time.sleep(0.05)
    stats = sampler.sample([(cid, 5)])[cid]
    assert stats.cpu_percent is not None and stats.cpu_percent > 100  # 8 s of CPU in ~0.05 s
    kept = sampler._cgroups[cid].fds
    assert kept and all(os.fstat(fd) for fd in kept.values())
    fds = list(kept.values())
    sampler.sample([])
    for fd in fds:
        with pytest.raises(OSError):
            os.fstat(fd)
    sampler.close()
    # a removed cgroup: the container is absent, not an error
    usage.unlink()
    sampler = StatsSampler(None, local=True, cgroups=host)  # type: ignore[arg-type]
    assert sampler.sample([(cid, 5)]) == {}
    assert cid in sampler.stale_ids
