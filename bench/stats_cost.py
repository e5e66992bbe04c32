"""What collecting ``docker stats`` numbers costs the whole machine.

Usage (as root; it starts, and always stops, its own private dockerd with a
bridge of its own, dtuibenchN on 10.214.N.1/24, beside any other daemon on the
host; a second run waits for the first, which it would otherwise measure):

    python bench/stats_cost.py                     # 50 and 200 containers, 20 s windows, 2 rounds
    python bench/stats_cost.py --containers 50 --duration 30
    python bench/stats_cost.py --quick             # 10 containers, 10 s, one round: a smoke run

With N idle running containers it measures, for each approach, the CPU time
consumed during a fixed window by everything involved: the client doing the
collecting, dockerd, containerd, every containerd-shim of this daemon and any
runc they run (children's time is included once reaped). Kernel time spent
reading cgroup files on the client's behalf is the client's system time, so
it is counted. The client always
runs as a separate process started before the window, so interpreter start-up
is not counted. Approaches:

  idle      nothing collects: an idle window before every approach's window;
            their mean is the baseline subtracted from every approach (idle
            shims are not silent: they wake in bursts every half minute or so,
            in step when their containers started together)
  cgroup    dtui's StatsSampler at 1 Hz reading cgroup files (local daemon)
  stream    one streaming api.stats(stream=True) per container, decoded
            (what lazydocker, ctop and dry do)
  cli       `docker stats --format '{{json .}}'` running (it streams too)
  api-20    dtui's API fallback: one_shot stats for 20 visible containers at 1 Hz
            (20 workers on a client with a 24-connection pool: Docker 20.10
            answers one_shot at its next 1 s collection tick, so fewer workers
            would mean fewer samples per second, not the same work cheaper)

Costs are printed as % of one core, minus the idle baseline, and as a ratio to
``stream``. Results go to bench/results/stats_cost.{json,md} (a --quick run to
stats_cost_quick.*, which is not kept in git).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

RESULTS = REPO / "bench" / "results"
IMAGE = "busybox:local"
LABEL = {"dtui.bench": "stats-cost"}
CLK_TCK = os.sysconf("SC_CLK_TCK")
VISIBLE_ROWS = 20


# ---------------------------------------------------------------- CPU accounting


def proc_stat(pid: int) -> tuple[str, int, int, int] | None:
    """(comm, ppid, own CPU ticks, reaped children's CPU ticks) of a process."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    head, _, rest = text.rpartition(")")
    comm = head.partition("(")[2]
    fields = rest.split()
    # fields[0] is state (stat field 3): utime/stime are 14/15, cutime/cstime 16/17
    return comm, int(fields[1]), int(fields[11]) + int(fields[12]), int(fields[13]) + int(fields[14])


def cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


@dataclass
class DaemonProcesses:
    """Finds the processes that belong to one dockerd (and not to any other on the host)."""

    dockerd_pid: int
    exec_root: str = ""

    def groups(self) -> dict[int, str]:
        """pid -> group ("dockerd", "containerd", "shims") for this daemon's processes now."""
        found: dict[int, str] = {self.dockerd_pid: "dockerd"}
        for entry in os.scandir("/proc"):
            if not entry.name.isdigit():
                continue
            pid = int(entry.name)
            stat = proc_stat(pid)
            if stat is None:
                continue
            comm, ppid = stat[0], stat[1]
            if comm == "containerd" and ppid == self.dockerd_pid:
                found[pid] = "containerd"
                if not self.exec_root:
                    line = cmdline(pid)
                    marker = "/containerd/containerd.toml"
                    if marker in line:
                        self.exec_root = line.split("--config ", 1)[1].split(marker, 1)[0] + "/"
            elif comm.startswith("containerd-shim") or comm == "runc":
                if self.exec_root and self.exec_root in cmdline(pid):
                    found[pid] = "shims"
        return found


def cpu_ns(pid: int) -> int | None:
    """CPU time a process has used, in ns: its live threads' run time
    (/proc/PID/task/*/schedstat, exact, unlike the 10 ms ticks of /proc/PID/stat)
    plus the ticks of children it has reaped (short-lived runc calls)."""
    stat = proc_stat(pid)
    if stat is None:
        return None
    total = 0
    try:
        for task in os.scandir(f"/proc/{pid}/task"):
            try:
                total += int(Path(task.path, "schedstat").read_text().split()[0])
            except (OSError, ValueError, IndexError):
                continue
    except OSError:
        return None
    return total + stat[3] * 1_000_000_000 // CLK_TCK


@dataclass
class CpuSnapshot:
    at: float
    used: dict[int, tuple[str, int]]  # pid -> (group, ns)


def snapshot(daemon: DaemonProcesses, clients: dict[int, str]) -> CpuSnapshot:
    used: dict[int, tuple[str, int]] = {}
    for pid, group in {**daemon.groups(), **clients}.items():
        ns = cpu_ns(pid)
        if ns is not None:
            used[pid] = (group, ns)
    return CpuSnapshot(time.monotonic(), used)


def cost(before: CpuSnapshot, after: CpuSnapshot) -> dict[str, float]:
    """% of one core per group between two snapshots (pids present in both)."""
    wall = after.at - before.at
    groups: dict[str, float] = {"client": 0.0, "dockerd": 0.0, "containerd": 0.0, "shims": 0.0}
    for pid, (group, ns) in after.used.items():
        if pid in before.used:
            groups[group] = groups.get(group, 0.0) + (ns - before.used[pid][1]) / 1e9
    return {group: seconds / wall * 100 for group, seconds in groups.items()}


# ---------------------------------------------------------------- client workers
# Each approach's client runs as `python bench/stats_cost.py --worker KIND ID...`
# and prints "ready" once warmed up; SIGTERM ends it and it prints a JSON summary.


def _worker_loop_1hz(stop: threading.Event, tick) -> dict:  # type: ignore[no-untyped-def]
    durations = []
    start = time.monotonic()
    n = 0
    while not stop.is_set():
        t0 = time.monotonic()
        tick()
        durations.append(time.monotonic() - t0)
        n += 1
        # the next sample is due one second after the previous one was due
        stop.wait(max(0.0, start + n - time.monotonic()))
    elapsed = time.monotonic() - start
    return {
        "samples": n,
        "rate_hz": n / elapsed if elapsed else 0.0,
        "mean_ms": sum(durations) / len(durations) * 1000 if durations else 0.0,
        "max_ms": max(durations) * 1000 if durations else 0.0,
    }


def run_worker(kind: str, ids: list[str]) -> int:
    import docker

    from tui.docker.stats import InitPids, StatsSampler

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    summary: dict = {"kind": kind, "containers": len(ids)}
    if kind in ("cgroup", "api"):
        workers = len(ids) if kind == "api" else 1
        api = docker.APIClient(base_url=os.environ["DOCKER_HOST"], version="auto", max_pool_size=workers + 4)
        sampler = StatsSampler(api, local=kind == "cgroup", api_workers=workers)
        targets = InitPids(api).targets(ids) if kind == "cgroup" else [(i, 0) for i in ids]
        result = sampler.snapshot(targets, interval=1.0)  # warm: limits, one_shot check, pool
        summary["source"] = sampler.source
        summary["rows"] = len(result)
        print("ready", flush=True)
        summary.update(_worker_loop_1hz(stop, lambda: sampler.sample(targets)))
        sampler.close()
    elif kind == "stream":
        # enough pooled connections that every stream keeps its own
        api = docker.APIClient(base_url=os.environ["DOCKER_HOST"], version="auto", max_pool_size=len(ids) + 4)
        counts = dict.fromkeys(ids, 0)

        def follow(container_id: str) -> None:
            for _ in api.stats(container_id, stream=True, decode=True):
                counts[container_id] += 1

        for container_id in ids:
            threading.Thread(target=follow, args=(container_id,), daemon=True).start()
        deadline = time.monotonic() + 60
        while min(counts.values()) == 0 and time.monotonic() < deadline:
            time.sleep(0.1)
        print("ready", flush=True)
        begin = sum(counts.values())
        start = time.monotonic()
        stop.wait()
        summary["updates_per_s"] = (sum(counts.values()) - begin) / (time.monotonic() - start)
    else:
        raise SystemExit(f"unknown worker {kind}")
    print(json.dumps(summary), flush=True)
    os._exit(0)  # stream threads are blocked in reads; do not wait for them


@dataclass
class Client:
    process: subprocess.Popen
    pids: dict[int, str] = field(default_factory=dict)

    def stop(self) -> dict:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            out, _ = self.process.communicate(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            out, _ = self.process.communicate()
        for line in reversed((out or "").splitlines()):
            if line.startswith("{"):
                return json.loads(line)
        return {}


def start_worker(kind: str, ids: list[str], env: dict[str, str]) -> Client:
    process = subprocess.Popen(
        [sys.executable, __file__, "--worker", kind, *ids],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    assert process.stdout is not None
    line = process.stdout.readline()
    if line.strip() != "ready":
        process.kill()
        raise RuntimeError(f"{kind} worker did not start: {line!r}")
    return Client(process, {process.pid: "client"})


def start_cli(env: dict[str, str]) -> Client:
    process = subprocess.Popen(
        ["docker", "stats", "--format", "{{json .}}"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env,
    )
    return Client(process, {process.pid: "client"})


# ---------------------------------------------------------------- the daemon


BRIDGE_PREFIX = "dtuibench"
BRIDGE_NET = "10.214"
LOCK = Path("/tmp/dtui-stats-cost.lock")


def _ip(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["ip", *args], capture_output=True, text=True)


def _make_bridge() -> str:
    """Create a bridge of our own (dtuibenchN, 10.214.N.1/24) and return its name.

    dockerd takes a non-default --bridge only if it exists; its address
    becomes the default network's gateway. Never docker0 (the host daemon's),
    never a bridge this run did not create: ``ip link add`` fails on an
    existing name, so whoever created it owns it.
    """
    for n in range(32):
        name, address = f"{BRIDGE_PREFIX}{n}", f"{BRIDGE_NET}.{n}.1/24"
        if _ip("-4", "-o", "route", "show", "root", f"{BRIDGE_NET}.{n}.0/24").stdout.strip():
            continue
        if _ip("link", "add", name, "type", "bridge").returncode != 0:
            continue
        _ip("addr", "add", address, "dev", name)
        _ip("link", "set", name, "up")
        return name
    raise RuntimeError(f"no free {BRIDGE_PREFIX}N bridge / {BRIDGE_NET}.N.0/24 subnet")


@contextmanager
def exclusive_run() -> Iterator[None]:
    """One stats_cost run at a time on a machine: two would measure each other."""
    import fcntl

    with open(LOCK, "w") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            print(f"waiting for another stats_cost run to finish ({LOCK})", flush=True)
            fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def busybox_rootfs_tar() -> bytes:
    """A rootfs with the static busybox and a link per applet, as a tar archive."""
    import io
    import tarfile

    busybox = Path("/bin/busybox")
    applets = subprocess.run([str(busybox), "--list-full"], capture_output=True, text=True, check=True).stdout.split()
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        for directory in ("bin", "sbin", "usr", "usr/bin", "usr/sbin", "etc", "tmp", "proc", "sys", "dev"):
            info = tarfile.TarInfo(directory)
            info.type, info.mode = tarfile.DIRTYPE, 0o1777 if directory == "tmp" else 0o755
            tar.addfile(info)
        data = busybox.read_bytes()
        info = tarfile.TarInfo("bin/busybox")
        info.size, info.mode = len(data), 0o755
        tar.addfile(info, io.BytesIO(data))
        for applet in applets:
            # a link named busybox would replace the binary with a link to itself
            if applet.rsplit("/", 1)[-1] == "busybox":
                continue
            info = tarfile.TarInfo(applet)
            info.type, info.linkname = tarfile.SYMTYPE, "/bin/busybox"
            tar.addfile(info)
        passwd = b"root:x:0:0:root:/root:/bin/sh\n"
        info = tarfile.TarInfo("etc/passwd")
        info.size = len(passwd)
        tar.addfile(info, io.BytesIO(passwd))
    return buffer.getvalue()


@contextmanager
def private_daemon() -> Iterator[tuple[dict[str, str], int]]:
    """A throwaway dockerd: its own socket, data-root, exec-root and bridge; always torn down.

    A fresh data-root each time, and no --default-address-pool: dockerd
    restarted on an old data-root with address pools deletes the host's
    docker0 (moby's "clear stale bridge network" path), as --bridge=none does.
    iptables is left alone so the host daemon's chains are never touched.
    """
    import tempfile

    import docker

    base = Path(tempfile.mkdtemp(prefix="dtui-bench-", dir="/tmp"))
    sock, exec_root = base / "docker.sock", base / "exec"
    (base / "daemon.json").write_text("{}\n")
    env = {k: v for k, v in os.environ.items() if k not in ("DOCKER_CONTEXT", "DOCKER_TLS_VERIFY", "DOCKER_CERT_PATH")}
    env.update(DOCKER_HOST=f"unix://{sock}", DOCKER_CONFIG=str(base / "docker-config"))
    (base / "docker-config").mkdir()
    (base / "docker-config" / "config.json").write_text("{}\n")
    dockerd: subprocess.Popen | None = None
    bridge: str | None = None
    log = open(base / "dockerd.log", "w")
    try:
        bridge = _make_bridge()
        # its own session: a Ctrl+C meant for the benchmark must not reach it
        dockerd = subprocess.Popen(
            [
                "dockerd",
                "--host", f"unix://{sock}",
                "--data-root", str(base / "data"),
                "--exec-root", str(exec_root),
                "--pidfile", str(base / "dockerd.pid"),
                "--config-file", str(base / "daemon.json"),
                "--bridge", bridge,
                "--iptables=false",
                "--ip-masq=false",
                "--shutdown-timeout", "2",
            ],
            stdin=subprocess.DEVNULL, stdout=log, stderr=log, start_new_session=True,
        )  # fmt: skip
        client = docker.APIClient(base_url=env["DOCKER_HOST"], version="1.41", timeout=60)
        for _ in range(300):
            if dockerd.poll() is not None:
                raise RuntimeError(f"dockerd exited; see {base / 'dockerd.log'}")
            try:
                client.version()
                break
            except Exception:
                time.sleep(0.1)
        else:
            raise RuntimeError(f"dockerd not ready in 30 s; see {base / 'dockerd.log'}")
        repository, tag = IMAGE.split(":")
        client.import_image_from_data(busybox_rootfs_tar(), repository=repository, tag=tag, changes=['CMD ["/bin/sh"]'])
        client.close()
        yield env, dockerd.pid
    finally:
        _teardown(dockerd, env, base, exec_root, bridge)
        log.close()


def _teardown(
    dockerd: subprocess.Popen | None, env: dict[str, str], base: Path, exec_root: Path, bridge: str | None
) -> None:
    import shutil

    import docker

    if dockerd is not None and dockerd.poll() is None:
        try:
            client = docker.APIClient(base_url=env["DOCKER_HOST"], version="1.41", timeout=60)
            ids = [c["Id"] for c in client.containers(all=True)]
            with ThreadPoolExecutor(8) as pool:
                list(pool.map(lambda i: client.remove_container(i, force=True), ids))
            client.close()
        except Exception as exc:  # the daemon stops its containers itself below
            print(f"removing containers: {exc}", file=sys.stderr)
        dockerd.terminate()
        try:
            dockerd.wait(timeout=60)
        except subprocess.TimeoutExpired:
            dockerd.kill()
            dockerd.wait()
    # whatever outlived dockerd under our exec-root: containerd, shims, runc
    marker = str(exec_root) + "/"
    for entry in os.scandir("/proc"):
        if entry.name.isdigit() and marker in cmdline(int(entry.name)):
            try:
                os.kill(int(entry.name), signal.SIGKILL)
            except OSError:
                pass
    mounts = [
        line.split()[4]
        for line in Path("/proc/self/mountinfo").read_text().splitlines()
        if line.split()[4].startswith(str(base) + "/")
    ]
    for mountpoint in sorted(mounts, key=len, reverse=True):
        subprocess.run(["umount", "-l", mountpoint], capture_output=True)
    if bridge is not None:
        _ip("link", "del", bridge)
    shutil.rmtree(base, ignore_errors=True)


def start_containers(client, count: int) -> list[str]:  # type: ignore[no-untyped-def]
    """Start idle containers in parallel (the daemon serialises much of it anyway)."""

    def one(_: int) -> str:
        container = client.containers.run(IMAGE, ["sleep", "100000"], detach=True, labels=LABEL)
        return container.id

    with ThreadPoolExecutor(8) as pool:
        return list(pool.map(one, range(count)))


# ---------------------------------------------------------------- measuring


@dataclass
class Measurement:
    approach: str
    containers: int
    seconds: float
    groups: dict[str, float]
    total: float
    #: the idle window just before this one, and this one's cost above it
    idle: float = 0.0
    net: float = 0.0
    ratio_vs_stream: float | None = None
    client_info: dict = field(default_factory=dict)


def measure_window(daemon: DaemonProcesses, clients: dict[int, str], seconds: float) -> dict[str, float]:
    before = snapshot(daemon, clients)
    time.sleep(seconds)
    return cost(before, snapshot(daemon, clients))


def run_approach(
    approach: str, ids: list[str], env: dict[str, str], daemon: DaemonProcesses, seconds: float
) -> Measurement:
    client: Client | None = None
    info: dict = {}
    try:
        if approach == "cgroup":
            client = start_worker("cgroup", ids, env)
        elif approach == "stream":
            client = start_worker("stream", ids, env)
        elif approach == "cli":
            client = start_cli(env)
            time.sleep(3 + len(ids) / 50)  # let it open its streams
        elif approach == "api-20":
            client = start_worker("api", ids[:VISIBLE_ROWS], env)
        time.sleep(1.0)  # settle: the daemon's collector picks up new subscribers
        groups = measure_window(daemon, client.pids if client else {}, seconds)
    finally:
        if client is not None:
            info = client.stop()
    time.sleep(2.0)  # let the daemon notice the streams closing before the next approach
    return Measurement(approach, len(ids), seconds, groups, sum(groups.values()), client_info=info)


def settle(daemon: DaemonProcesses, limit: float = 90.0) -> None:
    """Wait until the daemon's processes are back to a steady idle (after starting containers)."""
    began = time.monotonic()
    previous = None
    while time.monotonic() - began < limit:
        now = sum(measure_window(daemon, {}, 5.0).values())
        if previous is not None and abs(now - previous) <= max(0.25 * previous, 0.3):
            break
        previous = now
    print(f"daemon settled at {now:.2f} % of a core after {time.monotonic() - began:.0f} s", flush=True)


APPROACHES = ("cgroup", "stream", "cli", "api-20")


def _mean(measurements: list[Measurement]) -> Measurement:
    first = measurements[0]
    groups = {k: sum(m.groups[k] for m in measurements) / len(measurements) for k in first.groups}
    mean = Measurement(first.approach, first.containers, first.seconds, groups, sum(groups.values()))
    mean.idle = sum(m.idle for m in measurements) / len(measurements)
    mean.net = sum(m.net for m in measurements) / len(measurements)
    mean.client_info = dict(first.client_info)
    mean.client_info["rounds"] = [
        {"total": round(m.total, 3), "idle": round(m.idle, 3), "net": round(m.net, 3), **m.client_info}
        for m in measurements
    ]
    return mean


def measure_all(
    ids: list[str], env: dict[str, str], daemon: DaemonProcesses, seconds: float, rounds: int
) -> list[Measurement]:
    """Every approach ``rounds`` times, each after an idle window.

    The shims' periodic bursts land in whichever window is running. A random
    delay before each window keeps them from lining up with one approach
    round after round, and the baseline is the mean of all idle windows.
    """
    print(f"\n== {len(ids)} running containers, {seconds:.0f} s per window, {rounds} round(s)", flush=True)
    per_approach: dict[str, list[Measurement]] = {a: [] for a in APPROACHES}
    idles = []
    jitter = random.Random(len(ids))
    for _ in range(rounds):
        for approach in APPROACHES:
            time.sleep(jitter.uniform(0, 5))
            idle = run_approach("idle", ids, env, daemon, seconds)
            time.sleep(jitter.uniform(0, 5))
            m = run_approach(approach, ids, env, daemon, seconds)
            idles.append(idle)
            per_approach[approach].append(m)
            print(f"   {approach:7} {m.total:6.2f} % of a core, idle before it {idle.total:5.2f} %", flush=True)
    groups = {k: sum(i.groups[k] for i in idles) / len(idles) for k in idles[0].groups}
    baseline = Measurement("idle", len(ids), seconds, groups, sum(groups.values()))
    baseline.client_info = {"windows": [round(i.total, 3) for i in idles]}
    for measurements in per_approach.values():
        for m in measurements:
            # signed: an approach that adds nothing can land below the mean idle
            m.idle, m.net = baseline.total, m.total - baseline.total
    results = [_mean(per_approach[a]) for a in APPROACHES]
    stream = next(m for m in results if m.approach == "stream")
    for m in results:
        m.ratio_vs_stream = m.net / stream.net if stream.net else None
    return [baseline, *results]


# ---------------------------------------------------------------- reporting

LABELS = {
    "idle": "(a) idle baseline",
    "cgroup": "(b) dtui StatsSampler, cgroup files, 1 Hz",
    "stream": "(c) one stats stream per container",
    "cli": "(d) docker stats CLI (streaming)",
    "api-20": f"(e) dtui API fallback, one_shot, {VISIBLE_ROWS} visible rows, 1 Hz",
}


def table(measurements: list[Measurement]) -> str:
    head = (
        "| containers | approach | client | dockerd | containerd | shims | total | minus idle | vs (c) |\n"
        "|---:|---|---:|---:|---:|---:|---:|---:|---:|\n"
    )
    rows = []
    for m in measurements:
        g = m.groups
        ratio = "" if m.approach == "idle" or m.ratio_vs_stream is None else f"{m.ratio_vs_stream:.3f}"
        if m.approach not in ("idle", "stream") and m.ratio_vs_stream is not None:
            if m.ratio_vs_stream <= 0.001:
                ratio += " (within noise of idle)"
            elif m.ratio_vs_stream < 1:
                ratio += f" ({1 / m.ratio_vs_stream:.0f}x less)"
            else:
                ratio += f" ({m.ratio_vs_stream:.1f}x as much)"
        net = "" if m.approach == "idle" else f"{m.net:.2f} %"
        rows.append(
            f"| {m.containers} | {LABELS[m.approach]} | {g['client']:.2f} | {g['dockerd']:.2f} | "
            f"{g['containerd']:.2f} | {g['shims']:.2f} | {m.total:.2f} % | {net} | {ratio} |"
        )
    return head + "\n".join(rows) + "\n"


def machine() -> dict:
    info = {"python": platform.python_version(), "kernel": platform.release(), "cpus": os.cpu_count()}
    try:
        model = [line for line in Path("/proc/cpuinfo").read_text().splitlines() if line.startswith("model name")]
        info["cpu"] = model[0].split(":", 1)[1].strip() if model else ""
    except OSError:
        pass
    return info


def write_results(measurements: list[Measurement], meta: dict, name: str) -> None:
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"{name}.json").write_text(
        json.dumps({"meta": meta, "results": [asdict(m) for m in measurements]}, indent=2) + "\n"
    )
    notes = []
    for m in measurements:
        c = m.client_info
        if m.approach in ("cgroup", "api-20") and c:
            c = {**c, **{k: sum(r.get(k, 0) for r in c["rounds"]) / len(c["rounds"]) for k in ("rate_hz", "mean_ms")}}
            c["max_ms"] = max(r.get("max_ms", 0) for r in c["rounds"])
            c["samples"] = sum(r.get("samples", 0) for r in c["rounds"])
            notes.append(
                f"- {m.containers} containers, {m.approach}: {c.get('samples')} samples at "
                f"{c.get('rate_hz', 0):.2f} Hz, {c.get('mean_ms', 0):.1f} ms mean / {c.get('max_ms', 0):.1f} ms max "
                f"per sample (source {c.get('source')})"
            )
        if m.approach == "stream" and c:
            rate = sum(r.get("updates_per_s", 0) for r in c["rounds"]) / len(c["rounds"])
            notes.append(f"- {m.containers} containers, stream: {rate:.1f} updates/s received")
        if m.approach != "idle" and c:
            spread = ", ".join(f"{r['net']:.2f}" for r in c["rounds"])
            notes.append(f"- {m.containers} containers, {m.approach}: minus idle per round {spread} %")
    for m in measurements:
        if m.approach == "idle":
            windows = ", ".join(f"{w:.2f}" for w in m.client_info["windows"])
            notes.append(f"- {m.containers} containers, idle windows: {windows} % (their spread is the noise floor)")
    text = (
        "# Stats collection cost\n\n"
        f"`python bench/stats_cost.py {' '.join(meta['argv'])}` on {meta['machine'].get('cpus')} CPUs "
        f"({meta['machine'].get('cpu', '?')}, kernel {meta['machine'].get('kernel')}), "
        f"dockerd {meta['daemon']['version']} (cgroup v{meta['daemon']['cgroup']}, "
        f"{meta['daemon']['driver']} driver), {meta['seconds']:.0f} s windows, "
        f"{meta['rounds']} round(s) averaged.\n\n"
        "CPU time in % of one core (threads' run time from /proc/<pid>/task/*/schedstat, plus reaped "
        "children's from /proc/<pid>/stat) of the collecting client, dockerd, containerd and this daemon's containerd-shims/runc. "
        "Idle windows alternate with the approaches' windows (random 0-5 s gaps); \"minus idle\" is an "
        "approach's mean minus the mean of all idle windows, \"vs (c)\" that difference divided by the one "
        "for a stream per container.\n\n"
        + table(measurements)
        + "\nClient details:\n\n"
        + "\n".join(notes)
        + "\n"
    )
    (RESULTS / f"{name}.md").write_text(text)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--containers", default="50,200", help="comma-separated counts (default 50,200)")
    parser.add_argument("--duration", type=float, default=20.0, help="seconds per approach (default 20)")
    parser.add_argument("--rounds", type=int, default=2, help="repetitions of every approach, averaged (default 2)")
    parser.add_argument("--quick", action="store_true", help="10 containers, 10 s windows, one round")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("ids", nargs="*", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        return run_worker(args.worker, args.ids)
    if os.geteuid() != 0:
        print("run as root: it starts a private dockerd and reads other processes' /proc", file=sys.stderr)
        return 2
    counts = [10] if args.quick else sorted(int(n) for n in args.containers.split(","))
    seconds = 10.0 if args.quick else args.duration
    rounds = 1 if args.quick else max(1, args.rounds)

    # SIGTERM/SIGHUP end the run through the same cleanup as Ctrl+C
    def interrupted(signum, _frame):  # type: ignore[no-untyped-def]
        raise KeyboardInterrupt(signal.Signals(signum).name)

    signal.signal(signal.SIGTERM, interrupted)
    signal.signal(signal.SIGHUP, interrupted)

    import docker

    measurements: list[Measurement] = []
    with exclusive_run(), private_daemon() as (env, dockerd_pid):
        client = docker.DockerClient(base_url=env["DOCKER_HOST"], version="auto", timeout=120)
        try:
            info = client.info()
            daemon_meta = {
                "version": info.get("ServerVersion"),
                "cgroup": info.get("CgroupVersion"),
                "driver": info.get("CgroupDriver"),
                "host": env["DOCKER_HOST"],
            }
            daemon = DaemonProcesses(dockerd_pid)
            daemon.groups()  # learns the exec-root from containerd's command line
            ids: list[str] = []
            for count in counts:
                began = time.monotonic()
                ids += start_containers(client, count - len(ids))
                print(f"started {len(ids)} containers in {time.monotonic() - began:.0f} s", flush=True)
                settle(daemon)
                measurements += measure_all(ids, env, daemon, seconds, rounds)
        finally:
            client.close()
    meta = {
        "argv": argv,
        "machine": machine(),
        "daemon": daemon_meta,
        "seconds": seconds,
        "rounds": rounds,
        "when": time.strftime("%Y-%m-%d %H:%M:%S"),
    }
    # a smoke run must not replace the real numbers
    name = "stats_cost_quick" if args.quick else "stats_cost"
    write_results(measurements, meta, name)
    print()
    print(table(measurements))
    print(f"written: {RESULTS / name}.md and .json")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
