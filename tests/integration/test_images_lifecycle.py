"""The Images pane and the image lifecycle against the private daemon and a
loopback registry, driven through the real app with the keyboard."""

from __future__ import annotations

import asyncio
import io
import time
import urllib.error
import urllib.request
import uuid
from typing import Any

import docker.errors
import pytest

from tests.helpers import BUSYBOX_IMAGE
from tests.integration.app_driver import notifications, wait_for, wait_thread
from tui.app import create_app
from tui.docker.models import ImageRow

BASE = BUSYBOX_IMAGE


# --- helpers -----------------------------------------------------------------


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


@pytest.fixture
def images(docker_client):
    """Image references a test creates; removed afterwards (only dtui-test/ ones)."""
    made: list[str] = []
    yield made
    for reference in reversed(made):
        assert "dtui-test/" in reference
        try:
            docker_client.api.remove_image(reference, force=True)
        except docker.errors.NotFound:
            pass
        except docker.errors.APIError:
            pass


@pytest.fixture
def build_image(docker_client, session_labels, images):
    """Factory: ``build_image(reference, steps)`` builds ``FROM busybox:local``
    plus ``steps`` (each RUN adds a layer) and returns the image id."""

    def build(reference: str, steps: list[str]) -> str:
        dockerfile = "\n".join([f"FROM {BASE}", *steps]) + "\n"
        image, _ = docker_client.images.build(fileobj=io.BytesIO(dockerfile.encode()), tag=reference, rm=True, forcerm=True, labels=session_labels)
        images.append(reference)
        return image.id

    return build


def history_length(client: Any, reference: str) -> int:
    return len(client.api.history(reference))


def main_screen(app: Any) -> Any:
    from tui.screens.main import MainScreen

    return next(s for s in app.screen_stack if isinstance(s, MainScreen))


def images_pane(app: Any) -> Any:
    from tui.panes.images import ImagesPane

    return main_screen(app).query_one(ImagesPane)


def containers_pane(app: Any) -> Any:
    from tui.panes.containers import ContainersPane

    return main_screen(app).query_one(ContainersPane)


async def open_images(pilot: Any, app: Any) -> Any:
    await wait_for(pilot, lambda: type(app.screen).__name__ == "MainScreen", what="main screen")
    await pilot.press("2")
    pane = images_pane(app)
    await wait_for(pilot, lambda: pane._loaded, what="the first image list")
    return pane


def row_for(pane: Any, reference: str) -> ImageRow | None:
    return next((row for row in pane.items if row.reference == reference), None)


async def select_image(pilot: Any, app: Any, reference: str) -> ImageRow:
    pane = images_pane(app)
    row = await wait_for(pilot, lambda: row_for(pane, reference), what=f"row for {reference}")
    await wait_for(pilot, lambda: row.key in pane.table.keys, what="row drawn")
    pane.table.select_key(row.key)
    pane.focus_table()
    await pilot.pause(0.05)
    assert pane.selected == row
    return row


async def select_container(pilot: Any, app: Any, container_id: str) -> None:
    await pilot.press("1")
    pane = containers_pane(app)
    await wait_for(pilot, lambda: container_id in pane.table.keys, what="container row")
    pane.table.select_key(container_id)
    pane.focus_table()
    await pilot.pause(0.05)


async def screen_of(pilot: Any, app: Any, name: str, timeout: float = 30.0) -> Any:
    """Wait until ``name`` is the active screen; forms close only once the
    daemon answered, which on a loaded machine takes a while."""
    await wait_for(pilot, lambda: type(app.screen).__name__ == name, timeout=timeout, what=name)
    return app.screen


async def fill(pilot: Any, form: Any, **values: Any) -> None:
    for key, value in values.items():
        form.set_value(key, value)
    await pilot.pause(0.05)


async def submit(pilot: Any) -> None:
    await pilot.press("ctrl+s")


async def start_pull(pilot: Any, app: Any, reference: str) -> Any:
    """``P``, type the name, enter: the pull screen."""
    await pilot.press("P")
    form = await screen_of(pilot, app, "PullForm")
    await fill(pilot, form, reference=reference)
    await pilot.press("enter")
    return await screen_of(pilot, app, "TransferScreen")


