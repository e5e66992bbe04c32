"""Container resource statistics: the ``docker stats`` numbers, cheaply.

This module owns the stats domain object (:class:`ContainerStats`), the maths
the docker CLI applies to the daemon's stats payloads (cli/command/container/
stats_helpers.go), and :class:`StatsSampler`, which picks the cheapest honest
source:

* ``"cgroup"``: the daemon is on this host (a unix socket) and the
  containers' cgroup files can be read. One sample of N containers is ~6 small
  file reads each in our own process; dockerd, containerd and the shims do
  nothing.
* ``"api"``: anything else (a remote daemon, a daemon in a VM, unreadable
  cgroups). ``stats(stream=False, one_shot=True)`` for the ids asked only -
  the caller passes the rows on screen - on a small bounded thread pool.

Both give cumulative counters; rates and CPU % come from the difference to
the previous reading the sampler keeps per container. So the FIRST sample of
a container has ``cpu_percent`` and every ``*_rate`` set to None (unknown,
not zero), except for an API payload that carries its own previous CPU
reading (``stream=False`` without one_shot).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from tui.docker.cgroups import CgroupHost, ContainerCgroup, cpu_allowance, parse_cpu_list
from tui.docker.errors import is_connection_problem

if TYPE_CHECKING:
    import docker

StatsSource = Literal["cgroup", "api"]

#: How often cached limits (CPU quota, cpuset, memory limit) are re-read, in
#: seconds; ``docker update`` changes them rarely.
LIMITS_TTL = 10.0
#: one_shot (a single reading, no 1 s wait for a second one) arrived in API 1.41.
ONE_SHOT_API = "1.41"
#: Concurrent API stats calls. Docker 20.10 answers a one_shot call at its
#: next 1 s collection tick (shared by all calls waiting), so a sample of N
#: containers takes about ceil(N / workers) seconds: the workers should cover
#: the visible rows. 10 is docker-py's default connection pool size; use a
#: client with a bigger ``max_pool_size`` before raising it, or urllib3
#: discards (and logs) the surplus connections.
DEFAULT_API_WORKERS = 10


@dataclass(frozen=True)
class ContainerStats:
    """One container's resource use at one moment, as ``docker stats`` shows it."""

    id: str
    #: 100 = one full CPU (docker's scale: 200 % is two CPUs); None on a first reading
    cpu_percent: float | None
    #: CPUs the container may use: quota/period if set, else its cpuset, else the host's
    online_cpus: float
    mem_usage: int
    mem_limit: int
    mem_percent: float
    net_rx_rate: float | None
    net_tx_rate: float | None
    blk_read_rate: float | None
    blk_write_rate: float | None
    #: cumulative bytes since the container started (docker's NET I/O, BLOCK I/O)
    net_rx: int
    net_tx: int
    blk_read: int
    blk_write: int
    pids: int
    #: wall-clock time of the reading (seconds since the epoch)
    timestamp: float
    source: StatsSource

    @property
    def short_id(self) -> str:
        return self.id[:12]


# ------------------------------------------------------------------ maths


def cpu_percent_from_system(cpu_delta: float, system_delta: float, online_cpus: float) -> float:
    """Docker's CPU %: the container's share of all CPU time, scaled to CPUs.

    ``(Δcontainer / Δsystem) * online_cpus * 100``; 0 when either delta is
    not positive (as the CLI does).
    """
    if system_delta > 0 and cpu_delta > 0:
        return cpu_delta / system_delta * online_cpus * 100.0
    return 0.0


def cpu_percent_from_wall(cpu_delta_ns: float, wall_delta_ns: float) -> float:
    """CPU % from cgroup usage over wall time.

    Equals docker's formula because the daemon's system delta is wall time
    times the number of CPUs (it sums /proc/stat without steal time, so on a
    VM with steal docker's figure is marginally higher).
    """
    if wall_delta_ns > 0 and cpu_delta_ns > 0:
        return cpu_delta_ns / wall_delta_ns * 100.0
    return 0.0


def mem_usage_no_cache(usage: int, stats: Mapping[str, int]) -> int:
    """Memory in use minus reclaimable page cache, as ``docker stats`` shows it.

    The CLI subtracts ``total_inactive_file`` (cgroup v1) or ``inactive_file``
    (v2) when it is smaller than the usage. Docker 19.03 and older subtracted
    ``cache``, which also hid tmpfs (shmem) that cannot be reclaimed; the
    daemon has always sent ``total_inactive_file`` on v1, so the current rule
    applies to old daemons' payloads as well.
    """
    inactive = stats.get("total_inactive_file")
    if inactive is not None and inactive < usage:
        return usage - inactive
    inactive = stats.get("inactive_file", 0)
    if inactive < usage:
        return usage - inactive
    return usage


