"""Re-record the stats fixtures in this directory from a real daemon.

Run as root on the daemon's host (the cgroup files are copied too):

    DOCKER_HOST=unix:///path/docker.sock python tests/unit/data/stats/capture.py

For each scenario it starts a labelled busybox container, lets it settle,
then saves, close together in time:
  <name>.api.json        api.stats(stream=False): a reading with precpu
  <name>.oneshot.json    two api.stats(one_shot=True) readings ~1 s apart
  <name>.cli.json        `docker stats --no-stream --format '{{json .}}'`
  cgroup_v1/<name>/t0/   the container's cgroup v1 files and /proc files,
  cgroup_v1/<name>/t1/   laid out under a fake root (sys/fs/cgroup/..., proc/...),
                         read about 1 s apart; meta.json has the exact gap
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import docker

HERE = Path(__file__).resolve().parent
LABEL = {"dtui.test": "stats-dev"}
IMAGE = "busybox:local"

SCENARIOS = {
    "burner": ["sh", "-c", "while :; do :; done"],
    "idle": ["sleep", "100000"],
    # half a CPU by quota, pinned to CPU 0, 32 MiB memory limit
    "limited": ["sh", "-c", "while :; do :; done"],
    # a 50 MB shell variable: anonymous memory (the loop keeps the shell
    # alive; busybox sh would exec a trailing lone command and drop it)
    "alloc": ["sh", "-c", 'a=$(head -c 50000000 /dev/zero | tr "\\0" x); while :; do sleep 1000; done'],
    # 60 MB in tmpfs (shmem: counted in "cache", yet not reclaimable) plus
    # 30 MB written through the page cache to disk (block writes)
    "files": [
        "sh",
        "-c",
        "dd if=/dev/zero of=/dev/shm/x bs=1M count=60 2>/dev/null;"
        " dd if=/dev/zero of=/f bs=1M count=30 conv=fsync 2>/dev/null; cat /f > /dev/null; sleep 100000",
    ],
    # 20 MB written with fsync under a (generous) write-bps rule: recent kernels
    # only account blkio.throttle.* bytes on devices that have a throttle rule
    "blkio": ["sh", "-c", "dd if=/dev/zero of=/f bs=1M count=20 conv=fsync 2>/dev/null; sleep 100000"],
}


def first_disk() -> str:
    """The first whole disk in /proc/partitions, for the blkio scenario's rule."""
    for line in Path("/proc/partitions").read_text().splitlines()[2:]:
        name = line.split()[-1]
        if Path(f"/sys/block/{name}").exists():
            return f"/dev/{name}"
    raise RuntimeError("no block device found")

V1_FILES = {
    "cpuacct": ["cpuacct.usage"],
    "cpu": ["cpu.cfs_quota_us", "cpu.cfs_period_us"],
    "cpuset": ["cpuset.cpus"],
    "memory": ["memory.usage_in_bytes", "memory.limit_in_bytes", "memory.stat"],
    "blkio": [
        "blkio.io_service_bytes_recursive",
        "blkio.throttle.io_service_bytes",
        "blkio.throttle.io_service_bytes_recursive",
    ],
    "pids": ["pids.current"],
}


def copy_cgroup_v1(pid: int, dest: Path) -> None:
    """Copy the files the sampler reads into a fake root under dest."""
    if dest.exists():
        shutil.rmtree(dest)
    proc = dest / "proc" / str(pid)
    (proc / "net").mkdir(parents=True)
    cgroup_text = Path(f"/proc/{pid}/cgroup").read_text()
    (proc / "cgroup").write_text(cgroup_text)
    (proc / "net" / "dev").write_text(Path(f"/proc/{pid}/net/dev").read_text())
    (dest / "proc" / "self").mkdir(parents=True)
    # only the cgroup mounts matter to the sampler
    mountinfo = [line for line in Path("/proc/self/mountinfo").read_text().splitlines() if " - cgroup" in line]
    (dest / "proc" / "self" / "mountinfo").write_text("\n".join(mountinfo) + "\n")
    meminfo = Path("/proc/meminfo").read_text().splitlines()[:3]
    (dest / "proc" / "meminfo").write_text("\n".join(meminfo) + "\n")
    paths = {}
    for line in cgroup_text.splitlines():
        _, controllers, path = line.split(":", 2)
        for controller in controllers.split(","):
            paths[controller] = path
    for controller, names in V1_FILES.items():
        src_dir = Path("/sys/fs/cgroup") / controller / paths[controller].lstrip("/")
        dst_dir = dest / "sys" / "fs" / "cgroup" / controller / paths[controller].lstrip("/")
        dst_dir.mkdir(parents=True, exist_ok=True)
        for name in names:
            if (src_dir / name).exists():
                shutil.copyfile(src_dir / name, dst_dir / name)


def main() -> int:
    client = docker.from_env(version="auto")
    api = client.api
    started = []
    try:
        for name, cmd in SCENARIOS.items():
            limits: dict = {}
            if name == "limited":
                limits = {"nano_cpus": 500_000_000, "cpuset_cpus": "0", "mem_limit": "32m"}
            elif name == "blkio":
                disk = os.environ.get("STATS_BLOCK_DEVICE") or first_disk()
                limits = {
                    "device_write_bps": [{"Path": disk, "Rate": 1 << 30}],
                    "device_read_bps": [{"Path": disk, "Rate": 1 << 30}],
                }
            container = client.containers.run(
                IMAGE, cmd, detach=True, labels=LABEL, name=f"stats-{name}", **limits
            )
            started.append(container)
        time.sleep(6)
        for container in started:
            container.reload()
            name = container.name.removeprefix("stats-")
            pid = container.attrs["State"]["Pid"]
            cli = subprocess.run(
                ["docker", "stats", "--no-stream", "--format", "{{json .}}", container.id],
                capture_output=True,
                text=True,
                check=True,
            ).stdout
            full = api.stats(container.id, stream=False)
            first = api.stats(container.id, stream=False, one_shot=True)
            t0 = time.monotonic_ns()
            copy_cgroup_v1(pid, HERE / "cgroup_v1" / name / "t0")
            time.sleep(1)
            second = api.stats(container.id, stream=False, one_shot=True)
            t1 = time.monotonic_ns()
            copy_cgroup_v1(pid, HERE / "cgroup_v1" / name / "t1")
            meta = {"id": container.id, "pid": pid, "wall_ns": t1 - t0}
            (HERE / "cgroup_v1" / name / "meta.json").write_text(json.dumps(meta, indent=1) + "\n")
            (HERE / f"{name}.api.json").write_text(json.dumps(full, indent=1) + "\n")
            (HERE / f"{name}.oneshot.json").write_text(json.dumps([first, second], indent=1) + "\n")
            (HERE / f"{name}.cli.json").write_text(json.dumps(json.loads(cli), indent=1) + "\n")
            print(name, "pid", pid, cli.strip())
    finally:
        for container in started:
            container.remove(force=True)
    return 0


if __name__ == "__main__":
    if os.geteuid() != 0:
        print("run as root: the cgroup files are read directly", file=sys.stderr)
    sys.exit(main())