def image_exists(client: Any, reference: str) -> bool:
    try:
        client.api.inspect_image(reference)
        return True
    except docker.errors.NotFound:
        return False


# --- the pane ------------------------------------------------------------------


async def test_pane_lists_one_row_per_tag_counts_containers_and_follows_events(docker_client, images, run_container, build_image):
    repo = f"dtui-test/{unique('pane')}"
    image_id = build_image(f"{repo}:a", ["RUN echo pane > /pane"])
    images += [f"{repo}:a", f"{repo}:b"]
    app = create_app()
    async with app.run_test(size=(120, 40)) as pilot:
        pane = await open_images(pilot, app)
        await wait_for(pilot, lambda: row_for(pane, f"{repo}:a"), what="first tag")
        # a second tag made elsewhere arrives through the event stream
        await asyncio.to_thread(docker_client.api.tag, image_id, repo, "b")
        await wait_for(pilot, lambda: row_for(pane, f"{repo}:b"), timeout=10, what="second tag row")
        assert row_for(pane, f"{repo}:a").id == row_for(pane, f"{repo}:b").id == image_id
        assert row_for(pane, f"{repo}:a").containers == 0

        container = await asyncio.to_thread(run_container, f"{repo}:a", ["sleep", "300"])
        await wait_for(pilot, lambda: row_for(pane, f"{repo}:a").containers == 1, timeout=10, what="usage count from a container create")
        await asyncio.to_thread(container.remove, force=True)
        await wait_for(pilot, lambda: row_for(pane, f"{repo}:a").containers == 0, timeout=10, what="usage count after destroy")

        # the filter narrows to this repository; sort cycles through size and created
        await pilot.press("slash")
        for ch in repo:
            await pilot.press(ch)
        await wait_for(pilot, lambda: len(pane._visible) == 2, what="filtered rows")
        await pilot.press("enter")
        assert {r.tag for r in pane._visible} == {"a", "b"}
        await pilot.press("o")
        assert "sort: size" in pane.status_summary()
        await pilot.press("o")
        assert "sort: created" in pane.status_summary()


async def test_dangling_images_are_dim_and_prune_reports_reclaimed_space(docker_client, images, build_image):
    repo = f"dtui-test/{unique('dangle')}"
    first = build_image(f"{repo}:1", [f"RUN echo {uuid.uuid4().hex} > /a"])
    # building the same tag again leaves the first image untagged: dangling
    build_image(f"{repo}:1", [f"RUN echo {uuid.uuid4().hex} > /b"])
    app = create_app()
    async with app.run_test(size=(120, 40)) as pilot:
        pane = await open_images(pilot, app)
        dangling = await wait_for(pilot, lambda: next((r for r in pane.items if r.id == first), None), what="dangling row")
        assert dangling.dangling and dangling.repository == "<none>"
        cell = pane.cell(dangling, "repository")
        assert "dim" in str(cell.style)
        pane.focus_table()
        await pilot.press("x")
        await screen_of(pilot, app, "ConfirmScreen")
        await pilot.press("y")
        await wait_thread(lambda: not image_exists(docker_client, first), what="dangling image pruned")
        await wait_for(pilot, lambda: any("reclaimed" in n for n in notifications(app)), what="reclaimed message")
        await wait_for(pilot, lambda: all(r.id != first for r in pane.items), what="row gone")


# --- pull / push ----------------------------------------------------------------