def mem_percent(usage: int, limit: int) -> float:
    return usage / limit * 100.0 if limit else 0.0


def block_io(entries: Iterable[Mapping[str, Any]] | None) -> tuple[int, int]:
    """Bytes read and written from ``io_service_bytes_recursive`` (ops Read/Write, v2 read/write)."""
    read = write = 0
    for entry in entries or ():
        op = str(entry.get("op") or "")[:1]
        if op in ("r", "R"):
            read += int(entry.get("value") or 0)
        elif op in ("w", "W"):
            write += int(entry.get("value") or 0)
    return read, write


def network_io(networks: Mapping[str, Mapping[str, Any]] | None) -> tuple[int, int]:
    """Bytes received and sent, summed over the container's interfaces."""
    rx = tx = 0
    for values in (networks or {}).values():
        rx += int(values.get("rx_bytes") or 0)
        tx += int(values.get("tx_bytes") or 0)
    return rx, tx


def rate(previous: int, current: int, seconds: float) -> float | None:
    """Bytes per second between two cumulative counters; None when unknowable.

    A counter that went down belongs to a restarted container: no rate.
    """
    if seconds <= 0 or current < previous:
        return None
    return (current - previous) / seconds


def parse_docker_time(text: str | None) -> int | None:
    """Nanoseconds since the epoch from the daemon's RFC 3339 timestamps.

    Go writes up to nine fractional digits, more than ``datetime`` takes;
    the zero time (``0001-01-01T00:00:00Z``) means "no reading" and gives None.
    """
    if not text or text.startswith("0001-01-01"):
        return None
    from datetime import datetime, timedelta, timezone

    main, _, rest = text.partition(".")
    fraction = ""
    zone = ""
    if rest:
        digits = len(rest) - len(rest.lstrip("0123456789"))
        fraction, zone = rest[:digits], rest[digits:]
    else:
        for marker in ("Z", "+", "-"):
            index = main.find(marker, 19)
            if index >= 0:
                main, zone = main[:index], main[index:]
                break
    try:
        moment = datetime.strptime(main, "%Y-%m-%dT%H:%M:%S").replace(tzinfo=timezone.utc)
    except ValueError:
        return None
    if zone and zone != "Z":
        sign = 1 if zone[0] == "+" else -1
        hours, _, minutes = zone[1:].partition(":")
        moment -= sign * timedelta(hours=int(hours), minutes=int(minutes or 0))
    seconds = int(moment.timestamp())
    nanos = int((fraction + "000000000")[:9]) if fraction else 0
    return seconds * 1_000_000_000 + nanos


# ------------------------------------------------------------ raw readings


@dataclass(frozen=True)
class StatsReading:
    """Cumulative counters from one source at one moment (what rates are computed from)."""

    id: str
    source: StatsSource
    #: when the counters were read: monotonic ns for cgroup readings, the
    #: daemon's clock for API readings (only differences are used)
    clock_ns: int
    timestamp: float
    cpu_ns: int
    #: the host's total CPU time (API readings only; cgroup ones use clock_ns)
    system_cpu_ns: int | None
    host_cpus: float
    cpus: float
    mem_usage: int
    mem_limit: int
    net_rx: int
    net_tx: int
    blk_read: int
    blk_write: int
    pids: int
    #: the payload's own previous CPU reading (stream=False without one_shot)
    pre_cpu_ns: int | None = None
    pre_system_cpu_ns: int | None = None


