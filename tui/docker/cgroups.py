"""Reading a container's resource counters straight from the kernel.

This module owns the cgroup v1/v2 and /proc file formats: where a container's
cgroup directories are (taken from ``/proc/<pid>/cgroup`` and the cgroup
mounts in ``/proc/self/mountinfo``, never guessed), and how to parse the few
files the stats pane needs. Reading these files costs a few microseconds of
kernel time each, where asking the daemon costs dockerd, containerd and the
shim a round of RPCs per container.

Everything takes a ``root`` directory (``/`` in production) so the unit tests
can point it at recorded file trees.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

#: cgroup v1 reports "no memory limit" as a huge page-aligned number; any
#: limit at or above this is treated as unlimited.
UNLIMITED = 1 << 62

_READ_CHUNK = 65536


def read_file(path: str) -> bytes:
    """The whole file with the fewest syscalls (open, read, close).

    ``open()`` in Python adds fstat/ioctl/lseek calls per file; at hundreds
    of files a second that is measurable.
    """
    fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    try:
        data = os.read(fd, _READ_CHUNK)
        if len(data) < _READ_CHUNK:
            return data
        chunks = [data]
        while chunk := os.read(fd, _READ_CHUNK):
            chunks.append(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)


# ---------------------------------------------------------------- parsers


def parse_int(data: bytes) -> int:
    return int(data.strip() or b"0")


def parse_flat_keyed(data: bytes) -> dict[str, int]:
    """``key value`` lines (memory.stat, cpu.stat)."""
    result: dict[str, int] = {}
    for line in data.splitlines():
        key, _, value = line.partition(b" ")
        if value:
            try:
                result[key.decode()] = int(value)
            except ValueError:
                continue
    return result


def keyed_value(data: bytes, key: bytes) -> int | None:
    """One value from a flat-keyed file without parsing every line."""
    needle = b"\n" + key + b" "
    start = data.find(needle)
    if start < 0:
        if not data.startswith(key + b" "):
            return None
        start = len(key) + 1
    else:
        start += len(needle)
    end = data.find(b"\n", start)
    return int(data[start : end if end >= 0 else len(data)])


def parse_blkio_v1(data: bytes) -> tuple[int, int]:
    """Read and write bytes from a v1 ``blkio.*io_service_bytes*`` file.

    Lines are ``major:minor Op value`` plus a trailing ``Total value``; like
    the docker CLI, ops are matched on their first letter (Read, Write).
    """
    read = write = 0
    for line in data.splitlines():
        fields = line.split()
        if len(fields) != 3:
            continue
        op = fields[1][:1]
        if op in (b"R", b"r"):
            read += int(fields[2])
        elif op in (b"W", b"w"):
            write += int(fields[2])
    return read, write


def parse_io_stat_v2(data: bytes) -> tuple[int, int]:
    """Read and write bytes from a v2 ``io.stat``: ``8:0 rbytes=.. wbytes=.. ...``."""
    read = write = 0
    for line in data.splitlines():
        for item in line.split()[1:]:
            key, _, value = item.partition(b"=")
            if key == b"rbytes":
                read += int(value)
            elif key == b"wbytes":
                write += int(value)
    return read, write


def parse_net_dev(data: bytes) -> tuple[int, int]:
    """Received and sent bytes over every interface but ``lo`` (/proc/<pid>/net/dev).

    Docker reports the container's own endpoints (eth0, ...), never loopback.
    """
    rx = tx = 0
    for line in data.splitlines()[2:]:
        name, _, rest = line.partition(b":")
        if name.strip() == b"lo":
            continue
        fields = rest.split()
        if len(fields) >= 9:
            rx += int(fields[0])
            tx += int(fields[8])
    return rx, tx


def parse_cpu_list(text: str) -> int:
    """How many CPUs a cpuset list names (``0-3,6`` -> 5)."""
    count = 0
    for part in text.strip().split(","):
        if not part:
            continue
        low, _, high = part.partition("-")
        count += int(high) - int(low) + 1 if high else 1
    return count


def parse_cpu_max(text: str) -> float | None:
    """CPUs allowed by a v2 ``cpu.max`` (``max 100000`` -> None, ``50000 100000`` -> 0.5)."""
    quota, _, period = text.strip().partition(" ")
    if quota == "max" or not period:
        return None
    return int(quota) / int(period)


def cpu_allowance(quota_cpus: float | None, cpuset_cpus: int | None, online_cpus: int) -> float:
    """The CPUs a container may use: the tightest of quota, cpuset and the host."""
    allowed = float(online_cpus)
    if cpuset_cpus:
        allowed = min(allowed, cpuset_cpus)
    if quota_cpus is not None and quota_cpus > 0:
        allowed = min(allowed, quota_cpus)
    return allowed


def parse_meminfo_total(data: bytes) -> int:
    """MemTotal in bytes from /proc/meminfo: docker's memory limit when none is set."""
    for line in data.splitlines():
        if line.startswith(b"MemTotal:"):
            return int(line.split()[1]) * 1024
    return 0