async def test_push_then_pull_show_per_layer_progress(docker_client, images, registry, build_image):
    name = unique("pp")
    reference = f"{registry}/dtui-test/{name}:1"
    build_image(reference, ["RUN head -c 400000 /dev/urandom > /blob1", "RUN head -c 300000 /dev/urandom > /blob2"])
    layers = history_length(docker_client, reference)
    app = create_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await open_images(pilot, app)
        await select_image(pilot, app, reference)
        await pilot.press("U")
        form = await screen_of(pilot, app, "PushForm")
        assert form.value("reference") == reference
        await pilot.press("enter")
        push = await screen_of(pilot, app, "TransferScreen")
        await wait_for(pilot, lambda: push.outcome, timeout=60, what="push finished")
        assert push.outcome == "done", push.error
        assert push.snapshot is not None and len(push.snapshot.layers) >= 2
        assert all(layer.done for layer in push.snapshot.layers)
        with urllib.request.urlopen(f"http://{registry}/v2/dtui-test/{name}/tags/list", timeout=5) as response:
            assert b'"1"' in response.read()
        await pilot.press("escape")
        await screen_of(pilot, app, "MainScreen")

        await asyncio.to_thread(docker_client.api.remove_image, reference)
        await wait_for(pilot, lambda: row_for(images_pane(app), reference) is None, timeout=10, what="row removed")
        pull = await start_pull(pilot, app, reference)
        await wait_for(pilot, lambda: pull.outcome, timeout=60, what="pull finished")
        assert pull.outcome == "done", pull.error
        assert len(pull.snapshot.layers) >= 2  # the two layers the base image lacks
        assert all(layer.status == "Pull complete" or layer.done for layer in pull.snapshot.layers)
        assert pull.snapshot.fraction == 1.0
        assert history_length(docker_client, reference) == layers
        await pilot.press("escape")
        await wait_for(pilot, lambda: row_for(images_pane(app), reference), timeout=10, what="pulled image listed")