def reading_from_api(payload: Mapping[str, Any], cpu_limits: CpuLimits | None = None) -> StatsReading | None:
    """Counters from one ``api.stats(stream=False)`` payload; None for a container not running.

    ``cpu_limits`` (from the container's inspect) narrow the CPU allowance;
    without them it is the daemon host's online CPUs.
    """
    read_ns = parse_docker_time(payload.get("read"))
    if read_ns is None:
        return None
    cpu_stats = payload.get("cpu_stats") or {}
    usage = cpu_stats.get("cpu_usage") or {}
    host_cpus = float(cpu_stats.get("online_cpus") or len(usage.get("percpu_usage") or ()) or 0)
    memory = payload.get("memory_stats") or {}
    mem_used = mem_usage_no_cache(int(memory.get("usage") or 0), memory.get("stats") or {})
    net_rx, net_tx = network_io(payload.get("networks"))
    blk_read, blk_write = block_io((payload.get("blkio_stats") or {}).get("io_service_bytes_recursive"))
    pre = payload.get("precpu_stats") or {}
    pre_system = pre.get("system_cpu_usage")
    return StatsReading(
        id=str(payload.get("id") or ""),
        source="api",
        clock_ns=read_ns,
        timestamp=read_ns / 1e9,
        cpu_ns=int(usage.get("total_usage") or 0),
        system_cpu_ns=int(cpu_stats["system_cpu_usage"]) if cpu_stats.get("system_cpu_usage") else None,
        host_cpus=host_cpus,
        cpus=(cpu_limits or CpuLimits()).allowance(host_cpus),
        mem_usage=mem_used,
        mem_limit=int(memory.get("limit") or 0),
        net_rx=net_rx,
        net_tx=net_tx,
        blk_read=blk_read,
        blk_write=blk_write,
        pids=int((payload.get("pids_stats") or {}).get("current") or 0),
        pre_cpu_ns=int((pre.get("cpu_usage") or {}).get("total_usage") or 0) if pre_system else None,
        pre_system_cpu_ns=int(pre_system) if pre_system else None,
    )


def derive_stats(current: StatsReading, previous: StatsReading | None = None) -> ContainerStats:
    """The displayed numbers from a reading and the one before it (if any)."""
    cpu: float | None = None
    rates: tuple[float | None, ...] = (None, None, None, None)
    if previous is not None and previous.source == current.source:
        seconds = (current.clock_ns - previous.clock_ns) / 1e9
        if current.system_cpu_ns is not None and previous.system_cpu_ns is not None:
            cpu = cpu_percent_from_system(
                current.cpu_ns - previous.cpu_ns, current.system_cpu_ns - previous.system_cpu_ns, current.host_cpus
            )
        elif current.system_cpu_ns is None:
            cpu = cpu_percent_from_wall(current.cpu_ns - previous.cpu_ns, current.clock_ns - previous.clock_ns)
        rates = (
            rate(previous.net_rx, current.net_rx, seconds),
            rate(previous.net_tx, current.net_tx, seconds),
            rate(previous.blk_read, current.blk_read, seconds),
            rate(previous.blk_write, current.blk_write, seconds),
        )
    elif current.pre_system_cpu_ns is not None and current.system_cpu_ns is not None:
        cpu = cpu_percent_from_system(
            current.cpu_ns - (current.pre_cpu_ns or 0),
            current.system_cpu_ns - current.pre_system_cpu_ns,
            current.host_cpus,
        )
    return ContainerStats(
        id=current.id,
        cpu_percent=cpu,
        online_cpus=current.cpus,
        mem_usage=current.mem_usage,
        mem_limit=current.mem_limit,
        mem_percent=mem_percent(current.mem_usage, current.mem_limit),
        net_rx_rate=rates[0],
        net_tx_rate=rates[1],
        blk_read_rate=rates[2],
        blk_write_rate=rates[3],
        net_rx=current.net_rx,
        net_tx=current.net_tx,
        blk_read=current.blk_read,
        blk_write=current.blk_write,
        pids=current.pids,
        timestamp=current.timestamp,
        source=current.source,
    )


def reading_from_cgroup(host: CgroupHost, cgroup: ContainerCgroup, now: float) -> StatsReading:
    """Read a container's cgroup counters (OSError when its cgroup is gone).

    ``now`` (monotonic seconds) decides whether the cached limits are re-read.
    """
    if cgroup.limits is None or now - cgroup.limits_read_at > LIMITS_TTL:
        cgroup.limits = host.read_limits(cgroup)
        cgroup.limits_read_at = now
    clock_ns = time.monotonic_ns()
    counters = host.read_counters(cgroup)
    usage = counters.mem_usage
    inactive = counters.mem_inactive_file
    key = "total_inactive_file" if cgroup.version == 1 else "inactive_file"
    mem_used = mem_usage_no_cache(usage, {key: inactive} if inactive is not None else {})
    return StatsReading(
        id=cgroup.container_id,
        source="cgroup",
        clock_ns=clock_ns,
        timestamp=time.time(),
        cpu_ns=counters.cpu_ns,
        system_cpu_ns=None,
        host_cpus=float(host.online_cpus),
        cpus=cgroup.limits.cpus,
        mem_usage=mem_used,
        mem_limit=cgroup.limits.mem_limit,
        net_rx=counters.net_rx,
        net_tx=counters.net_tx,
        blk_read=counters.blk_read,
        blk_write=counters.blk_write,
        pids=counters.pids,
    )