def host_memory(root: str = "/") -> int:
    try:
        return parse_meminfo_total(read_file(os.path.join(root, "proc/meminfo")))
    except OSError:
        return 0


def online_cpus() -> int:
    return os.cpu_count() or 1


# ---------------------------------------------------------------- layout

_OCTAL = re.compile(r"\\([0-7]{3})")


def _unescape(text: str) -> str:
    return _OCTAL.sub(lambda m: chr(int(m.group(1), 8)), text)


@dataclass(frozen=True)
class CgroupMount:
    """One cgroup filesystem mount: where it is and which subtree it shows."""

    mountpoint: str
    root: str
    version: int
    controllers: frozenset[str]


def parse_mountinfo(text: str) -> list[CgroupMount]:
    mounts = []
    for line in text.splitlines():
        left, sep, right = line.partition(" - ")
        if not sep:
            continue
        fields = left.split()
        after = right.split()
        if len(fields) < 5 or len(after) < 3:
            continue
        fstype = after[0]
        if fstype == "cgroup":
            options = set(after[2].split(","))
            controllers = frozenset(o for o in options if o not in ("rw", "ro") and "=" not in o)
            mounts.append(CgroupMount(_unescape(fields[4]), _unescape(fields[3]), 1, controllers))
        elif fstype == "cgroup2":
            mounts.append(CgroupMount(_unescape(fields[4]), _unescape(fields[3]), 2, frozenset()))
    return mounts


def parse_proc_cgroup(text: str) -> dict[str, str]:
    """Controller -> cgroup path from ``/proc/<pid>/cgroup``; the v2 path is under ``""``."""
    paths: dict[str, str] = {}
    for line in text.splitlines():
        parts = line.split(":", 2)
        if len(parts) != 3:
            continue
        _, controllers, path = parts
        if not controllers:
            paths[""] = path
        for controller in controllers.split(","):
            if controller:
                paths[controller] = path
    return paths


def _under_mount(mount: CgroupMount, path: str, root: str) -> str | None:
    """The directory for cgroup ``path`` inside ``mount``, if the mount shows it."""
    mount_root = mount.root.rstrip("/")
    if mount_root and not (path == mount_root or path.startswith(mount_root + "/")):
        return None
    relative = path[len(mount_root) :].lstrip("/")
    return os.path.join(root, mount.mountpoint.lstrip("/"), relative)


#: v1 controllers the sampler reads; cpuacct and memory are required.
V1_CONTROLLERS = ("cpuacct", "cpu", "cpuset", "memory", "blkio", "pids")


@dataclass
class ContainerCgroup:
    """Where one container's counters live, resolved once per (id, pid)."""

    container_id: str
    pid: int
    version: int
    #: v1: controller -> directory; v2: {"": directory}
    dirs: dict[str, str]
    net_dev: str | None
    #: the v1 blkio file docker reads (the CFQ one when it has data)
    blkio_file: str | None = None
    limits: CgroupLimits | None = None
    limits_read_at: float = field(default=-1e18)
    #: open descriptors of the counter files, re-read with pread (see CgroupHost.read)
    fds: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class CgroupLimits:
    cpus: float
    mem_limit: int


@dataclass(frozen=True)
class CgroupCounters:
    """One reading of a container's cumulative counters."""

    cpu_ns: int
    mem_usage: int
    mem_inactive_file: int | None
    blk_read: int
    blk_write: int
    net_rx: int
    net_tx: int
    pids: int