@pytest.fixture
def auth_registry(tmp_path):
    """A loopback registry that wants a user and password (htpasswd)."""
    import shutil
    import socket
    import subprocess

    import bcrypt

    binary = shutil.which("docker-registry")
    if binary is None:
        pytest.fail("docker-registry is not installed; run the suite through scripts/test", pytrace=False)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    (tmp_path / "htpasswd").write_bytes(b"dtui:" + bcrypt.hashpw(b"s3cret-pw", bcrypt.gensalt()) + b"\n")
    (tmp_path / "registry.yml").write_text(
        "version: 0.1\n"
        f"storage:\n  filesystem:\n    rootdirectory: {tmp_path / 'data'}\n"
        f"http:\n  addr: 127.0.0.1:{port}\n"
        f"auth:\n  htpasswd:\n    realm: dtui-test\n    path: {tmp_path / 'htpasswd'}\n"
    )
    process = subprocess.Popen([binary, "serve", str(tmp_path / "registry.yml")], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/v2/", timeout=1)
            except urllib.error.HTTPError:  # 401: up, and asking for credentials
                break
            except OSError:
                if time.monotonic() > deadline:
                    pytest.fail("the authenticated registry did not start", pytrace=False)
                time.sleep(0.1)
        yield f"127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=10)


async def test_push_uses_the_credentials_of_the_docker_config(docker_client, build_image, auth_registry, tmp_path, monkeypatch):
    import base64
    import json

    reference = f"{auth_registry}/dtui-test/{unique('auth')}:1"
    build_image(reference, [f"RUN echo {uuid.uuid4().hex} > /secret-layer"])
    config_dir = tmp_path / "docker-config"
    config_dir.mkdir()
    monkeypatch.setenv("DOCKER_CONFIG", str(config_dir))
    app = create_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await open_images(pilot, app)
        await select_image(pilot, app, reference)
        # not logged in: the registry refuses, and the screen says what to do
        await pilot.press("U")
        await screen_of(pilot, app, "PushForm")
        await pilot.press("enter")
        push = await screen_of(pilot, app, "TransferScreen")
        await wait_for(pilot, lambda: push.outcome, timeout=30, what="refused push")
        assert push.outcome == "failed"
        assert push.error.startswith("Authentication required (docker login"), push.error
        await pilot.press("escape")

        # `docker login` writes this; dtui reads it at the moment of the push
        token = base64.b64encode(b"dtui:s3cret-pw").decode()
        (config_dir / "config.json").write_text(json.dumps({"auths": {auth_registry: {"auth": token}}}))
        await pilot.press("U")
        await screen_of(pilot, app, "PushForm")
        await pilot.press("enter")
        push = await screen_of(pilot, app, "TransferScreen")
        await wait_for(pilot, lambda: push.outcome, timeout=60, what="push with credentials")
        assert push.outcome == "done", push.error
    request = urllib.request.Request(f"http://{reference.split('/', 1)[0]}/v2/{reference.split('/', 1)[1].rsplit(':', 1)[0]}/tags/list")
    request.add_header("Authorization", f"Basic {token}")
    with urllib.request.urlopen(request, timeout=5) as response:
        assert b'"1"' in response.read()


async def test_pull_errors_are_shown_plainly(registry):
    app = create_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await open_images(pilot, app)
        pull = await start_pull(pilot, app, f"{registry}/dtui-test/{unique('missing')}:1")
        await wait_for(pilot, lambda: pull.outcome, timeout=30, what="pull failed")
        assert pull.outcome == "failed"
        assert "not found" in pull.error or "unknown" in pull.error
        await pilot.press("escape")

        # a registry that is not there: refused at once, said so
        pull = await start_pull(pilot, app, "127.0.0.1:9/dtui-test/nothing:1")
        await wait_for(pilot, lambda: pull.outcome, timeout=30, what="unreachable registry")
        assert pull.error.startswith("Registry unreachable") and "connection refused" in pull.error

        # a bad name never reaches the daemon
        await pilot.press("escape")
        await pilot.press("P")
        form = await screen_of(pilot, app, "PullForm")
        await fill(pilot, form, reference="Not/Valid:-x")
        await pilot.press("enter")
        await pilot.pause(0.1)
        assert app.screen is form
        assert "Invalid tag" in form.error_text


async def test_escape_cancels_a_pull_and_closes_its_stream(registry):
    """A pull from a registry that accepts the connection but never answers:
    escape must return at once and the worker must end."""
    import socket
    import threading

    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(5)
    port = server.getsockname()[1]
    accepted: list[socket.socket] = []
    def accept() -> None:
        try:
            while True:
                accepted.append(server.accept()[0])
        except OSError:  # the server socket closed at the end of the test
            pass

    threading.Thread(target=accept, daemon=True).start()
    try:
        app = create_app()
        async with app.run_test(size=(120, 40)) as pilot:
            await open_images(pilot, app)
            pull = await start_pull(pilot, app, f"127.0.0.1:{port}/dtui-test/hang:1")
            await wait_for(pilot, lambda: accepted, timeout=10, what="the daemon to reach the silent registry")
            started = time.monotonic()
            await pilot.press("escape")
            await screen_of(pilot, app, "MainScreen")
            assert pull.control.cancelled
            await wait_for(pilot, lambda: not [w for w in app.workers if w.name == "transfer" and w.is_running], timeout=10, what="transfer worker ended")
            assert time.monotonic() - started < 10  # the registry never answers
    finally:
        for conn in accepted:
            conn.close()
        server.close()


# --- build ------------------------------------------------------------------------


async def test_build_streams_output_and_names_the_failing_step(docker_client, images, tmp_path):
    context = tmp_path / "ctx"
    context.mkdir()
    (context / "hello.txt").write_text("from the context\n")
    (context / "build.Dockerfile").write_text(f"FROM {BASE}\nARG GREETING=none\nCOPY hello.txt /hello.txt\nRUN echo \"greeting=$GREETING\" > /greeting && cat /greeting\n")
    reference = f"dtui-test/{unique('build')}:1"
    images.append(reference)
    app = create_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await open_images(pilot, app)
        await pilot.press("b")
        form = await screen_of(pilot, app, "BuildForm")
        await fill(pilot, form, context=str(context), dockerfile="build.Dockerfile", tag=reference, build_args="GREETING=hi there")
        await submit(pilot)
        build = await screen_of(pilot, app, "BuildScreen")
        await wait_for(pilot, lambda: build.outcome is not None or build.error, timeout=60, what="build finished")
        assert build.outcome is not None and not build.outcome.error, build.error
        log_text = "\n".join(line.text for line in build.query_one("#build-log").lines)
        assert "Step 4/4" in log_text and "greeting=hi there" in log_text
        assert image_exists(docker_client, reference)
        await pilot.press("escape")

        (context / "Dockerfile").write_text(f"FROM {BASE}\nRUN echo before\nRUN exit 7\nRUN echo never\n")
        await pilot.press("b")
        form = await screen_of(pilot, app, "BuildForm")
        await fill(pilot, form, context=str(context), dockerfile="Dockerfile", tag=f"dtui-test/{unique('broken')}:1")
        await submit(pilot)
        build = await screen_of(pilot, app, "BuildScreen")
        await wait_for(pilot, lambda: build.error, timeout=60, what="build failure")
        assert build.outcome.step == "Step 3/4 : RUN exit 7"
        status = str(build.query_one("#build-status").content)
        assert "Build failed at Step 3/4 : RUN exit 7" in status
        assert "non-zero code: 7" in status


async def test_escape_stops_a_running_build(docker_client, tmp_path):
    (tmp_path / "Dockerfile").write_text(f"FROM {BASE}\nRUN echo started && sleep 60\n")
    reference = f"dtui-test/{unique('slow')}:1"
    app = create_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await open_images(pilot, app)
        await pilot.press("b")
        form = await screen_of(pilot, app, "BuildForm")
        await fill(pilot, form, context=str(tmp_path), tag=reference)
        await submit(pilot)
        build = await screen_of(pilot, app, "BuildScreen")
        log = build.query_one("#build-log")
        await wait_for(pilot, lambda: any("started" in line.text for line in log.lines), timeout=30, what="the slow step running")
        started = time.monotonic()
        await pilot.press("escape")
        await screen_of(pilot, app, "MainScreen")
        await wait_for(pilot, lambda: not [w for w in app.workers if w.name == "build" and w.is_running], timeout=10, what="build worker ended")
        assert time.monotonic() - started < 10  # the step itself sleeps 60 s
        assert any("Build cancelled" in n for n in notifications(app))
    # the daemon dropped the build with the connection: the step's container
    # is stopped and removed, and no image is tagged
    def step_container_gone() -> bool:
        return not [c for c in docker_client.api.containers(all=True) if "sleep 60" in c["Command"]]

    await wait_thread(step_container_gone, timeout=20, what="the build step's container removed")
    assert not image_exists(docker_client, reference)


async def test_build_form_rejects_a_missing_context_and_keeps_values(tmp_path):
    app = create_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await open_images(pilot, app)
        await pilot.press("b")
        form = await screen_of(pilot, app, "BuildForm")
        await fill(pilot, form, context=str(tmp_path / "nope"), tag="dtui-test/x:1", build_args="A=1")
        await submit(pilot)
        await pilot.pause(0.1)
        assert app.screen is form
        assert "is not a folder" in form.error_text
        assert form.value("tag") == "dtui-test/x:1" and form.value("build_args") == "A=1"


# --- commit, tag, run --------------------------------------------------------------


async def test_commit_then_run_the_committed_image(docker_client, images, run_container, unique_name):
    source = run_container(command=["sh", "-c", "echo committed-marker > /marker; sleep 300"])
    await wait_thread(lambda: docker_client.api.inspect_container(source.id)["State"]["Running"], what="source running")
    reference = f"dtui-test/{unique('commit')}:v1"
    images.append(reference)
    runner = unique_name("run")  # removed by name at teardown
    app = create_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: containers_pane(app)._loaded, what="containers")
        await select_container(pilot, app, source.id)
        await pilot.press("c")
        form = await screen_of(pilot, app, "CommitForm")
        await fill(pilot, form, reference=reference, message="add marker", author="dtui tests")
        await submit(pilot)
        await screen_of(pilot, app, "MainScreen")
        committed = docker_client.api.inspect_image(reference)
        assert committed["Comment"] == "add marker" and committed["Author"] == "dtui tests"

        await open_images(pilot, app)
        await select_image(pilot, app, reference)
        await pilot.press("n")
        form = await screen_of(pilot, app, "RunForm")
        await fill(pilot, form, name=runner, command="cat /marker")
        await submit(pilot)
        await screen_of(pilot, app, "MainScreen")
        await wait_thread(lambda: docker_client.api.inspect_container(runner)["State"]["Status"] == "exited", timeout=30, what="runner exited")
        assert docker_client.api.logs(runner).decode().strip() == "committed-marker"
        assert docker_client.api.inspect_container(runner)["Config"]["Image"] == reference


