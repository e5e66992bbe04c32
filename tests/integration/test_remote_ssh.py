"""dtui against a daemon reached over ``ssh://``, through a real sshd on loopback."""

from __future__ import annotations

import json
import os

import pytest

from tests.integration.app_driver import containers_pane, wait_for
from tests.integration.sshd import start_sshd
from tui.app import create_app


@pytest.fixture(scope="module")
def ssh_server(tmp_path_factory):
    server = start_sshd(tmp_path_factory.mktemp("sshd"), os.environ["DOCKER_HOST"])
    yield server
    server.process.terminate()
    server.process.wait(timeout=10)


@pytest.fixture
def ssh_path(ssh_server, monkeypatch):
    monkeypatch.setenv("PATH", f"{ssh_server.bin_dir}:{os.environ['PATH']}")
    return ssh_server


async def test_lists_containers_over_ssh(docker_client, run_container, ssh_path):
    container = run_container(command=["sleep", "300"])
    app = create_app(host=ssh_path.url)
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for(pilot, lambda: app.connected is True, timeout=20, what="ssh connection")
        await wait_for(pilot, lambda: container.id in containers_pane(app).table.keys, timeout=20, what="container over ssh")
        assert app.endpoint.host.startswith("ssh://")


async def test_stats_over_ssh_come_from_the_api_for_the_rows_on_screen(docker_client, run_container, ssh_path):
    burner = run_container(command=["sh", "-c", "while :; do :; done"], name_suffix="a-burn")
    idle = [run_container(command=["sleep", "300"], name_suffix=f"idle{n:02d}") for n in range(10)]
    app = create_app(host=ssh_path.url)
    # a short screen: the stats table shows only a few of the running containers
    async with app.run_test(size=(120, 16)) as pilot:
        from tui.panes.stats import StatsPane

        await wait_for(pilot, lambda: app.connected is True, timeout=20, what="ssh connection")
        await pilot.press("6")
        pane = app.screen.query_one(StatsPane)
        await wait_for(pilot, lambda: len(pane.items) >= 11, timeout=20, what="the running containers")
        await wait_for(
            pilot,
            lambda: any(s.cpu_percent is not None for s in app.stats_feed.latest.values()),
            timeout=30,
            what="CPU figures over ssh",
        )
        assert app.stats_feed.source == "api"
        assert "from the API (rows on screen)" in pane.status_summary()
        visible = pane.table.size.height
        sampled = set(app.stats_feed.latest)
        # only what the table can show was asked for, never every container
        assert 0 < len(sampled) <= visible < len(pane.items), (len(sampled), visible, len(pane.items))
        # the rows on screen are the ones sampled
        on_screen = set(pane.table.keys[int(pane.table.scroll_y) : int(pane.table.scroll_y) + visible])
        assert sampled <= on_screen | {burner.id} | {c.id for c in idle}
        assert on_screen & sampled


#: a fresh interpreter, as dtui starts: a local daemon first (docker-py is
#: loaded without its ssh transport then), then an ssh:// one, as a switch to
#: an ssh context does
LOCAL_THEN_SSH = """
import json, os, sys
from tui.docker.client import DockerService, Endpoint
local = DockerService(Endpoint(os.environ["DOCKER_HOST"], "DOCKER_HOST"))
ssh = DockerService(Endpoint(sys.argv[1], "context remote", "remote"))
print(json.dumps([sorted(c["Id"] for c in service.api.containers(all=True)) for service in (local, ssh)]))
"""


def test_an_ssh_host_after_a_local_one_in_a_fresh_process(docker_client, run_container, ssh_path):
    import subprocess
    import sys

    container = run_container(command=["sleep", "300"])
    done = subprocess.run(
        [sys.executable, "-c", LOCAL_THEN_SSH, ssh_path.url], capture_output=True, text=True, timeout=60, env=os.environ.copy()
    )
    assert done.returncode == 0, done.stderr
    local_ids, ssh_ids = json.loads(done.stdout)
    # other tests may add containers between the two lists
    assert container.id in local_ids and container.id in ssh_ids
