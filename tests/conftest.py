"""Fixtures shared by the whole suite.

Integration tests run against the private Docker daemon that scripts/test
starts (DOCKER_HOST, DTUI_TEST_DAEMON=1, DTUI_TEST_REGISTRY). Run by hand
without it they are skipped; with DTUI_TEST_DAEMON=1 and no reachable daemon
they are errors, so CI can never pass by skipping them.

Everything a test creates carries the label ``dtui.test=<session token>`` and a
``dtui-test-<token>-`` name; teardown removes exactly that.
"""

from __future__ import annotations

import functools
import itertools
import os
import secrets
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from tests.helpers import BUSYBOX_IMAGE, NAME_PREFIX, TEST_LABEL

if TYPE_CHECKING:
    import docker
    from docker.models.containers import Container
    from docker.models.networks import Network
    from docker.models.volumes import Volume

INTEGRATION_DIR = Path(__file__).parent / "integration"
DAEMON_FIXTURES = {"docker_client", "run_container", "busybox_image", "registry", "create_volume", "create_network"}
SYSTEM_SOCKETS = {"unix:///var/run/docker.sock", "unix:///run/docker.sock"}
HOW_TO_RUN = "run it through scripts/test, which starts a private daemon"


def _daemon_requested() -> bool:
    return os.environ.get("DTUI_TEST_DAEMON") == "1"


@functools.cache
def _daemon_problem() -> str | None:
    """Why the private daemon cannot be used, or None. Checked once per session."""
    host = os.environ.get("DOCKER_HOST", "")
    if not host:
        return "DTUI_TEST_DAEMON=1 but DOCKER_HOST is unset; " + HOW_TO_RUN
    if host in SYSTEM_SOCKETS:
        return f"refusing to test against the system daemon at {host}; " + HOW_TO_RUN
    import docker

    try:
        client = docker.DockerClient(base_url=host, timeout=10)
        try:
            client.ping()
        finally:
            client.close()
    except Exception as exc:  # any failure here means the suite cannot run
        return f"DTUI_TEST_DAEMON=1 but the daemon at {host} is unreachable: {exc}"
    return None


def _require_daemon() -> None:
    if not _daemon_requested():
        pytest.skip("needs the private Docker daemon; " + HOW_TO_RUN)
    problem = _daemon_problem()
    if problem:
        pytest.fail(problem, pytrace=False)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "daemon: needs the private Docker daemon (DOCKER_HOST set by scripts/test)")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        in_integration = INTEGRATION_DIR in item.path.parents
        if in_integration or DAEMON_FIXTURES.intersection(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.daemon)


def pytest_runtest_setup(item: pytest.Item) -> None:
    if item.get_closest_marker("daemon") is not None:
        _require_daemon()


# --- naming and labels ------------------------------------------------------


@pytest.fixture(scope="session")
def session_token() -> str:
    """Unique to this pytest run; the value of every ``dtui.test`` label it sets.
    Short, so that test names fit the NAME column at 80 columns."""
    return secrets.token_hex(2)


@pytest.fixture(scope="session")
def session_labels(session_token: str) -> dict[str, str]:
    """The labels to put on anything a test creates without the factories
    below (a built image, an object made through the app)."""
    return {TEST_LABEL: session_token}


@pytest.fixture(scope="session")
def unique_name(session_token: str) -> Callable[..., str]:
    """``unique_name()`` -> ``dtui-test-<token>-<n>``; ``unique_name("v")`` ->
    ``dtui-test-<token>-v<n>``. Objects named this way are removed at the end
    of the session even without a label (e.g. ones the app itself created)."""
    counter = itertools.count(1)

    def make(kind: str = "") -> str:
        return f"{NAME_PREFIX}{session_token}-{kind}{_base36(next(counter))}"

    return make