async def test_commit_form_validates_the_reference_before_the_daemon(docker_client, run_container):
    source = run_container(command=["sleep", "300"])
    before = {image.id for image in docker_client.images.list(all=True)}
    app = create_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: containers_pane(app)._loaded, what="containers")
        await select_container(pilot, app, source.id)
        await pilot.press("c")
        form = await screen_of(pilot, app, "CommitForm")
        for bad, message in [("", "Enter an image reference"), ("Dtui-Test/App:1", "must be lowercase"), ("dtui-test/app:-1", "Invalid tag"), ("dtui-test/app@sha256:" + "a" * 64, "digest")]:
            await fill(pilot, form, reference=bad, message="keep me", author="me too")
            await submit(pilot)
            await pilot.pause(0.1)
            assert app.screen is form
            assert message in form.error_text, (bad, form.error_text)
            assert (form.value("reference"), form.value("message"), form.value("author")) == (bad, "keep me", "me too")
    assert {image.id for image in docker_client.images.list(all=True)} == before


async def test_tag_adds_a_name(docker_client, images, build_image):
    reference = f"dtui-test/{unique('tag')}:src"
    build_image(reference, [f"RUN echo {uuid.uuid4().hex} > /t"])
    target = reference.replace(":src", ":extra")
    images += [reference, target]
    app = create_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await open_images(pilot, app)
        await select_image(pilot, app, reference)
        await pilot.press("t")
        form = await screen_of(pilot, app, "TagForm")
        await fill(pilot, form, reference="NOT OK")
        await submit(pilot)
        await pilot.pause(0.1)
        assert "spaces are not allowed" in form.error_text
        await fill(pilot, form, reference=target)
        await submit(pilot)
        await screen_of(pilot, app, "MainScreen")
        assert docker_client.api.inspect_image(target)["Id"] == docker_client.api.inspect_image(reference)["Id"]
        await wait_for(pilot, lambda: row_for(images_pane(app), target), timeout=10, what="new tag row")


