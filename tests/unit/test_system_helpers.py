"""Pure parts of the Volumes, Networks and System panes: input validation,
who-uses-what from list payloads, event lines and filters, prune summaries."""

from __future__ import annotations

import pytest

from tui.docker.errors import InvalidInput
from tui.docker.events import DockerEvent
from tui.docker.models import (
    NetworkRow,
    PruneReport,
    SystemOverview,
    VolumeRow,
    parse_timestamp,
)
from tui.docker.networks import prune_candidates as network_prune_candidates
from tui.docker.networks import validate_network
from tui.docker.system import SystemPruneResult
from tui.docker.volumes import (
    parse_labels,
    prune_candidates,
    validate_volume_name,
    volume_users,
)
from tui.panes.system import (
    event_line,
    event_matches,
    info_rows,
    prune_summary,
    render_overview,
)


@pytest.mark.parametrize("name", ["data", "app-data_1.v2", "0abc"])
def test_volume_names_the_daemon_accepts(name: str) -> None:
    assert validate_volume_name(f" {name} ") == name


@pytest.mark.parametrize("name", ["a", "-lead", "has space", "slash/y", "ümlaut"])
def test_volume_names_the_daemon_refuses(name: str) -> None:
    with pytest.raises(InvalidInput):
        validate_volume_name(name)


def test_empty_volume_name_lets_the_daemon_choose() -> None:
    assert validate_volume_name("  ") == ""


def test_labels_parse_from_commas_and_lines() -> None:
    assert parse_labels("tier=db, owner = me\nflag") == {"tier": "db", "owner": "me", "flag": ""}
    with pytest.raises(InvalidInput):
        parse_labels("bad key=1")


def test_network_validation_normalises_and_refuses() -> None:
    assert validate_network(" backend ", "bridge", "10.9.0.0/16", "10.9.0.1") == ("backend", "bridge", "10.9.0.0/16", "10.9.0.1")
    assert validate_network("v6", "bridge", "fd00:1::/64", "") == ("v6", "bridge", "fd00:1::/64", "")
    for args, why in [
        (("", "bridge", "", ""), "needs a name"),
        (("bridge", "bridge", "", ""), "predefined"),
        (("n", "host", "", ""), "Driver must be"),
        (("n", "bridge", "10.9.0.0/33", ""), "not a CIDR"),
        (("n", "bridge", "10.9.0.1/16", ""), "not a CIDR"),  # host bits set
        (("n", "bridge", "", "10.9.0.1"), "needs a subnet"),
        (("n", "bridge", "10.9.0.0/16", "10.8.0.1"), "not a usable address"),
        (("n", "bridge", "10.9.0.0/16", "10.9.0.0"), "not a usable address"),
        (("n", "bridge", "10.9.0.0/16", "gateway"), "not an IP address"),
    ]:
        with pytest.raises(InvalidInput, match=why):
            validate_network(*args)


def test_volume_users_come_from_the_container_list_mounts() -> None:
    containers = [
        {"Id": "a" * 64, "Names": ["/web"], "State": "running", "Mounts": [
            {"Type": "volume", "Name": "data", "Destination": "/data"},
            {"Type": "bind", "Source": "/etc", "Destination": "/host-etc"},
        ]},
        {"Id": "b" * 64, "Names": ["/backup"], "State": "exited", "Mounts": [{"Type": "volume", "Name": "data", "Destination": "/in"}]},
    ]
    users = volume_users(containers)
    assert list(users) == ["data"]
    assert [(u.name, u.state, u.destination) for u in users["data"]] == [("backup", "exited", "/in"), ("web", "running", "/data")]


def _volume(name: str, users: int = 0, driver: str = "local") -> VolumeRow:
    from tui.docker.models import VolumeUser

    return VolumeRow(name, driver, "", 0.0, "local", users=tuple(VolumeUser(str(i), f"c{i}", "running", "/d") for i in range(users)))


def test_volume_prune_candidates_follow_the_api_version() -> None:
    anonymous = "f" * 64
    volumes = [_volume("named"), _volume(anonymous), _volume("used", users=1), _volume("nfs", driver="nfs")]
    assert [v.name for v in prune_candidates(volumes, "1.41")] == ["named", anonymous]
    assert [v.name for v in prune_candidates(volumes, "1.43")] == [anonymous]


NETWORK = {
    "Name": "backend",
    "Id": "c" * 64,
    "Created": "2026-11-29T06:33:12.231236445Z",
    "Scope": "local",
    "Driver": "bridge",
    "IPAM": {"Config": [{"Subnet": "10.9.0.0/16", "Gateway": "10.9.0.1"}]},
    "Internal": True,
    "Containers": {
        "d" * 64: {"Name": "web", "IPv4Address": "10.9.0.3/16", "IPv6Address": "", "MacAddress": "02:42:0a:09:00:03"},
        "e" * 64: {"Name": "api", "IPv4Address": "10.9.0.2/16", "IPv6Address": "", "MacAddress": "02:42:0a:09:00:02"},
    },
    "Labels": {"dtui.test": "x"},
}


