"""Gathers every ``bench/results/*.json`` into ``REPORT.md`` and ``report.json``,
with the machine it ran on.

A result file that carries a top-level ``figures`` list (name, value, unit,
goal, ok, note — what ``bench/common.py`` writes) is tabulated in the summary;
any other result is shown through the Markdown file written next to it (or its
numbers, flattened, when there is none). Benchmarks the report expects but
cannot find are listed as "not measured", and results older than this run
(``--since``) are marked as such instead of passing for fresh ones.

    python bench/report.py [--since EPOCH] [--results DIR]
    python bench/report.py --capture NAME --title TITLE -- CMD...   # store what CMD prints
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results"
REPORT_FILES = {"report.json", "machine.json"}

#: what a full run produces, in report order, with what each one measures
EXPECTED: dict[str, str] = {
    "startup": "first paint of the container list (issue 8, goal 1)",
    "idle_cpu": "idle CPU with 50 running containers (issue 8, goal 2)",
    "scale": "1,000 containers: scroll, filter, refresh (issue 8, goal 3)",
    "stats_cost": "stats collection cost (issue 6)",
    "terminal": "embedded terminal throughput and latency (issue 3)",
    "logs": "log viewer throughput and latency (issue 4)",
}
#: other names a result may be written under (the script's name)
ALIASES = {"terminal_bench": "terminal", "terminal_pyte": "terminal", "logs_bench": "logs", "stats_cost_quick": "stats_cost"}


@dataclass
class Benchmark:
    name: str
    title: str
    when: str
    fresh: bool
    figures: list[dict[str, Any]]
    markdown: str
    error: str = ""


@dataclass
class Report:
    machine: dict[str, Any]
    when: str
    benchmarks: list[Benchmark] = field(default_factory=list)
    not_measured: dict[str, str] = field(default_factory=dict)


# ------------------------------------------------------------ the machine


def _first_line(argv: list[str]) -> str:
    # `docker version` prints the client's part and fails when the daemon is
    # unreachable: what it printed is still good
    try:
        out = subprocess.run(argv, capture_output=True, text=True, timeout=20)
    except (OSError, subprocess.TimeoutExpired):
        return ""
    return out.stdout.strip().splitlines()[0] if out.stdout.strip() else ""


def _version(package: str) -> str:
    from importlib import metadata

    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "not installed"


def machine() -> dict[str, Any]:
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory_gb = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                memory_gb = round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    os_name = ""
    try:
        for line in Path("/etc/os-release").read_text().splitlines():
            if line.startswith("PRETTY_NAME="):
                os_name = line.split("=", 1)[1].strip('"')
    except OSError:
        pass
    return {
        "cpu": cpu or platform.processor() or "unknown",
        "cores": os.cpu_count(),
        "memory_gb": memory_gb,
        "os": os_name,
        "kernel": platform.release(),
        "docker_server": _first_line(["docker", "version", "--format", "{{.Server.Version}}"]) or "unreachable",
        "docker_client": _first_line(["docker", "version", "--format", "{{.Client.Version}}"]),
        "python": platform.python_version(),
        "textual": _version("textual"),
        "docker_py": _version("docker"),
        "pyte": _version("pyte"),
    }


def machine_for_report(saved: Path, since: float | None) -> dict[str, Any]:
    """The machine now, with what was recorded while the benchmarks' daemon
    ran (by --save-machine) taking precedence: by report time it is stopped."""
    now = machine()
    try:
        if since is None or saved.stat().st_mtime >= since:
            recorded = json.loads(saved.read_text())
            if isinstance(recorded, dict):
                return {**now, **{k: v for k, v in recorded.items() if v not in (None, "", "unreachable")}}
    except (OSError, ValueError):
        pass
    return now


def machine_line(m: dict[str, Any]) -> str:
    return (
        f"{m.get('cpu')}, {m.get('cores')} cores, {m.get('memory_gb')} GB RAM; {m.get('os') or 'Linux'}, kernel {m.get('kernel')}; "
        f"Docker {m.get('docker_server')} (CLI {m.get('docker_client')}); Python {m.get('python')}, Textual {m.get('textual')}, "
        f"docker-py {m.get('docker_py')}, pyte {m.get('pyte')}"
    )


# ------------------------------------------------------------ reading results


def flatten_numbers(value: Any, prefix: str = "", limit: int = 40) -> list[tuple[str, float]]:
    """The numeric leaves of a JSON document as (dotted path, number)."""
    found: list[tuple[str, float]] = []

    def walk(node: Any, path: str) -> None:
        if len(found) >= limit:
            return
        if isinstance(node, bool):
            return
        if isinstance(node, (int, float)):
            found.append((path, float(node)))
        elif isinstance(node, dict):
            for key, child in node.items():
                walk(child, f"{path}.{key}" if path else str(key))
        elif isinstance(node, list):
            for index, child in enumerate(node):
                walk(child, f"{path}[{index}]")

    walk(value, prefix)
    return found


def stats_cost_figures(payload: dict[str, Any]) -> list[dict[str, Any]]:
    """Headline figures of bench/stats_cost.py's own format: per container
    count, dtui's sampler against one stats stream per container."""
    figures = []
    by_count: dict[int, dict[str, dict[str, Any]]] = {}
    for result in payload.get("results", []):
        by_count.setdefault(int(result["containers"]), {})[str(result["approach"])] = result
    for count, approaches in sorted(by_count.items()):
        stream, cgroup = approaches.get("stream"), approaches.get("cgroup")
        if not stream or not cgroup:
            continue
        s_net, c_net = float(stream["net"]), float(cgroup["net"])
        figures.append({"name": f"stats, {count} running: one stream per container, minus idle", "value": s_net, "unit": "% core", "goal": "", "ok": None, "note": ""})
        figures.append({"name": f"stats, {count} running: dtui cgroup sampler, minus idle", "value": c_net, "unit": "% core", "goal": "", "ok": None, "note": ""})
        if c_net > 0:
            ratio = s_net / c_net
            figures.append({"name": f"stats, {count} running: streams / dtui", "value": ratio, "unit": "x", "goal": "≥ 10", "ok": ratio >= 10, "note": ""})
        else:
            figures.append({"name": f"stats, {count} running: streams / dtui", "value": None, "unit": "x", "goal": "≥ 10", "ok": None, "note": "dtui's cost is within the idle noise"})
    return figures