async def test_removing_an_image_in_use_says_why(docker_client, images, run_container, build_image):
    reference = f"dtui-test/{unique('inuse')}:1"
    build_image(reference, [f"RUN echo {uuid.uuid4().hex} > /u"])
    run_container(image=reference, command=["sleep", "300"])
    app = create_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await open_images(pilot, app)
        row = await select_image(pilot, app, reference)
        await wait_for(pilot, lambda: row_for(images_pane(app), reference).containers == 1, what="usage count")
        await pilot.press("d")
        confirm = await screen_of(pilot, app, "ConfirmScreen")
        assert "Used by 1 container" in str(confirm.query_one("#confirm-body").content)
        await pilot.press("y")
        message = await wait_for(pilot, lambda: next((n for n in notifications(app) if "conflict" in n), None), timeout=10, what="conflict error")
        assert "is using its referenced image" in message or "being used by running container" in message
        assert image_exists(docker_client, reference)
        assert row.id == docker_client.api.inspect_image(reference)["Id"]


async def test_run_with_ports_env_and_restart_policy_as_inspect_shows(docker_client, unique_name):
    name = unique_name("run")  # removed by name at teardown, with its volume
    app = create_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await open_images(pilot, app)
        await select_image(pilot, app, BASE)
        await pilot.press("n")
        form = await screen_of(pilot, app, "RunForm")
        # typed key by key into the first field, the rest filled
        for ch in name:
            await pilot.press(ch)
        await fill(
            pilot,
            form,
            command="sleep 300",
            restart="on-failure:3",
            ports="127.0.0.1::80, 127.0.0.1::53/udp",
            env="GREETING=hello world, MODE=test\nLIST=a,b",
            volumes=f"{name}-data:/data:ro",
        )
        await submit(pilot)
        await screen_of(pilot, app, "MainScreen")
        data = await asyncio.to_thread(docker_client.api.inspect_container, name)
        assert data["State"]["Running"]
        assert data["HostConfig"]["RestartPolicy"] == {"Name": "on-failure", "MaximumRetryCount": 3}
        assert set(data["HostConfig"]["PortBindings"]) == {"80/tcp", "53/udp"}
        assert data["HostConfig"]["PortBindings"]["80/tcp"][0]["HostIp"] == "127.0.0.1"
        assert data["NetworkSettings"]["Ports"]["80/tcp"][0]["HostPort"]  # the daemon chose one
        assert {"GREETING=hello world", "MODE=test", "LIST=a,b"} <= set(data["Config"]["Env"])
        assert data["Config"]["Cmd"] == ["sleep", "300"]
        mount = next(m for m in data["Mounts"] if m["Destination"] == "/data")
        assert mount["Name"] == f"{name}-data" and mount["RW"] is False
    await asyncio.to_thread(docker_client.api.remove_container, name, force=True, v=True)
    try:
        docker_client.api.remove_volume(f"{name}-data")
    except docker.errors.APIError:
        pass


