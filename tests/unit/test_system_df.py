"""``docker system df`` maths: dtui's figures for an ``api.df()`` payload are
the strings the docker CLI prints for the same payload.

PAYLOAD was recorded from the private daemon (busybox image, a running and a
stopped container with writable-layer data, a used and an unused volume with
data), then extended by hand with what that daemon cannot produce: BuildKit
cache records (no buildx there), an image sharing layers, an image whose
shared size is unknown (-1) and a volume whose driver cannot report a size.
CLI_JSON is what ``docker system df --format '{{json .}}'`` (docker CLI 28.2,
API 1.41) printed when that exact payload was served to it.
"""

from __future__ import annotations

import json

import pytest

from tui.docker.system import df_lines, disk_usage, system_prune_statement
from tui.presentation import cli_size, df_reclaimable

PAYLOAD = {'LayersSize': 10341945,
 'Images': [{'Containers': 10,
             'Created': 1795934011,
             'Id': 'sha256:931e258eceb0460b94d42c51217ba4ff6e79d532791e9b7f4ced5ee759831990',
             'RepoTags': ['127.0.0.1:5055/dtui-test/bb:1', 'busybox:local'],
             'SharedSize': 0,
             'Size': 1984162,
             'VirtualSize': 1984162},
            {'Containers': 0,
             'Created': 1795934000,
             'Id': 'sha256:d519a1bcae0c7be3c24671917df2d1e2a96e3af85226118fd1833209e12e46b7',
             'RepoTags': ['<none>:<none>'],
             'SharedSize': 0,
             'Size': 1913,
             'VirtualSize': 1913},
            {'Containers': 2,
             'Created': 1795930000,
             'Id': 'sha256:abababababababababababababababababababababababababababababababab',
             'RepoTags': ['shop/web:2.1'],
             'SharedSize': 1984162,
             'Size': 7340032,
             'VirtualSize': 7340032},
            {'Containers': 1,
             'Created': 1795930000,
             'Id': 'sha256:cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd',
             'RepoTags': ['shop/odd:1'],
             'SharedSize': -1,
             'Size': 3000000,
             'VirtualSize': 3000000}],
 'Containers': [{'Id': '0c45d2c9a86b80bd02767977beb68dbc0d7a0b3a4237b0e80e6c6fe89ad85f67',
                 'Names': ['/dtui-test-df-stopped'],
                 'Image': 'busybox:local',
                 'Command': "sh -c 'head -c 120000 /dev/urandom > /rw'",
                 'Created': 1795935937,
                 'State': 'exited',
                 'Status': 'Exited (0) 1 second ago',
                 'SizeRw': 120000,
                 'SizeRootFs': 2104162,
                 'Mounts': []},
                {'Id': '53773aa9421240e120b4720ee908e4ca9e7464eab5458e85142e2b400629b325',
                 'Names': ['/dtui-test-df-run'],
                 'Image': 'busybox:local',
                 'Command': "sh -c 'head -c 200000 /dev/urandom > /d/f; head -c 50000 /dev/urandom > /rw; sleep 3000'",
                 'Created': 1795935937,
                 'State': 'running',
                 'Status': 'Up 1 second',
                 'SizeRw': 50000,
                 'SizeRootFs': 2034162,
                 'Mounts': [{'Type': 'volume', 'Name': 'dtui-test-df-used', 'Destination': '/d'}]}],
 'Volumes': [{'Name': 'dtui-test-df-free',
              'Driver': 'local',
              'Labels': {'dtui.test': 'system-dev'},
              'Mountpoint': '/tmp/dk/data/volumes/dtui-test-df-free/_data',
              'Scope': 'local',
              'UsageData': {'RefCount': 0, 'Size': 250000},
              'CreatedAt': '2026-11-29T07:05:37Z'},
             {'Name': 'dtui-test-v1',
              'Driver': 'local',
              'Labels': {'dtui.test': 'system-dev'},
              'Mountpoint': '/tmp/dk/data/volumes/dtui-test-v1/_data',
              'Scope': 'local',
              'UsageData': {'RefCount': 0, 'Size': 0},
              'CreatedAt': '2026-11-29T07:02:38Z'},
             {'Name': 'dtui-test-df-used',
              'Driver': 'local',
              'Labels': {'dtui.test': 'system-dev'},
              'Mountpoint': '/tmp/dk/data/volumes/dtui-test-df-used/_data',
              'Scope': 'local',
              'UsageData': {'RefCount': 1, 'Size': 200000},
              'CreatedAt': '2026-11-29T07:05:37Z'},
             {'Name': 'nfs-share',
              'Driver': 'nfs',
              'Labels': {},
              'Mountpoint': '',
              'Scope': 'global',
              'UsageData': {'RefCount': 1, 'Size': -1},
              'CreatedAt': '2026-11-29T07:00:00Z'}],
 'BuildCache': [{'ID': 'k1x9c0c1aq6q',
                 'Parent': '',
                 'Type': 'regular',
                 'Description': 'mount / from exec /bin/sh -c echo',
                 'InUse': False,
                 'Shared': False,
                 'Size': 4404019,
                 'CreatedAt': '2026-11-29T06:00:00Z',
                 'LastUsedAt': '2026-11-29T06:30:00Z',
                 'UsageCount': 3},
                {'ID': 'p2m3x8r4t5y6',
                 'Parent': '',
                 'Type': 'source.local',
                 'Description': 'local source for context',
                 'InUse': True,
                 'Shared': False,
                 'Size': 1048576,
                 'CreatedAt': '2026-11-29T06:10:00Z',
                 'LastUsedAt': '2026-11-29T06:50:00Z',
                 'UsageCount': 7},
                {'ID': 'z9y8x7w6v5u4',
                 'Parent': '',
                 'Type': 'regular',
                 'Description': 'pulled from busybox',
                 'InUse': False,
                 'Shared': True,
                 'Size': 2000000,
                 'CreatedAt': '2026-11-29T05:00:00Z',
                 'LastUsedAt': None,
                 'UsageCount': 1}]}