#: readers for result formats that have no ``figures`` list of their own
ADAPTERS = {"stats_cost": stats_cost_figures, "stats_cost_quick": stats_cost_figures}


def _when(payload: dict[str, Any], path: Path) -> str:
    for value in (payload.get("when"), (payload.get("meta") or {}).get("when") if isinstance(payload.get("meta"), dict) else None):
        if isinstance(value, str) and value:
            return value
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(path.stat().st_mtime))


def read_benchmark(path: Path, since: float | None) -> Benchmark:
    name = path.stem
    md_path = path.with_suffix(".md")
    markdown = md_path.read_text() if md_path.exists() else ""
    fresh = since is None or path.stat().st_mtime >= since
    try:
        payload = json.loads(path.read_text())
        if not isinstance(payload, dict):
            raise ValueError("not a JSON object")
    except (OSError, ValueError) as exc:
        return Benchmark(name, name, "", fresh, [], markdown, f"unreadable: {exc}")
    figures: list[dict[str, Any]] = []
    error = ""
    if isinstance(payload.get("figures"), list):
        figures = [f for f in payload["figures"] if isinstance(f, dict) and "name" in f]
    elif name in ADAPTERS:
        try:
            figures = ADAPTERS[name](payload)
        except Exception as exc:  # another engineer's format moved on: show its Markdown instead
            error = f"headline figures not read ({type(exc).__name__}: {exc})"
    if not markdown and not figures:
        numbers = flatten_numbers(payload)
        markdown = "\n".join(f"- `{key}`: {value:.4g}" for key, value in numbers) + "\n" if numbers else ""
    title = str(payload.get("title") or EXPECTED.get(name) or name)
    return Benchmark(name, title, _when(payload, path), fresh, figures, markdown, error)


def collect(results: Path, since: float | None, machine_info: dict[str, Any]) -> Report:
    report = Report(machine_info, time.strftime("%Y-%m-%d %H:%M:%S"))
    found: dict[str, Benchmark] = {}
    for path in sorted(results.glob("*.json")):
        if path.name in REPORT_FILES:
            continue
        found[path.stem] = read_benchmark(path, since)
    order = sorted(found, key=lambda n: (list(EXPECTED).index(ALIASES.get(n, n)) if ALIASES.get(n, n) in EXPECTED else len(EXPECTED), n))
    report.benchmarks = [found[name] for name in order]
    covered = {ALIASES.get(name, name) for name in found}
    report.not_measured = {name: what for name, what in EXPECTED.items() if name not in covered}
    return report


# ------------------------------------------------------------ writing