@dataclass(frozen=True)
class CpuLimits:
    """A container's CPU limits: quota in CPUs (``--cpus``) and cpuset size."""

    quota: float | None = None
    cpuset: int | None = None

    def allowance(self, host_cpus: float) -> float:
        return cpu_allowance(self.quota, self.cpuset, int(host_cpus) or 1)

    @classmethod
    def from_inspect(cls, data: Mapping[str, Any]) -> CpuLimits:
        """From ``--cpus``, ``--cpu-quota``/``--cpu-period`` and ``--cpuset-cpus``."""
        host_config = data.get("HostConfig") or {}
        quota: float | None = None
        if host_config.get("NanoCpus"):
            quota = int(host_config["NanoCpus"]) / 1e9
        elif (host_config.get("CpuQuota") or 0) > 0:
            quota = int(host_config["CpuQuota"]) / int(host_config.get("CpuPeriod") or 100_000)
        cpuset = parse_cpu_list(str(host_config.get("CpusetCpus") or "")) or None
        return cls(quota, cpuset)


# ---------------------------------------------------------------- sampler


def init_pid(api: docker.APIClient, container_id: str) -> int:
    """Host pid of a container's init process (0 when not running); one inspect."""
    return int(((api.inspect_container(container_id) or {}).get("State") or {}).get("Pid") or 0)


class InitPids:
    """Caches each running container's init pid: one inspect per container, once.

    The list API does not return pids. Call :meth:`targets` with the running
    ids each tick; pass the sampler's ``stale_ids`` (a pid that no longer
    belongs to its container, e.g. after a restart) to look those up again.
    """

    def __init__(self, api: docker.APIClient) -> None:
        self._api = api
        self._pids: dict[str, int] = {}

    def targets(self, ids: Iterable[str], stale: Iterable[str] = ()) -> list[tuple[str, int]]:
        wanted = list(ids)
        for container_id in stale:
            self._pids.pop(container_id, None)
        keep = set(wanted)
        for container_id in [c for c in self._pids if c not in keep]:
            del self._pids[container_id]
        result = []
        for container_id in wanted:
            pid = self._pids.get(container_id)
            if pid is None:
                try:
                    pid = init_pid(self._api, container_id)
                except Exception as exc:
                    if is_connection_problem(exc):
                        raise
                    pid = 0
                self._pids[container_id] = pid
            result.append((container_id, pid))
        return result

    def forget(self, container_id: str) -> None:
        self._pids.pop(container_id, None)