def _base36(number: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    text = ""
    while True:
        number, digit = divmod(number, 36)
        text = digits[digit] + text
        if not number:
            return text


# --- the daemon --------------------------------------------------------------


def remove_test_objects(client: docker.DockerClient, token: str) -> None:
    """Remove (forced, with volumes) every container, network, volume and
    image of the session ``token``: labelled ``dtui.test=<token>`` or named
    ``dtui-test-<token>-...``; images also by a ``dtui-test`` repository."""
    import docker.errors

    label = {"label": f"{TEST_LABEL}={token}"}
    prefix = f"{NAME_PREFIX}{token}-"

    def ours(objects: list[Any], by_name: list[Any], name: Callable[[Any], str]) -> list[Any]:
        found = {o.id: o for o in objects}
        found.update({o.id: o for o in by_name if name(o).startswith(prefix)})
        return list(found.values())

    def ignore_gone(action: Callable[[], object]) -> None:
        try:
            action()
        except docker.errors.NotFound:
            pass

    containers = ours(
        client.containers.list(all=True, filters=label),
        client.containers.list(all=True, filters={"name": prefix}),
        lambda c: c.name,
    )
    for container in containers:
        ignore_gone(functools.partial(container.remove, force=True, v=True))
    networks = ours(client.networks.list(filters=label), client.networks.list(names=[prefix]), lambda n: n.name)
    for network in networks:
        ignore_gone(network.remove)
    volumes = ours(client.volumes.list(filters=label), client.volumes.list(filters={"name": prefix}), lambda v: v.name)
    for volume in volumes:
        ignore_gone(functools.partial(volume.remove, force=True))
    for image in client.images.list(filters=label):
        ignore_gone(functools.partial(client.images.remove, image.id, force=True))
    for image in client.images.list():
        for tag in image.tags:
            if _repository_path(tag).startswith("dtui-test"):
                ignore_gone(functools.partial(client.images.remove, tag, force=True))


def _repository_path(reference: str) -> str:
    """``127.0.0.1:5000/dtui-test/bb:1`` -> ``dtui-test/bb``."""
    repository = reference.rsplit("@", 1)[0]
    if ":" in repository.rsplit("/", 1)[-1]:
        repository = repository.rsplit(":", 1)[0]
    first, _, rest = repository.partition("/")
    if rest and ("." in first or ":" in first or first == "localhost"):
        return rest
    return repository


@pytest.fixture(scope="session")
def docker_client(session_token: str) -> Iterator[docker.DockerClient]:
    """docker-py client for the private daemon; at the end of the session it
    removes everything this session created."""
    _require_daemon()
    import docker

    client = docker.DockerClient(base_url=os.environ["DOCKER_HOST"], timeout=60)
    try:
        yield client
    finally:
        try:
            remove_test_objects(client, session_token)
        finally:
            client.close()


@pytest.fixture(scope="session")
def busybox_image(docker_client: docker.DockerClient) -> str:
    """``busybox:local``, present in the private daemon."""
    import docker.errors

    try:
        docker_client.images.get(BUSYBOX_IMAGE)
    except docker.errors.ImageNotFound:
        pytest.fail(f"{BUSYBOX_IMAGE} is missing from the daemon; " + HOW_TO_RUN, pytrace=False)
    return BUSYBOX_IMAGE


@pytest.fixture(scope="session")
def registry() -> str:
    """``127.0.0.1:PORT`` of the loopback registry (push/pull without TLS)."""
    _require_daemon()
    address = os.environ.get("DTUI_TEST_REGISTRY", "")
    if not address:
        pytest.fail("DTUI_TEST_DAEMON=1 but DTUI_TEST_REGISTRY is unset; " + HOW_TO_RUN, pytrace=False)
    return address


def _with_label(labels: dict[str, str] | list[str] | None, token: str) -> dict[str, str]:
    merged = dict.fromkeys(labels, "") if isinstance(labels, list) else dict(labels or {})
    merged[TEST_LABEL] = token
    return merged


def _test_name(name: str | None, suffix: str | None, token: str, unique_name: Callable[..., str], kind: str) -> str:
    """A full ``name`` must already be a test name; a ``suffix`` gives
    ``dtui-test-<token>-<suffix>``; neither gives a fresh unique name."""
    if name is not None:
        if not name.startswith(NAME_PREFIX):
            raise ValueError(f"test object names start with {NAME_PREFIX!r} (use name_suffix): {name!r}")
        return name
    if suffix is not None:
        return f"{NAME_PREFIX}{token}-{suffix}"
    return unique_name(kind)


def _remove_all(objects: list[Any], remove: Callable[[Any], object]) -> None:
    import docker.errors

    for obj in reversed(objects):
        try:
            remove(obj)
        except docker.errors.NotFound:
            pass
        except docker.errors.APIError as exc:
            # A removal already under way (the test removed it) is not a failure.
            if exc.status_code != 409:
                raise


@pytest.fixture
def create_volume(
    docker_client: docker.DockerClient, session_token: str, unique_name: Callable[..., str]
) -> Iterator[Callable[..., Volume]]:
    """Factory: ``create_volume(name_suffix=None, **kwargs)`` -> Volume with the
    session label, named ``dtui-test-<token>-<suffix>`` (or a unique name);
    removed when the test ends."""
    created: list[Volume] = []

    def create(name_suffix: str | None = None, *, name: str | None = None, **kwargs: Any) -> Volume:
        kwargs["labels"] = _with_label(kwargs.get("labels"), session_token)
        volume = docker_client.volumes.create(name=_test_name(name, name_suffix, session_token, unique_name, "v"), **kwargs)
        created.append(volume)
        return volume

    yield create
    _remove_all(created, lambda volume: volume.remove(force=True))


@pytest.fixture
def create_network(
    docker_client: docker.DockerClient, session_token: str, unique_name: Callable[..., str]
) -> Iterator[Callable[..., Network]]:
    """Factory: ``create_network(name_suffix=None, **kwargs)`` -> Network with
    the session label, named like create_volume's; removed when the test ends
    (containers still attached are disconnected first)."""
    created: list[Network] = []

    def create(name_suffix: str | None = None, *, name: str | None = None, **kwargs: Any) -> Network:
        kwargs["labels"] = _with_label(kwargs.get("labels"), session_token)
        network = docker_client.networks.create(_test_name(name, name_suffix, session_token, unique_name, "n"), **kwargs)
        created.append(network)
        return network

    def remove(network: Network) -> None:
        network.reload()
        for container in network.containers:
            network.disconnect(container, force=True)
        network.remove()

    yield create
    _remove_all(created, remove)


@pytest.fixture
def run_container(
    docker_client: docker.DockerClient,
    session_token: str,
    unique_name: Callable[..., str],
    create_volume: Callable[..., Volume],
    create_network: Callable[..., Network],
) -> Iterator[Callable[..., Container]]:
    """Factory: ``run_container(image="busybox:local", command=None, *,
    start=True, name_suffix=None, **kwargs)`` -> docker-py Container, always
    detached.

    Adds the session label and a ``dtui-test-<token>-<suffix or n>`` name;
    ``start=False`` only creates it. Other kwargs go to ``containers.run`` /
    ``create``. The test's containers are force-removed with their anonymous
    volumes when it ends, before its volumes and networks (hence the
    dependency on those factories).
    """
    created: list[Container] = []

    def run(
        image: str = BUSYBOX_IMAGE,
        command: str | list[str] | None = None,
        *,
        start: bool = True,
        name_suffix: str | None = None,
        **kwargs: Any,
    ) -> Container:
        kwargs["labels"] = _with_label(kwargs.get("labels"), session_token)
        kwargs["name"] = _test_name(kwargs.get("name"), name_suffix, session_token, unique_name, "")
        kwargs.pop("detach", None)
        if start:
            container = docker_client.containers.run(image, command, detach=True, **kwargs)
        else:
            container = docker_client.containers.create(image, command, **kwargs)
        created.append(container)
        return container

    yield run
    _remove_all(created, lambda container: container.remove(force=True, v=True))