async def test_run_then_attach_hands_the_new_container_to_the_terminal(docker_client, unique_name):
    name = unique_name("attach")
    app = create_app()
    opened: list[tuple[str, str]] = []
    app.open_terminal = lambda row, mode: opened.append((row.name, mode))  # the terminal view is another screen's job
    async with app.run_test(size=(120, 40)) as pilot:
        await open_images(pilot, app)
        await select_image(pilot, app, BASE)
        await pilot.press("n")
        form = await screen_of(pilot, app, "RunForm")
        await fill(pilot, form, name=name, interactive=True, attach=True)
        await submit(pilot)
        await wait_for(pilot, lambda: opened, timeout=10, what="terminal opened")
        assert opened == [(name, "attach")]
        data = await asyncio.to_thread(docker_client.api.inspect_container, name)
        assert data["Config"]["Tty"] and data["Config"]["OpenStdin"] and data["State"]["Running"]


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("ports", "80000:80", "outside 1-65535"),
        ("ports", "8080:80/icmp", "protocol must be tcp, udp or sctp"),
        ("restart", "sometimes", "Invalid restart policy"),
        ("env", "1BAD=x", "Invalid environment variable name"),
        ("volumes", "data:relative/path", "must be absolute"),
        ("name", "bad name", "Invalid container name"),
        ("command", "sh -c 'unclosed", "check the quotes"),
    ],
)
async def test_run_form_bad_input_shows_an_error_and_keeps_every_value(docker_client, field, value, message):
    before = {c["Id"] for c in docker_client.api.containers(all=True)}
    app = create_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await open_images(pilot, app)
        await select_image(pilot, app, BASE)
        await pilot.press("n")
        form = await screen_of(pilot, app, "RunForm")
        values = {"name": "dtui-test-kept", "command": "sleep 1", "restart": "always", "ports": "8080:80", "env": "A=1", "volumes": "/tmp:/host-tmp", "network": "bridge"}
        values[field] = value
        await fill(pilot, form, **values)
        await submit(pilot)
        await pilot.pause(0.2)
        assert app.screen is form
        assert message in form.error_text
        assert {key: form.value(key) for key in values} == values
        assert app.focused is form.query_one(f"#f-{field}")  # the cursor goes to the bad field
    assert {c["Id"] for c in docker_client.api.containers(all=True)} == before


async def test_run_form_name_in_use_is_the_daemons_409_and_nothing_is_lost(docker_client, run_container):
    existing = run_container(command=["sleep", "300"])
    app = create_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await open_images(pilot, app)
        await select_image(pilot, app, BASE)
        await pilot.press("n")
        form = await screen_of(pilot, app, "RunForm")
        await fill(pilot, form, name=existing.name, command="sleep 5", env="A=1", ports="127.0.0.1::80")
        await submit(pilot)
        await wait_for(pilot, lambda: form.error_text, timeout=10, what="daemon error in the form")
        assert app.screen is form
        assert "is already in use" in form.error_text and "409" in form.error_text
        assert (form.value("name"), form.value("command"), form.value("env"), form.value("ports")) == (existing.name, "sleep 5", "A=1", "127.0.0.1::80")
        assert not form.busy  # can be corrected and sent again


# --- save/load, export/import ------------------------------------------------------


async def test_save_then_load_keeps_every_layer(docker_client, images, tmp_path, build_image):
    reference = f"dtui-test/{unique('saved')}:1"
    build_image(reference, [f"RUN echo {uuid.uuid4().hex} > /one", "RUN echo two > /two", "ENV LAYERED=yes"])
    layers = history_length(docker_client, reference)
    assert layers >= 4
    tar = tmp_path / "saved.tar"
    app = create_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await open_images(pilot, app)
        await select_image(pilot, app, reference)
        await pilot.press("w")
        form = await screen_of(pilot, app, "SaveForm")
        assert "keeps every layer" in str(form.query_one(".form-note").content)
        await fill(pilot, form, path=str(tar))
        await submit(pilot)
        await screen_of(pilot, app, "MainScreen")
        assert tar.stat().st_size > 0
        assert any("Saved" in n and str(tar) in n for n in notifications(app))

        await asyncio.to_thread(docker_client.api.remove_image, reference)
        await pilot.press("L")
        form = await screen_of(pilot, app, "LoadForm")
        await fill(pilot, form, path=str(tar))
        await submit(pilot)
        await screen_of(pilot, app, "MainScreen")
        loaded = await wait_for(pilot, lambda: [n for n in notifications(app) if "Loaded" in n], what="the load's notification")
        assert any(reference in n for n in loaded), (loaded, notifications(app))
        assert history_length(docker_client, reference) == layers