CLI_JSON = """
{"Active":"3","Reclaimable":"3.002MB (29%)","Size":"10.34MB","TotalCount":"4","Type":"Images"}
{"Active":"1","Reclaimable":"120kB (70%)","Size":"170kB","TotalCount":"2","Type":"Containers"}
{"Active":"2","Reclaimable":"250kB (55%)","Size":"450kB","TotalCount":"4","Type":"Local Volumes"}
{"Active":"1","Reclaimable":"4.404MB","Size":"5.453MB","TotalCount":"3","Type":"Build Cache"}
"""


def _as_cli(payload: dict) -> list[dict[str, str]]:
    return [
        {
            "Active": str(line.active),
            "Reclaimable": df_reclaimable(line.reclaimable, line.percent),
            "Size": cli_size(line.size),
            "TotalCount": str(line.total),
            "Type": line.type,
        }
        for line in df_lines(payload)
    ]


def test_summary_lines_equal_the_docker_cli() -> None:
    expected = [json.loads(line) for line in CLI_JSON.strip().splitlines()]
    assert _as_cli(PAYLOAD) == expected


def test_images_reclaimable_skips_unknown_shared_size() -> None:
    images = df_lines(PAYLOAD)[0]
    # used = (1984162 - 0) + (7340032 - 1984162); the -1 image is skipped
    assert images.reclaimable == PAYLOAD["LayersSize"] - 7340032
    assert images.percent == images.reclaimable * 100 // PAYLOAD["LayersSize"]


def test_running_containers_are_not_reclaimable() -> None:
    containers = df_lines(PAYLOAD)[1]
    assert (containers.size, containers.reclaimable, containers.active) == (170000, 120000, 1)


def test_unsizable_volume_counts_as_active_but_adds_no_bytes() -> None:
    volumes = df_lines(PAYLOAD)[2]
    assert (volumes.total, volumes.active, volumes.size, volumes.reclaimable) == (4, 2, 450000, 250000)


def test_build_cache_excludes_shared_and_in_use_records() -> None:
    cache = df_lines(PAYLOAD)[3]
    assert cache.size == 4404019 + 1048576
    assert cache.reclaimable == 4404019
    assert cache.percent is None


def test_empty_daemon_prints_zeroes_without_percentages() -> None:
    lines = _as_cli({"LayersSize": 0, "Images": [], "Containers": [], "Volumes": [], "BuildCache": None})
    assert [(line["Size"], line["Reclaimable"]) for line in lines] == [("0B", "0B")] * 4


@pytest.mark.parametrize(
    ("size", "text"),
    [(0, "0B"), (999, "999B"), (1000, "1kB"), (1913, "1.913kB"), (1234567, "1.235MB"), (999950, "1000kB"), (10341945, "10.34MB"), (3 * 10**12, "3TB")],
)
def test_sizes_read_like_go_units(size: int, text: str) -> None:
    assert cli_size(size) == text


def test_verbose_listings_use_three_digits_where_the_cli_does() -> None:
    # docker system df -v printed these for the build cache of PAYLOAD
    assert [cli_size(b["Size"], 3) for b in PAYLOAD["BuildCache"]] == ["4.4MB", "1.05MB", "2MB"]


def test_verbose_listing_has_every_object() -> None:
    usage = disk_usage(PAYLOAD)
    assert [(i.repository, i.tag) for i in usage.images][:3] == [("127.0.0.1:5055/dtui-test/bb", "1"), ("<none>", "<none>"), ("shop/web", "2.1")]
    assert usage.images[2].unique_size == 7340032 - 1984162
    stopped = next(c for c in usage.containers if c.name == "dtui-test-df-stopped")
    assert (stopped.size_rw, stopped.local_volumes) == (120000, 0)
    running = next(c for c in usage.containers if c.name == "dtui-test-df-run")
    assert running.local_volumes == 1
    assert {v.name: (v.links, v.size) for v in usage.volumes}["nfs-share"] == (1, -1)
    # the CLI's order (docker system df -v): never used, then least recently used
    assert [b.id for b in usage.build_cache] == ["z9y8x7w6v5u4", "k1x9c0c1aq6q", "p2m3x8r4t5y6"]


def test_prune_statement_names_volumes_only_when_asked() -> None:
    plain = system_prune_statement("1.41", volumes=False)
    assert plain == [
        "all stopped containers",
        "all networks not used by at least one container",
        "all dangling images",
        "all build cache",
    ]
    assert "all volumes not used by at least one container" in system_prune_statement("1.41", volumes=True)
    # from API 1.42 the daemon prunes only anonymous volumes
    assert "all anonymous volumes not used by at least one container" in system_prune_statement("1.43", volumes=True)
