"""Pure display helpers: ports, times, sizes, masking, filtering, sorting."""

from __future__ import annotations

from tui.docker.models import ContainerRow, PortMapping
from tui.presentation import (
    MASK,
    compact_status,
    container_matches,
    container_search_text,
    format_ports,
    human_size,
    mask_env,
    safe_text,
    sort_rows,
    time_ago,
)


def row(name: str, **kw) -> ContainerRow:
    base = dict(id=f"{name}0123456789abcdef", name=name, image="busybox:local", image_id="sha256:x", command="sh", created=100, state="running", status="Up 3 minutes")
    base.update(kw)
    return ContainerRow(**base)


def test_ports_published_and_exposed_like_docker_ps():
    ports = [
        PortMapping(80, "tcp", 8080, "0.0.0.0"),
        PortMapping(80, "tcp", 8080, "::"),
        PortMapping(53, "udp"),
        PortMapping(443, "tcp", 8443, "127.0.0.1"),
    ]
    assert format_ports(ports) == "53/udp, 0.0.0.0:8080->80/tcp, 127.0.0.1:8443->443/tcp"


def test_ports_ipv6_only_binding_is_bracketed():
    assert format_ports([PortMapping(80, "tcp", 9000, "::1")]) == "[::1]:9000->80/tcp"


def test_time_ago_matches_docker_wording():
    now = 1_000_000.0
    assert time_ago(now, now) == "Less than a second ago"
    assert time_ago(now - 5, now) == "5 seconds ago"
    assert time_ago(now - 60, now) == "About a minute ago"
    assert time_ago(now - 180, now) == "3 minutes ago"
    assert time_ago(now - 3600, now) == "About an hour ago"
    assert time_ago(now - 2 * 86400, now) == "2 days ago"


def test_compact_status_for_narrow_screens():
    assert compact_status("Exited (137) 2 hours ago") == "Exited (137) 2h ago"
    assert compact_status("Up 3 minutes (healthy)") == "Up 3m (healthy)"
    assert compact_status("Up Less than a second") == "Up <1s"
    assert compact_status("Up About an hour") == "Up 1h"


def test_human_size_decimal_and_binary():
    assert human_size(0) == "0B"
    assert human_size(1500) == "1.5kB"
    assert human_size(4_400_000) == "4.4MB"
    assert human_size(1024 * 1024, binary=True) == "1MiB"
    assert human_size(None) == "-"


def test_secret_env_values_are_masked_and_others_shown():
    assert mask_env("POSTGRES_PASSWORD", "hunter2") == MASK
    assert mask_env("GITHUB_TOKEN", "ghp_x") == MASK
    assert mask_env("AWS_SECRET_ACCESS_KEY", "abc") == MASK
    assert mask_env("API_KEY", "k") == MASK
    assert mask_env("PATH", "/usr/bin") == "/usr/bin"
    assert mask_env("POSTGRES_PASSWORD", "hunter2", reveal=True) == "hunter2"
    assert mask_env("DB_PASSWORD", "") == ""


def test_safe_text_neutralises_control_characters():
    assert safe_text("web\x1b]0;pwned\x07") == "web^[]0;pwned^G"
    assert "\x1b" not in safe_text("\x1b[2J")
    assert "\x9b" not in safe_text("a\x9bb")
    assert safe_text("plain [red]x[/red]") == "plain [red]x[/red]"


def test_filter_matches_name_image_id_status_case_insensitively():
    web = row("web", image="nginx:1.25", status="Exited (1) 2 hours ago", state="exited")
    assert container_matches(web, "WEB")
    assert container_matches(web, "nginx")
    assert container_matches(web, web.id[:6])
    assert container_matches(web, "exited (1)")
    assert not container_matches(web, "postgres")
    assert container_matches(web, "")


def test_filter_with_the_search_text_kept_matches_the_same_and_never_across_fields():
    web = row("web", image="nginx:1.25", status="Exited (1) 2 hours ago", state="exited")
    kept = container_search_text(web)
    for needle in ("WEB", "nginx", web.id[:6], "exited (1)", "postgres", "", "web nginx"):
        assert container_matches(web, needle, kept) == container_matches(web, needle)
    # a name ending and an image starting never make one match
    assert not container_matches(web, "b\nng", kept)
    assert not container_matches(web, "webnginx", kept)


def test_sort_rows_by_name_and_created():
    rows = [row("b", created=1), row("a", created=3), row("c", created=2)]
    assert [r.name for r in sort_rows(rows, "name")] == ["a", "b", "c"]
    assert [r.name for r in sort_rows(rows, "created")] == ["a", "c", "b"]
    assert [r.name for r in sort_rows(rows, "name", reverse=True)] == ["c", "b", "a"]


def test_sparkline_scales_to_the_ceiling_and_keeps_its_width():
    from tui.presentation import sparkline

    assert sparkline([], 5) == "     "
    assert sparkline([0, 50, 100], 3, ceiling=100) == " ▄█"
    # padded on the left while the history is short; only the newest fit
    assert sparkline([100], 4, ceiling=100) == "   █"
    assert sparkline(range(1, 11), 3) == "▆▇█"
    # a tiny non-zero value still shows; zero is blank
    assert sparkline([0.001, 0], 2, ceiling=100) == "▁ "
    # without a ceiling the biggest value is the top
    assert sparkline([2, 4], 2) == "▄█"


def test_compact_figures_fit_narrow_columns():
    from tui.presentation import compact_bytes, compact_rate, cpu_text

    assert compact_bytes(None) == "-"
    assert compact_bytes(512) == "512B"
    assert compact_bytes(324 * 1024) == "324K"
    assert compact_bytes(12.3 * 1024 * 1024) == "12.3M"
    assert compact_bytes(23.5 * 1024**3) == "23.5G"
    assert all(len(compact_bytes(n)) <= 6 for n in (0, 1023, 1024, 99.9 * 1024, 1023 * 1024**2, 5 * 1024**4))
    assert compact_rate(None) == "…"
    assert compact_rate(0) == "0"
    assert compact_rate(1234) == "1.23k"
    assert compact_rate(1.5e6) == "1.5M"
    assert cpu_text(None) == "…"
    assert cpu_text(0.04) == "0.0%"
    assert cpu_text(5.25) == "5.2%"
    assert cpu_text(199.6) == "200%"


def test_sort_figures_ignore_noise_below_what_is_shown():
    from tui.presentation import sort_figure

    # idle containers at 0.01 % and 0.04 % look the same ("0.0%"): equal keys
    assert sort_figure(0.012, cpu=True) == sort_figure(0.04, cpu=True) == 0.0
    assert sort_figure(55.4, cpu=True) == sort_figure(54.6, cpu=True)
    assert sort_figure(50.0 * 2**20) == sort_figure(49.9 * 2**20)
    assert sort_figure(50 * 2**20) > sort_figure(40 * 2**20)
    assert sort_figure(None) < sort_figure(0.0, cpu=True)
