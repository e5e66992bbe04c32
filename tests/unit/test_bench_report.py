"""bench/report.py: every result file ends up in one report, honestly labelled."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

from bench.report import collect, flatten_numbers, render_markdown, stats_cost_figures, summary_table, to_json

MACHINE = {
    "cpu": "Test CPU",
    "cores": 2,
    "memory_gb": 4.0,
    "os": "Debian",
    "kernel": "6.1",
    "docker_server": "20.10.24",
    "docker_client": "20.10.24",
    "python": "3.11.2",
    "textual": "8.2.8",
    "docker_py": "7.2.0",
    "pyte": "0.8.2",
}


def figure(name: str, value: float | None, unit: str = "x", goal: str = "", ok: bool | None = None) -> dict:
    return {"name": name, "value": value, "unit": unit, "goal": goal, "ok": ok, "note": ""}


def write(results: Path, name: str, payload: object, markdown: str | None = None) -> Path:
    path = results / f"{name}.json"
    path.write_text(payload if isinstance(payload, str) else json.dumps(payload))
    if markdown is not None:
        (results / f"{name}.md").write_text(markdown)
    return path


def stats_payload(stream_net: float, cgroup_net: float) -> dict:
    return {
        "meta": {"when": "2026-01-01 00:00:00"},
        "results": [
            {"approach": "idle", "containers": 50, "net": 0.0},
            {"approach": "cgroup", "containers": 50, "net": cgroup_net},
            {"approach": "stream", "containers": 50, "net": stream_net},
        ],
    }


def test_figures_of_every_result_are_tabulated_with_their_goals(tmp_path: Path) -> None:
    write(tmp_path, "startup", {"title": "First paint", "when": "now", "figures": [figure("first paint / import floor", 1.21, "x", "≤ 1.3", True)]}, "# First paint\n\ndetails\n")
    write(tmp_path, "scale", {"figures": [figure("filter key-to-paint, worst", 71.0, "ms", "< 50", False)]})
    report = collect(tmp_path, None, MACHINE)
    table = summary_table(report)
    assert "| startup | first paint / import floor | 1.21 x | ≤ 1.3 | yes |" in table
    assert "| scale | filter key-to-paint, worst | 71 ms | < 50 | **no** |" in table
    text = render_markdown(report)
    # the benchmark's own Markdown is embedded, its headings under the report's
    assert "## startup: First paint" in text and "## First paint" in text and "details" in text
    assert "Test CPU, 2 cores, 4.0 GB RAM" in text and "Textual 8.2.8" in text


def test_expected_benchmarks_that_did_not_run_are_listed_as_not_measured(tmp_path: Path) -> None:
    write(tmp_path, "logs", {"figures": [figure("flood: dtui / CLI", 0.9)]})
    report = collect(tmp_path, None, MACHINE)
    assert "logs" not in report.not_measured
    assert {"startup", "idle_cpu", "scale", "stats_cost", "terminal"} <= set(report.not_measured)
    assert "| terminal | embedded terminal throughput and latency (issue 3) | not measured | | |" in summary_table(report)
    assert "## Not measured" in render_markdown(report)


def test_a_result_under_its_script_name_counts_for_its_benchmark(tmp_path: Path) -> None:
    write(tmp_path, "terminal_pyte", {"title": "pyte", "stdout": "seq 0.3 MB/s"}, "# pyte\n\n```\nseq 0.3 MB/s\n```\n")
    report = collect(tmp_path, None, MACHINE)
    assert "terminal" not in report.not_measured
    assert "seq 0.3 MB/s" in render_markdown(report)


def test_results_older_than_the_run_are_marked_not_fresh(tmp_path: Path) -> None:
    old = write(tmp_path, "startup", {"when": "2026-01-01 00:00:00", "figures": [figure("first paint", 0.6, "s")]})
    write(tmp_path, "scale", {"when": "now", "figures": [figure("scroll", 9.0, "ms")]})
    an_hour_ago = time.time() - 3600
    os.utime(old, (an_hour_ago, an_hour_ago))
    report = collect(tmp_path, time.time() - 60, MACHINE)
    fresh = {b.name: b.fresh for b in report.benchmarks}
    assert fresh == {"startup": False, "scale": True}
    assert "| startup (earlier run, 2026-01-01 00:00:00) | first paint | 0.6 s |" in summary_table(report)
    assert "Not re-run this time" in render_markdown(report)


def test_stats_cost_format_gives_the_ratio_against_one_stream_per_container() -> None:
    figures = stats_cost_figures(stats_payload(22.0, 1.1))
    ratio = next(f for f in figures if f["name"].endswith("streams / dtui"))
    assert round(ratio["value"], 6) == 20.0 and ratio["ok"] is True and ratio["goal"] == "≥ 10"


def test_stats_cost_inside_the_idle_noise_gives_no_ratio() -> None:
    ratio = next(f for f in stats_cost_figures(stats_payload(22.0, -0.2)) if f["name"].endswith("streams / dtui"))
    assert ratio["value"] is None and ratio["ok"] is None and "noise" in ratio["note"]


def test_an_unexpected_format_falls_back_to_its_markdown_or_its_numbers(tmp_path: Path) -> None:
    # stats_cost in a format the adapter does not know: its Markdown is still shown
    write(tmp_path, "stats_cost", {"results": [{"approach": "stream"}]}, "# Stats\n\nthe table\n")
    write(tmp_path, "custom", {"a": {"b": 2.5, "flag": True}, "c": [1, 2]})
    write(tmp_path, "broken", "{not json")
    report = collect(tmp_path, None, MACHINE)
    by_name = {b.name: b for b in report.benchmarks}
    assert "headline figures not read" in by_name["stats_cost"].error
    assert "the table" in by_name["stats_cost"].markdown
    assert "- `a.b`: 2.5" in by_name["custom"].markdown and "flag" not in by_name["custom"].markdown
    assert by_name["broken"].error.startswith("unreadable")
    text = render_markdown(report)
    assert "unreadable" in text


def test_the_report_files_themselves_are_not_read_as_results(tmp_path: Path) -> None:
    write(tmp_path, "report", {"benchmarks": []})
    assert [b.name for b in collect(tmp_path, None, MACHINE).benchmarks] == []


def test_pipes_in_figure_names_do_not_break_the_table(tmp_path: Path) -> None:
    write(tmp_path, "logs", {"figures": [figure("lines/s by `docker logs -f | wc -l`", 31000.0, "lines/s")]})
    row = next(line for line in summary_table(collect(tmp_path, None, MACHINE)).splitlines() if "wc -l" in line)
    assert row.count(" | ") == 4 and "\\|" in row


def test_json_report_carries_the_machine_and_every_figure(tmp_path: Path) -> None:
    write(tmp_path, "idle_cpu", {"figures": [figure("dtui idle CPU", 0.4, "% core", "≤ 1", True)]})
    data = to_json(collect(tmp_path, None, MACHINE))
    assert data["machine"]["cpu"] == "Test CPU"
    assert data["benchmarks"][0]["figures"][0]["value"] == 0.4
    assert "startup" in data["not_measured"]


def test_flatten_numbers_skips_booleans_and_keeps_paths() -> None:
    assert flatten_numbers({"x": [1, {"y": 2.0}], "ok": True, "s": "text"}) == [("x[0]", 1.0), ("x[1].y", 2.0)]


def test_the_daemon_version_recorded_during_the_run_outlives_the_daemon(tmp_path: Path, monkeypatch) -> None:
    import bench.report as report

    monkeypatch.setattr(report, "machine", lambda: {**MACHINE, "docker_server": "unreachable"})
    saved = tmp_path / "machine.json"
    saved.write_text(json.dumps({**MACHINE, "docker_server": "20.10.24+dfsg1"}))
    assert report.machine_for_report(saved, time.time() - 60)["docker_server"] == "20.10.24+dfsg1"
    # a record from an earlier run does not pass for this one
    an_hour_ago = time.time() - 3600
    os.utime(saved, (an_hour_ago, an_hour_ago))
    assert report.machine_for_report(saved, time.time() - 60)["docker_server"] == "unreachable"