class CgroupHost:
    """This host's cgroup layout as seen by our process.

    ``version`` is 1 when the v1 cpuacct and memory hierarchies are mounted
    (including "hybrid" hosts that also mount an empty v2 tree), 2 on a
    unified-only host, None when neither is usable.
    """

    def __init__(self, mounts: Sequence[CgroupMount], root: str = "/", cpus: int | None = None) -> None:
        self.root = root
        self.v1: dict[str, list[CgroupMount]] = {}
        self.v2: list[CgroupMount] = []
        for mount in mounts:
            if mount.version == 1:
                for controller in mount.controllers:
                    self.v1.setdefault(controller, []).append(mount)
            else:
                self.v2.append(mount)
        if "cpuacct" in self.v1 and "memory" in self.v1:
            self.version: int | None = 1
        elif self.v2:
            self.version = 2
        else:
            self.version = None
        self.mem_total = host_memory(root)
        self.online_cpus = cpus or online_cpus()
        self._own_netns = self._netns_inode("self")
        # Counter files stay open between samples: one pread instead of
        # open+read+close cuts the per-container cost by more than half. Half
        # the descriptor limit is the most they take; past it files are
        # opened per read.
        self._fd_budget = _descriptor_limit() // 2
        self._open_fds = 0

    @classmethod
    def from_system(cls, root: str = "/") -> CgroupHost | None:
        """The host's layout, or None when no cgroup tree can be read here."""
        try:
            text = read_file(os.path.join(root, "proc/self/mountinfo")).decode()
        except OSError:
            return None
        host = cls(parse_mountinfo(text), root)
        return host if host.version is not None else None

    def _netns_inode(self, pid: str | int) -> int | None:
        try:
            return os.stat(os.path.join(self.root, f"proc/{pid}/ns/net")).st_ino
        except OSError:
            return None

    def resolve(self, container_id: str, pid: int) -> ContainerCgroup | None:
        """The container's cgroup directories, or None when ``pid`` is not its init.

        The cgroup path must end in a component naming the container id
        (``<parent>/<id>`` with the cgroupfs driver, ``docker-<id>.scope``
        with systemd); that guards against a recycled pid and against a
        daemon whose pids are not ours (a VM, another pid namespace).
        """
        if pid <= 0 or self.version is None:
            return None
        try:
            paths = parse_proc_cgroup(read_file(os.path.join(self.root, f"proc/{pid}/cgroup")).decode())
        except OSError:
            return None
        dirs: dict[str, str] = {}
        if self.version == 1:
            for controller in V1_CONTROLLERS:
                path = paths.get(controller)
                if path is None or container_id not in path.rsplit("/", 1)[-1]:
                    continue
                for mount in self.v1.get(controller, ()):
                    directory = _under_mount(mount, path, self.root)
                    if directory is not None:
                        dirs[controller] = directory
                        break
            if "cpuacct" not in dirs or "memory" not in dirs:
                return None
        else:
            path = paths.get("")
            if path is None or container_id not in path.rsplit("/", 1)[-1]:
                return None
            for mount in self.v2:
                directory = _under_mount(mount, path, self.root)
                if directory is not None:
                    dirs[""] = directory
                    break
            else:
                return None
        net_dev: str | None = os.path.join(self.root, f"proc/{pid}/net/dev")
        netns = self._netns_inode(pid)
        if netns is not None and netns == self._own_netns:
            # host networking: docker reports no interfaces, not the host's traffic
            net_dev = None
        cgroup = ContainerCgroup(container_id, pid, self.version, dirs, net_dev)
        if self.version == 1 and "blkio" in dirs:
            cgroup.blkio_file = self._v1_blkio_file(dirs["blkio"])
        return cgroup

    @staticmethod
    def _v1_blkio_file(directory: str) -> str | None:
        # containerd reads the CFQ-era recursive counters when the kernel has
        # them and they hold entries, else the throttle layer's counters
        for name in ("blkio.io_service_bytes_recursive", "blkio.throttle.io_service_bytes"):
            path = os.path.join(directory, name)
            try:
                data = read_file(path)
            except OSError:
                continue
            if name.startswith("blkio.throttle") or any(len(line.split()) == 3 for line in data.splitlines()):
                return path
        return None

    # ------------------------------------------------------------ reading

    def read_limits(self, cgroup: ContainerCgroup) -> CgroupLimits:
        """CPU allowance and memory limit (memory limit capped at MemTotal, as docker does)."""
        quota: float | None = None
        cpuset: int | None = None
        if cgroup.version == 1:
            cpu_dir = cgroup.dirs.get("cpu")
            if cpu_dir:
                try:
                    quota_us = parse_int(read_file(os.path.join(cpu_dir, "cpu.cfs_quota_us")))
                    period_us = parse_int(read_file(os.path.join(cpu_dir, "cpu.cfs_period_us")))
                    if quota_us > 0 and period_us > 0:
                        quota = quota_us / period_us
                except OSError:
                    pass
            cpuset_dir = cgroup.dirs.get("cpuset")
            if cpuset_dir:
                cpuset = _optional_cpu_list(os.path.join(cpuset_dir, "cpuset.cpus"))
            try:
                limit = parse_int(read_file(os.path.join(cgroup.dirs["memory"], "memory.limit_in_bytes")))
            except OSError:
                limit = UNLIMITED
        else:
            directory = cgroup.dirs[""]
            try:
                quota = parse_cpu_max(read_file(os.path.join(directory, "cpu.max")).decode())
            except OSError:
                pass
            cpuset = _optional_cpu_list(os.path.join(directory, "cpuset.cpus.effective"))
            try:
                text = read_file(os.path.join(directory, "memory.max")).strip()
                limit = UNLIMITED if text == b"max" else int(text)
            except OSError:
                limit = UNLIMITED
        if self.mem_total and limit > self.mem_total:
            limit = self.mem_total
        return CgroupLimits(cpu_allowance(quota, cpuset, self.online_cpus), limit)

    def read(self, cgroup: ContainerCgroup, path: str) -> bytes:
        """A counter file's current content, through a descriptor kept open.

        Reading a cgroup or /proc seq file again at offset 0 regenerates it.
        A descriptor of a removed cgroup (or exited process) fails with
        OSError, like opening the path would.
        """
        fd = cgroup.fds.get(path)
        if fd is None:
            if self._open_fds >= self._fd_budget:
                return read_file(path)
            fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
            cgroup.fds[path] = fd
            self._open_fds += 1
        data = os.pread(fd, _READ_CHUNK, 0)
        return data if len(data) < _READ_CHUNK else read_file(path)

    def release(self, cgroup: ContainerCgroup) -> None:
        """Close the container's kept descriptors (it stopped or is no longer shown)."""
        for fd in cgroup.fds.values():
            try:
                os.close(fd)
            except OSError:
                pass
        self._open_fds -= len(cgroup.fds)
        cgroup.fds.clear()

    def _read_optional(self, cgroup: ContainerCgroup, path: str) -> bytes | None:
        try:
            return self.read(cgroup, path)
        except OSError:
            return None

    def read_counters(self, cgroup: ContainerCgroup) -> CgroupCounters:
        """One reading; raises OSError when the container's cgroup is gone."""
        read = self.read
        if cgroup.version == 1:
            dirs = cgroup.dirs
            cpu_ns = parse_int(read(cgroup, dirs["cpuacct"] + "/cpuacct.usage"))
            memory = dirs["memory"]
            usage = parse_int(read(cgroup, memory + "/memory.usage_in_bytes"))
            inactive = keyed_value(read(cgroup, memory + "/memory.stat"), b"total_inactive_file")
            blk = parse_blkio_v1(read(cgroup, cgroup.blkio_file)) if cgroup.blkio_file else (0, 0)
            pids_dir = dirs.get("pids")
            pids = parse_int(read(cgroup, pids_dir + "/pids.current")) if pids_dir else 0
        else:
            directory = cgroup.dirs[""]
            usage_usec = keyed_value(read(cgroup, directory + "/cpu.stat"), b"usage_usec") or 0
            cpu_ns = usage_usec * 1000
            usage = parse_int(read(cgroup, directory + "/memory.current"))
            inactive = keyed_value(read(cgroup, directory + "/memory.stat"), b"inactive_file")
            # io and pids are controllers the host may not delegate
            io_stat = self._read_optional(cgroup, directory + "/io.stat")
            blk = parse_io_stat_v2(io_stat) if io_stat is not None else (0, 0)
            pids_current = self._read_optional(cgroup, directory + "/pids.current")
            pids = parse_int(pids_current) if pids_current is not None else 0
        net = (0, 0)
        if cgroup.net_dev is not None:
            # the init process may have exited between readings; the cgroup
            # is the authority on whether the container is still there
            net_dev = self._read_optional(cgroup, cgroup.net_dev)
            if net_dev is not None:
                net = parse_net_dev(net_dev)
        return CgroupCounters(cpu_ns, usage, inactive, blk[0], blk[1], net[0], net[1], pids)


def _descriptor_limit() -> int:
    try:
        import resource

        soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    except (ImportError, OSError, ValueError):
        return 1024
    return soft if soft > 0 else 1024


def _optional_cpu_list(path: str) -> int | None:
    try:
        return parse_cpu_list(read_file(path).decode()) or None
    except OSError:
        return None
