"""CPU of an idle dtui on its main screen with 50 running containers, and what
it makes the daemon spend, against lazydocker's approach in the same run.

Windows of the same length, one after another, each measured from
/proc/<pid>/stat (utime+stime, plus reaped children's) of the client and of
this private daemon's dockerd, containerd and containerd-shims/runc:

  idle   nobody watches the daemon (before and after every client window; the
         mean of the two around a window is subtracted from it)
  dtui   ``python -m tui`` in a 120x40 pseudo-terminal, on the containers list
         (with its live CPU/MEM columns), no key pressed (started and settled
         before the window opens)
  stats  the same dtui right after, on the Stats pane (``6``): every running
         container's numbers and graphs once a second
  lazy   lazydocker's approach reproduced with docker-py: one streaming
         ``stats`` connection per running container, decoded, plus an inspect
         of every container every second (the client is a separate process
         started before the window)

    python bench/idle_cpu.py [--containers 50] [--seconds 25]
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (  # noqa: E402
    IMAGE,
    LABEL,
    Figure,
    PtyProcess,
    api_client,
    daemon_pids,
    dtui_argv,
    dtui_env,
    figures_table,
    measure_cpu,
    remove_bench_containers,
    start_containers,
    write_result,
)

RUN_PREFIX = "dtuibench-run-"
SELF_GOAL = 1.0  # % of one core
STATS_GOAL = 2.0  # % of one core, stats pane shown (issue 6)
RATIO_GOAL = 5.0


def run_lazy_worker() -> int:
    """lazydocker's load: a decoded stats stream per running container and an
    inspect of each container every second, until SIGTERM."""
    import docker

    ids = [c["Id"] for c in docker.APIClient(base_url=os.environ["DOCKER_HOST"], version="auto").containers(filters={"label": f"{LABEL}=1", "status": "running"})]
    api = docker.APIClient(base_url=os.environ["DOCKER_HOST"], version="auto", max_pool_size=len(ids) + 8)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    received = [0]

    def stream(cid: str) -> None:
        try:
            for _sample in api.stats(cid, stream=True, decode=True):
                received[0] += 1
                if stop.is_set():
                    return
        except Exception:
            return

    for cid in ids:
        threading.Thread(target=stream, args=(cid,), daemon=True).start()
    print("ready", flush=True)
    inspects = 0
    while not stop.is_set():
        began = time.monotonic()
        for cid in ids:
            api.inspect_container(cid)
            inspects += 1
        stop.wait(max(0.0, 1.0 - (time.monotonic() - began)))
    print(f"stats samples {received[0]}, inspects {inspects}", flush=True)
    return 0


def idle_window(seconds: float) -> dict[str, float]:
    return measure_cpu(daemon_pids(), seconds).groups


def client_window(pid: int, seconds: float) -> dict[str, float]:
    pids = {**daemon_pids(), pid: "client"}
    return measure_cpu(pids, seconds).groups


def daemon_total(groups: dict[str, float]) -> float:
    return sum(v for k, v in groups.items() if k != "client")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--containers", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=25.0, help="length of every window (default 25)")
    parser.add_argument("--settle", type=float, default=15.0, help="seconds after starting containers, and after starting a client")
    parser.add_argument("--worker-lazy", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker_lazy:
        return run_lazy_worker()

    api = api_client()
    remove_bench_containers(api)
    names = [f"{RUN_PREFIX}{i:02d}" for i in range(args.containers)]
    for name in names:
        api.create_container(IMAGE, command=["sleep", "100000"], name=name, labels={LABEL: "1"}, host_config=api.create_host_config(network_mode="none"))
    took = start_containers(api, names)
    print(f"idle: {args.containers} running containers ({took:.0f} s to start); settling {args.settle:.0f} s", flush=True)
    time.sleep(args.settle)
    seconds = args.seconds
    windows: dict[str, Any] = {}

    windows["idle_1"] = idle_window(seconds)
    # dtui, idle on the containers list
    dtui = PtyProcess(dtui_argv(), env=dtui_env())
    try:
        if dtui.wait_for(RUN_PREFIX.encode() + rb"\d\d", 30) is None:
            raise RuntimeError(f"dtui did not show the containers; the screen ends with:\n{dtui.tail()}")
        time.sleep(args.settle / 3)
        windows["dtui"] = client_window(dtui.pid, seconds)
        dtui.write(b"6")
        if dtui.wait_for(rb"from cgroup files|from the API", 30) is None:
            raise RuntimeError(f"dtui did not show the stats pane; the screen ends with:\n{dtui.tail()}")
        time.sleep(args.settle / 3)
        windows["stats"] = client_window(dtui.pid, seconds)
    finally:
        dtui.stop()
    windows["idle_2"] = idle_window(seconds)
    # lazydocker's approach
    worker = subprocess.Popen([sys.executable, __file__, "--worker-lazy"], stdout=subprocess.PIPE, text=True, env=os.environ.copy())
    try:
        assert worker.stdout is not None
        if worker.stdout.readline().strip() != "ready":
            raise RuntimeError("the lazydocker-style client did not start")
        time.sleep(args.settle / 3)
        windows["lazy"] = client_window(worker.pid, seconds)
    finally:
        worker.send_signal(signal.SIGTERM)
        try:
            out, _ = worker.communicate(timeout=15)
        except subprocess.TimeoutExpired:
            worker.kill()
            out, _ = worker.communicate()
    windows["lazy_client_says"] = out.strip()
    windows["idle_3"] = idle_window(seconds)

    idle = [daemon_total(windows[f"idle_{i}"]) for i in (1, 2, 3)]
    noise = max(idle) - min(idle)
    dtui_self = windows["dtui"]["client"]
    stats_self = windows["stats"]["client"]
    dtui_net = dtui_self + daemon_total(windows["dtui"]) - (idle[0] + idle[1]) / 2
    lazy_self = windows["lazy"]["client"]
    lazy_net = lazy_self + daemon_total(windows["lazy"]) - (idle[1] + idle[2]) / 2
    # a dtui cost inside the idle noise would make the ratio meaningless:
    # divide by the noise instead and call it a lower bound
    floor = max(dtui_net, noise, 0.01)
    ratio = lazy_net / floor
    bound = "≥ " if floor > dtui_net else ""
    figures = [
        Figure(f"dtui idle CPU, {args.containers} running", dtui_self, "% core", f"≤ {SELF_GOAL:g}", dtui_self <= SELF_GOAL),
        Figure(f"dtui idle CPU, stats pane, {args.containers} running", stats_self, "% core", f"≤ {STATS_GOAL:g}", stats_self <= STATS_GOAL),
        Figure("dtui + daemon, minus idle", dtui_net, "% core", note=f"idle daemon {sum(idle) / 3:.2f} %, spread {noise:.2f} %"),
        Figure("lazydocker approach + daemon, minus idle", lazy_net, "% core", note=f"its client alone {lazy_self:.2f} %"),
        Figure("lazydocker approach / dtui (total)", ratio, "x", f"≥ {RATIO_GOAL:g}", ratio >= RATIO_GOAL, f"{bound}lazy / max(dtui, idle spread)".strip()),
    ]
    details = {"containers": args.containers, "seconds": seconds, "windows": windows, "idle": idle, "noise": noise}

    def row(label: str, groups: dict[str, float]) -> str:
        return f"| {label} | {groups.get('client', 0):.2f} | {groups.get('dockerd', 0):.2f} | {groups.get('containerd', 0):.2f} | {groups.get('shims', 0):.2f} | {sum(groups.values()):.2f} |\n"

    markdown = (
        f"# Idle CPU, {args.containers} running containers\n\n"
        f"{seconds:.0f} s windows, % of one core from /proc/<pid>/stat; \"minus idle\" subtracts the mean of the idle windows around it.\n\n"
        + figures_table(figures)
        + "\n| window | client | dockerd | containerd | shims | total |\n|---|---:|---:|---:|---:|---:|\n"
        + row("idle", windows["idle_1"])
        + row("dtui (containers list with CPU/MEM, no key)", windows["dtui"])
        + row("dtui (stats pane, no key)", windows["stats"])
        + row("idle", windows["idle_2"])
        + row("lazydocker approach (stats streams + inspect/s)", windows["lazy"])
        + row("idle", windows["idle_3"])
        + f"\nThe lazydocker-style client reported: {windows['lazy_client_says']}\n"
    )
    write_result("idle_cpu", f"Idle CPU with {args.containers} running containers", figures, details, markdown)
    print(figures_table(figures))
    remove_bench_containers(api)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