def format_value(figure: dict[str, Any]) -> str:
    value = figure.get("value")
    if value is None or (isinstance(value, float) and value != value):
        return "n/a"
    if isinstance(value, float) and value == float("inf"):
        return "∞"
    unit = str(figure.get("unit") or "")
    return f"{value:.3g} {unit}".strip() if isinstance(value, (int, float)) else f"{value} {unit}".strip()


def _cell(text: Any) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def summary_table(report: Report) -> str:
    lines = ["| benchmark | figure | value | goal | met |", "|---|---|---:|---|:---:|"]
    for bench in report.benchmarks:
        stale = "" if bench.fresh else f" (earlier run, {bench.when})"
        if not bench.figures:
            lines.append(f"| {bench.name}{stale} | see below | | | |")
        for figure in bench.figures:
            ok = figure.get("ok")
            met = "" if ok is None else ("yes" if ok else "**no**")
            lines.append(f"| {bench.name}{stale} | {_cell(figure['name'])} | {format_value(figure)} | {_cell(figure.get('goal') or '')} | {met} |")
    for name, what in report.not_measured.items():
        lines.append(f"| {name} | {_cell(what)} | not measured | | |")
    return "\n".join(lines) + "\n"


def _demote(markdown: str) -> str:
    """Headings of an embedded result one level down, under its section."""
    return "\n".join("#" + line if line.startswith("#") else line for line in markdown.strip().splitlines())


def render_markdown(report: Report) -> str:
    parts = [
        "# dtui benchmark report\n",
        f"Run {report.when} on {machine_line(report.machine)}.\n",
        "## Summary\n",
        summary_table(report),
    ]
    for bench in report.benchmarks:
        parts.append(f"## {bench.name}: {bench.title}\n")
        if not bench.fresh:
            parts.append(f"_Not re-run this time: these are the results of {bench.when}._\n")
        if bench.error:
            parts.append(f"_{bench.error}_\n")
        if bench.markdown:
            parts.append(_demote(bench.markdown) + "\n")
    if report.not_measured:
        parts.append("## Not measured\n")
        parts.append("".join(f"- {name}: {what}\n" for name, what in report.not_measured.items()))
    return "\n".join(parts)


def to_json(report: Report) -> dict[str, Any]:
    return {
        "when": report.when,
        "machine": report.machine,
        "benchmarks": [
            {"name": b.name, "title": b.title, "when": b.when, "fresh": b.fresh, "figures": b.figures, "error": b.error} for b in report.benchmarks
        ],
        "not_measured": report.not_measured,
    }


def write(report: Report, results: Path) -> None:
    (results / "REPORT.md").write_text(render_markdown(report))
    (results / "report.json").write_text(json.dumps(to_json(report), indent=2) + "\n")


def capture(name: str, title: str, argv: list[str], results: Path) -> int:
    """Run a benchmark that only prints, and keep what it printed as a result."""
    began = time.monotonic()
    proc = subprocess.run(argv, capture_output=True, text=True)
    text = proc.stdout + (f"\n{proc.stderr}" if proc.returncode else "")
    results.mkdir(parents=True, exist_ok=True)
    payload = {"name": name, "title": title, "when": time.strftime("%Y-%m-%d %H:%M:%S"), "argv": argv, "returncode": proc.returncode, "seconds": time.monotonic() - began, "stdout": proc.stdout}
    (results / f"{name}.json").write_text(json.dumps(payload, indent=2) + "\n")
    (results / f"{name}.md").write_text(f"# {title}\n\n`{' '.join(Path(a).name if i == 0 else a for i, a in enumerate(argv))}`:\n\n```\n{text.strip()}\n```\n")
    sys.stdout.write(text)
    return proc.returncode


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--since", type=float, help="results written before this epoch are marked as from an earlier run")
    parser.add_argument("--results", type=Path, default=RESULTS)
    parser.add_argument("--capture", metavar="NAME", help="run the command after -- and store its output as result NAME")
    parser.add_argument("--save-machine", action="store_true", help="record the machine (and the daemon's version) now, for the report made later")
    parser.add_argument("--title", default="")
    parser.add_argument("command", nargs="*")
    args = parser.parse_args(argv)
    if args.capture:
        return capture(args.capture, args.title or args.capture, args.command, args.results)
    args.results.mkdir(parents=True, exist_ok=True)
    saved = args.results / "machine.json"
    if args.save_machine:
        saved.write_text(json.dumps(machine(), indent=2) + "\n")
        return 0
    report = collect(args.results, args.since, machine_for_report(saved, args.since))
    write(report, args.results)
    print(f"Machine: {machine_line(report.machine)}\n")
    print(summary_table(report))
    print(f"written: {args.results / 'REPORT.md'} and report.json")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
