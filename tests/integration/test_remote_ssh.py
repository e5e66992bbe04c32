"""dtui against a daemon reached over ``ssh://``, through a real sshd on loopback."""

from __future__ import annotations

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