class StatsSampler:
    """Samples ``docker stats`` numbers for the containers it is given.

    ``sample([(id, init_pid), ...])`` returns ``{id: ContainerStats}`` for the
    containers that are running; a container it cannot read (stopped, gone)
    is simply absent. Calls are serialised (the previous readings are shared
    state); run it in a worker thread, never on the event loop.

    With ``local=True`` (the daemon's socket is on this host) and a readable
    cgroup tree, containers are read from their cgroup files; a container
    whose pid does not resolve to its cgroup falls back to the API. With
    ``local=False`` every container uses the API and the pids are ignored
    (pass 0).
    """

    def __init__(
        self,
        api: docker.APIClient,
        *,
        local: bool,
        cgroups: CgroupHost | None = None,
        api_workers: int = DEFAULT_API_WORKERS,
    ) -> None:
        self._api = api
        self._host = (cgroups or CgroupHost.from_system()) if local else None
        self._api_workers = max(1, api_workers)
        self._pool: ThreadPoolExecutor | None = None
        self._previous: dict[str, StatsReading] = {}
        self._cgroups: dict[str, ContainerCgroup] = {}
        self._api_limits: dict[str, CpuLimits] = {}
        self._lock = threading.Lock()
        self._one_shot: bool | None = None
        #: ids whose pid did not lead to their cgroup in the last sample
        self.stale_ids: frozenset[str] = frozenset()
        self._api_only = False

    @property
    def source(self) -> StatsSource:
        """"cgroup" when cgroup files are being read, else "api".

        A local-looking daemon whose containers' cgroups cannot be found here
        (Docker Desktop's VM, dtui itself in a container) reports "api" once
        a sample has shown it.
        """
        if self._host is None or self._api_only:
            return "api"
        return "cgroup"

    def sample(self, containers: Sequence[tuple[str, int]]) -> dict[str, ContainerStats]:
        with self._lock:
            return self._sample(containers)

    def snapshot(self, containers: Sequence[tuple[str, int]], interval: float = 1.0) -> dict[str, ContainerStats]:
        """Two samples ``interval`` apart: every value filled, like ``docker stats --no-stream``."""
        self.sample(containers)
        time.sleep(interval)
        return self.sample(containers)

    def close(self) -> None:
        with self._lock:
            for container_id in list(self._cgroups):
                self._drop_cgroup(container_id)
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None

    # ------------------------------------------------------------ internals

    def _drop_cgroup(self, container_id: str) -> None:
        cgroup = self._cgroups.pop(container_id, None)
        if cgroup is not None and self._host is not None:
            self._host.release(cgroup)

    def _sample(self, containers: Sequence[tuple[str, int]]) -> dict[str, ContainerStats]:
        wanted = {container_id for container_id, _ in containers}
        for container_id in [c for c in self._cgroups if c not in wanted]:
            self._drop_cgroup(container_id)
        for cache in (self._previous, self._api_limits):
            for container_id in [c for c in cache if c not in wanted]:
                del cache[container_id]
        readings: dict[str, StatsReading] = {}
        via_api: list[str] = []
        stale: set[str] = set()
        now = time.monotonic()
        for container_id, pid in containers:
            if self._host is None:
                via_api.append(container_id)
                continue
            cgroup = self._cgroups.get(container_id)
            if cgroup is None or cgroup.pid != pid:
                self._drop_cgroup(container_id)
                cgroup = self._host.resolve(container_id, pid)
                if cgroup is None:
                    if pid > 0:
                        stale.add(container_id)
                    via_api.append(container_id)
                    continue
                self._cgroups[container_id] = cgroup
            try:
                readings[container_id] = reading_from_cgroup(self._host, cgroup, now)
            except OSError:
                # cgroup removed: the container stopped; resolve again next time
                self._drop_cgroup(container_id)
                stale.add(container_id)
        cgroup_count = len(readings)
        if via_api:
            readings.update(self._api_readings(via_api))
        self._api_only = bool(readings) and cgroup_count == 0
        self.stale_ids = frozenset(stale)
        result = {}
        for container_id, reading in readings.items():
            result[container_id] = derive_stats(reading, self._previous.get(container_id))
            self._previous[container_id] = reading
        return result

    def _api_readings(self, ids: list[str]) -> dict[str, StatsReading]:
        if self._one_shot is None:
            from docker.utils import version_gte

            self._one_shot = version_gte(self._api.api_version, ONE_SHOT_API)
        if self._pool is None:
            self._pool = ThreadPoolExecutor(max_workers=self._api_workers, thread_name_prefix="dtui-stats")
        futures = [(container_id, self._pool.submit(self._api_reading, container_id)) for container_id in ids]
        readings: dict[str, StatsReading] = {}
        failure: BaseException | None = None
        for container_id, future in futures:
            try:
                reading = future.result()
            except Exception as exc:
                # one container vanishing is normal; the daemon vanishing is not
                if is_connection_problem(exc) and failure is None:
                    failure = exc
                continue
            if reading is not None:
                readings[container_id] = reading
        if failure is not None and not readings:
            raise failure
        return readings

    def _api_reading(self, container_id: str) -> StatsReading | None:
        limits = self._api_limits.get(container_id)
        if limits is None:
            # once per container: stats payloads do not carry its CPU limits
            data = self._api.inspect_container(container_id)
            if not (data.get("State") or {}).get("Running"):
                return None
            limits = self._api_limits[container_id] = CpuLimits.from_inspect(data)
        if self._one_shot:
            payload = self._api.stats(container_id, stream=False, one_shot=True)
        else:
            # old daemons: the call waits for a second reading (~1-2 s)
            payload = self._api.stats(container_id, stream=False)
        reading = reading_from_api(payload, limits)
        if reading is not None and not reading.id:
            reading = _with_id(reading, container_id)
        return reading


def _with_id(reading: StatsReading, container_id: str) -> StatsReading:
    from dataclasses import replace

    return replace(reading, id=container_id)