async def test_export_then_import_flattens_to_one_layer(docker_client, images, run_container, tmp_path, build_image, session_labels):
    source_ref = f"dtui-test/{unique('layered')}:1"
    build_image(source_ref, ["RUN echo one > /one", "RUN echo two > /two"])
    container = run_container(image=source_ref, command=["sleep", "300"])
    tar = tmp_path / "rootfs.tar"
    imported = f"dtui-test/{unique('imported')}:flat"
    images.append(imported)
    app = create_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: containers_pane(app)._loaded, what="containers")
        await select_container(pilot, app, container.id)
        await pilot.press("X")
        form = await screen_of(pilot, app, "ExportForm")
        assert "history and layers are lost" in str(form.query_one(".form-note").content)
        await fill(pilot, form, path=str(tar))
        await submit(pilot)
        await screen_of(pilot, app, "MainScreen")
        assert tar.stat().st_size > 1_000_000  # busybox and friends

        await open_images(pilot, app)
        await pilot.press("I")
        form = await screen_of(pilot, app, "ImportForm")
        await fill(pilot, form, path=str(tar), reference=imported)
        await submit(pilot)
        await screen_of(pilot, app, "MainScreen")
    assert history_length(docker_client, source_ref) >= 3
    assert history_length(docker_client, imported) == 1
    run = await asyncio.to_thread(docker_client.containers.run, imported, ["cat", "/two"], remove=True, labels=session_labels)
    assert run.decode().strip() == "two"


async def test_save_form_errors_stay_in_the_form(tmp_path):
    app = create_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await open_images(pilot, app)
        await select_image(pilot, app, BASE)
        await pilot.press("w")
        form = await screen_of(pilot, app, "SaveForm")
        await fill(pilot, form, path=str(tmp_path / "no" / "such" / "dir.tar"))
        await submit(pilot)
        await wait_for(pilot, lambda: form.error_text, what="error")
        assert "does not exist" in form.error_text
        await fill(pilot, form, images="dtui-test/never-existed:1", path=str(tmp_path / "x.tar"))
        await submit(pilot)
        await wait_for(pilot, lambda: "reference does not exist" in form.error_text, what="daemon error")
        assert not (tmp_path / "x.tar").exists() and not (tmp_path / "x.tar.part").exists()


# --- history and search --------------------------------------------------------------


async def test_history_lists_the_layers(docker_client, images, build_image):
    reference = f"dtui-test/{unique('hist')}:1"
    build_image(reference, ["RUN echo layer-one > /one", "LABEL purpose=history"])
    app = create_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await open_images(pilot, app)
        await select_image(pilot, app, reference)
        await pilot.press("enter")
        screen = await screen_of(pilot, app, "ImageHistoryScreen")
        await wait_for(pilot, lambda: screen.image_layers, what="layers")
        assert len(screen.image_layers) == history_length(docker_client, reference)
        table = screen.query_one("#history-table")
        created_by = [str(table.get_row_at(i)[2]) for i in range(table.row_count)]
        assert any(line.startswith("LABEL purpose=history") for line in created_by[:2])
        assert "RUN echo layer-one > /one" in created_by
        await pilot.press("escape")
        await screen_of(pilot, app, "MainScreen")


async def test_search_offline_says_the_registry_is_unreachable():
    app = create_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await open_images(pilot, app)
        await pilot.press("S")
        screen = await screen_of(pilot, app, "ImageSearchScreen")
        for ch in "busybox":
            await pilot.press(ch)
        started = time.monotonic()
        await pilot.press("enter")
        await wait_for(pilot, lambda: screen.message.startswith("Registry unreachable"), timeout=20, what="offline message")
        assert time.monotonic() - started < 15
        assert not screen.results
