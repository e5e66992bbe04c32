"""The command line's start: a local daemon's first container list is asked
over its socket directly (docker-py is not loaded for it), and the event
stream starts once that list is on screen. What the user sees must be what
docker-py's list shows, and everything after the first list must work as
it does without the direct list."""

from __future__ import annotations

import os
import socketserver
import threading
from pathlib import Path

import pytest

from tests.integration.app_driver import containers_pane, screen_text, shown_names, wait_for
from tests.integration.test_daemon_connection import SocketRelay
from tui.app import create_app
from tui.docker.client import DockerService, Endpoint, UnusableAnswer, containers_over_socket, resolve_endpoint


def _socket_path() -> str:
    return os.environ["DOCKER_HOST"].removeprefix("unix://")


def test_the_direct_list_is_docker_pys_list(docker_client, run_container):
    running = run_container(command=["sleep", "300"])
    created = run_container(start=False)
    direct = containers_over_socket(_socket_path(), 30, all=True)
    through_docker_py = docker_client.api.containers(all=True)
    assert {c["Id"] for c in direct} == {c["Id"] for c in through_docker_py} >= {running.id, created.id}
    by_id = {c["Id"]: c for c in through_docker_py}
    for item in direct:
        # Status ("Up 3 seconds") may move on between the two calls
        assert {k: v for k, v in item.items() if k != "Status"} == {k: v for k, v in by_id[item["Id"]].items() if k != "Status"}
    running_only = {c["Id"] for c in containers_over_socket(_socket_path(), 30, all=False)}
    assert running.id in running_only and created.id not in running_only


async def test_the_app_lists_at_once_then_follows_the_daemons_events(docker_client, run_container):
    first = run_container(command=["sleep", "300"])
    app = create_app(service=DockerService(resolve_endpoint(), direct_first_list=True))
    async with app.run_test(size=(120, 40)) as pilot:
        pane = containers_pane(app)
        await wait_for(pilot, lambda: first.id in pane.table.keys, what="the first list")
        await wait_for(pilot, lambda: app.connected is True, timeout=20, what="the event stream")
        # a container started now reaches the list through the daemon's events
        later = run_container(command=["sleep", "300"], name_suffix="later")
        await wait_for(pilot, lambda: later.id in pane.table.keys, timeout=15, what="the new container")
        assert later.name in shown_names(app)
        assert "connected" in screen_text(app)
        await pilot.press("q")
    assert app.return_code == 0


async def test_a_container_started_while_dtui_starts_is_not_lost(docker_client, run_container):
    service = DockerService(resolve_endpoint(), direct_first_list=True)
    # the direct list was asked for when the service was made: wait for the
    # daemon's answer, so this container is surely not in it
    service._first_list.result(timeout=30)
    late = run_container(command=["sleep", "300"], name_suffix="late")
    app = create_app(service=service)
    async with app.run_test(size=(120, 40)) as pilot:
        pane = containers_pane(app)
        await wait_for(pilot, lambda: pane._loaded, what="the first list")
        await wait_for(pilot, lambda: late.id in pane.table.keys, timeout=20, what="the container started meanwhile")


async def test_no_daemon_at_start_is_said_at_once_and_the_list_comes_when_it_appears(docker_client, run_container):
    container = run_container(command=["sleep", "300"])
    path = Path(f"/tmp/dtui-direct-{os.getpid()}.sock")
    path.unlink(missing_ok=True)
    app = create_app(service=DockerService(Endpoint(f"unix://{path}", "--host"), direct_first_list=True))
    async with app.run_test(size=(100, 30)) as pilot:
        # well within the main screen's 2 s wait for a slow daemon
        await wait_for(pilot, lambda: app.connected is False, timeout=1.5, what="disconnected state")
        text = screen_text(app)
        assert "disconnected" in text and "socket not found" in text and str(path) in text
        relay = SocketRelay(path, _socket_path())
        try:
            await wait_for(pilot, lambda: app.connected is True, timeout=15, what="reconnect")
            await wait_for(pilot, lambda: container.id in containers_pane(app).table.keys, timeout=10, what="list filled in")
        finally:
            relay.close()
            path.unlink(missing_ok=True)


class SameAnswer(socketserver.BaseRequestHandler):
    """Answers any request with the server's ``answer`` bytes."""

    def handle(self) -> None:
        self.request.recv(65536)
        self.request.sendall(self.server.answer)  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    "answer",
    [
        b"HTTP/1.0 500 Internal Server Error\r\nContent-Length: 2\r\n\r\nno",
        b"HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nOK",  # a ping without an API version
        b"HTTP/1.0 200 OK\r\nApi-Version: 1.41\r\nContent-Length: 90\r\n\r\n[{",  # cut short
        b"SSH-2.0-OpenSSH_9.2\r\n",
    ],
)
def test_an_answer_that_is_not_a_list_is_left_to_docker_py(tmp_path, answer):
    path = tmp_path / "odd.sock"
    server = socketserver.ThreadingUnixStreamServer(str(path), SameAnswer)
    server.answer = answer  # type: ignore[attr-defined]
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with pytest.raises(UnusableAnswer):
            containers_over_socket(str(path), 5, all=True)
        # the service asks docker-py then, whose error is the one shown
        service = DockerService(Endpoint(f"unix://{path}", "--host"), timeout=5, direct_first_list=True)
        with pytest.raises(Exception) as raised:
            service.api.containers(all=True)
        assert not isinstance(raised.value, UnusableAnswer)
        assert not service.direct_list_failed
    finally:
        server.shutdown()
        server.server_close()


def test_a_reconnect_after_docker_py_came_first_lists_afresh(docker_client, run_container):
    # docker-py was used before any list (another pane first, say); after the
    # daemon went away and the client was dropped, the next list must be the
    # daemon's, not the one asked for when dtui started.
    service = DockerService(resolve_endpoint(), direct_first_list=True)
    service._first_list.result(timeout=30)
    late = run_container(command=["sleep", "300"], name_suffix="after-start")
    service.client.api.ping()
    service.reset()
    assert not service.direct_list_pending
    assert late.id in {c["Id"] for c in service.api.containers(all=True)}
    service.close()
