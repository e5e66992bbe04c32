"""The private daemon and the shared fixtures do what the rest of the suite
relies on: labelled, named test objects, a runnable busybox image, published
ports and container networking, a loopback registry, and teardown that removes
only the session's own objects."""

from __future__ import annotations

import os
import shutil
import subprocess
import urllib.request

import docker.errors
import pytest

from tests.conftest import SYSTEM_SOCKETS, remove_test_objects
from tests.helpers import NAME_PREFIX, TEST_LABEL, wait_until


def test_daemon_is_private(docker_client) -> None:
    assert os.environ["DOCKER_HOST"] not in SYSTEM_SOCKETS
    daemon_dir = os.environ.get("DTUI_DAEMON_DIR")
    if daemon_dir:
        assert docker_client.info()["DockerRootDir"].startswith(daemon_dir)


def test_run_container_is_labelled_named_and_listed(run_container, session_token) -> None:
    container = run_container(command=["sleep", "30"])
    assert container.name.startswith(f"{NAME_PREFIX}{session_token}-")
    container.reload()
    assert container.labels[TEST_LABEL] == session_token
    assert container.status == "running"
    docker_cli = shutil.which("docker")
    if docker_cli is None:
        pytest.skip("no docker CLI to compare with")
    listed = subprocess.run(
        [docker_cli, "ps", "-a", "--filter", f"label={TEST_LABEL}={session_token}", "--format", "{{.Names}}"],
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
    ).stdout.split()
    assert container.name in listed


def test_test_names_carry_the_prefix(run_container, session_token) -> None:
    assert run_container(command=["true"], start=False, name_suffix="probe").name == f"{NAME_PREFIX}{session_token}-probe"
    with pytest.raises(ValueError):
        run_container(command=["true"], start=False, name="not-a-test-name")


def test_busybox_image_runs_echo(run_container, busybox_image) -> None:
    container = run_container(busybox_image, ["echo", "hello from busybox"])
    assert container.wait(timeout=30)["StatusCode"] == 0
    assert container.logs() == b"hello from busybox\n"


def test_published_port_on_loopback_and_container_to_container(run_container, create_network) -> None:
    network = create_network()
    serve = "mkdir -p /www && echo served-by-$(hostname) > /www/index.html && exec httpd -f -p 8080 -h /www"
    server = run_container(
        command=["sh", "-c", serve],
        hostname="web",
        network=network.name,
        ports={"8080/tcp": ("127.0.0.1", None)},
    )

    def host_port() -> str | None:
        server.reload()
        bindings = server.attrs["NetworkSettings"]["Ports"].get("8080/tcp")
        return bindings[0]["HostPort"] if bindings else None

    port = wait_until(host_port, what="a published port")

    def fetch() -> bytes | None:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/index.html", timeout=2) as response:
                return response.read()
        except OSError:
            return None

    assert wait_until(fetch, what="the published port to answer") == b"served-by-web\n"

    # No -T: busybox-static 1.35's wget segfaults with it; wait() bounds the time.
    client = run_container(command=["wget", "-q", "-O", "-", f"http://{server.name}:8080/index.html"], network=network.name)
    assert client.wait(timeout=30)["StatusCode"] == 0
    assert client.logs() == b"served-by-web\n"


def test_registry_push_pull_round_trip(docker_client, busybox_image, registry) -> None:
    repository = f"{registry}/dtui-test/bb"
    original = docker_client.images.get(busybox_image)
    assert original.tag(repository, "1")
    for line in docker_client.api.push(repository, "1", stream=True, decode=True):
        assert "error" not in line, line
    docker_client.images.remove(f"{repository}:1")
    with pytest.raises(docker.errors.ImageNotFound):
        docker_client.images.get(f"{repository}:1")
    pulled = docker_client.images.pull(repository, tag="1")
    assert pulled.id == original.id
    assert any(digest.startswith(f"{repository}@sha256:") for digest in pulled.attrs["RepoDigests"])


def test_teardown_removes_a_sessions_objects_and_nothing_else(docker_client, busybox_image, session_token, run_container) -> None:
    other = f"{session_token}x"
    label = {TEST_LABEL: other}
    kept = run_container(command=["sleep", "30"])
    labelled = docker_client.containers.create(busybox_image, ["true"], labels=label)
    named = docker_client.containers.create(busybox_image, ["true"], name=f"{NAME_PREFIX}{other}-c-1")
    volume = docker_client.volumes.create(labels=label)
    network = docker_client.networks.create(f"{NAME_PREFIX}{other}-n-1")
    docker_client.images.get(busybox_image).tag("dtui-test-teardown/bb", "1")

    remove_test_objects(docker_client, other)

    for gone in (labelled, named, volume, network):
        with pytest.raises(docker.errors.NotFound):
            gone.reload()
    with pytest.raises(docker.errors.ImageNotFound):
        docker_client.images.get("dtui-test-teardown/bb:1")
    kept.reload()
    assert kept.status == "running"
    assert docker_client.images.get(busybox_image)