def test_network_from_inspect() -> None:
    row = NetworkRow.from_inspect(NETWORK)
    assert (row.name, row.driver, row.subnets, row.gateways, row.internal) == ("backend", "bridge", ("10.9.0.0/16",), ("10.9.0.1",), True)
    assert [(e.name, e.ipv4) for e in row.endpoints] == [("api", "10.9.0.2/16"), ("web", "10.9.0.3/16")]
    assert row.created == pytest.approx(parse_timestamp("2026-11-29T06:33:12.231236Z"))
    assert not row.predefined
    assert NetworkRow.from_inspect({**NETWORK, "Name": "none", "Driver": "null"}).predefined
    empty = NetworkRow.from_inspect({**NETWORK, "Name": "idle", "Containers": {}})
    assert network_prune_candidates([row, empty, NetworkRow.from_inspect({**NETWORK, "Name": "bridge", "Containers": {}})]) == [empty]


def test_parse_timestamp_reads_nanoseconds_and_zones() -> None:
    assert parse_timestamp("1970-01-01T00:00:01.999999999Z") == pytest.approx(1.999999)
    assert parse_timestamp("1970-01-01T01:00:00+01:00") == 0.0
    assert parse_timestamp("") == 0.0 and parse_timestamp("garbage") == 0.0


def _event(type_: str, action: str, name: str = "", id_: str = "", **attributes: str) -> DockerEvent:
    return DockerEvent(type_, action, id_ or "0" * 64, name, 1_700_000_000_000_000_000, tuple(sorted(attributes.items())))


def test_event_filter_needs_every_word() -> None:
    event = _event("container", "die", "web", image="nginx", exitCode="137")
    assert event_matches(event, "")
    assert event_matches(event, "WEB die")
    assert event_matches(event, "nginx")
    assert not event_matches(event, "web start")


def test_network_events_name_their_container() -> None:
    cid = "9" * 64
    event = _event("network", "connect", "backend", container=cid, type="bridge")
    assert "container 999999999999" in event_line(event).plain
    assert "container web" in event_line(event, {cid: "web"}).plain
    assert event_matches(event, "web connect", {cid: "web"})
    assert not event_matches(event, "web connect")


def test_event_line_shows_exit_code_and_never_markup() -> None:
    line = event_line(_event("container", "die", "[bold]x", image="img", exitCode="3")).plain
    assert "container" in line and "die" in line and "[bold]x" in line and "img" in line and "exit 3" in line
    assert "\x1b" not in event_line(_event("container", "create", "evil\x1b[2J")).plain


def test_prune_summary_counts_each_kind() -> None:
    result = SystemPruneResult((
        PruneReport("containers", ("a", "b"), 2000),
        PruneReport("networks", ("n",), 0),
        PruneReport("images", (), 0),
        PruneReport("build cache", ("x", "y", "z"), 1_500_000),
    ))
    assert prune_summary(result) == "Deleted 2 containers, 1 network, 0 images, 3 build cache objects. Reclaimed 1.502MB."


def test_info_warnings_are_shown_first() -> None:
    info = {"Driver": "overlay2", "DriverStatus": [["Backing Filesystem", "extfs"]], "CgroupDriver": "systemd", "CgroupVersion": "2",
            "Runtimes": {"runc": {}, "crun": {}}, "DefaultRuntime": "runc", "NCPU": 8, "MemTotal": 16 * 1024**3,
            "Containers": 5, "ContainersRunning": 2, "ContainersPaused": 1, "ContainersStopped": 2, "Images": 9,
            "Warnings": ["WARNING: No swap limit support"]}
    rows = dict(info_rows(info))
    assert rows["Storage driver"] == "overlay2 (on extfs)"
    assert rows["Cgroup driver"] == "systemd, cgroup v2"
    assert rows["Runtimes"] == "crun, runc"
    assert rows["Memory"] == "16GiB"
    assert rows["Containers"] == "5  (running 2, paused 1, stopped 2)"
    from rich.console import Console

    console = Console(width=100, record=True, color_system=None)
    console.print(render_overview(SystemOverview("7.1.0", "1.41", {"Version": "27.0"}, info)))
    text = console.export_text()
    assert text.index("WARNING: No swap limit support") < text.index("Client")


def test_volume_and_network_filters() -> None:
    from tui.panes.networks import network_matches
    from tui.panes.volumes import volume_matches

    used = _volume("pgdata", users=1)
    assert volume_matches(used, "PGD") and volume_matches(used, "c0")
    assert not volume_matches(used, "unused")
    assert volume_matches(_volume("cache"), "unused")
    row = NetworkRow.from_inspect(NETWORK)
    assert network_matches(row, "10.9.0.3") and network_matches(row, "api") and network_matches(row, "ccccc")
    assert not network_matches(row, "overlay")
