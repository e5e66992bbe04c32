"""The Networks pane against the private daemon: create through the form,
connect and disconnect a container (the daemon agrees, the address is
shown), remove, predefined networks refused, prune."""

from __future__ import annotations

import ipaddress
import random

import docker
import docker.errors

from tests.integration.app_driver import (
    notifications,
    screen_text,
    wait_for,
    wait_thread,
)
from tui.app import create_app
from tui.docker import networks as network_ops
from tui.panes.networks import NetworksPane


def _free_subnet(client: docker.DockerClient) -> ipaddress.IPv4Network:
    taken = [
        ipaddress.ip_network(config["Subnet"])
        for network in client.api.networks()
        for config in ((network.get("IPAM") or {}).get("Config") or [])
        if config.get("Subnet")
    ]
    while True:
        candidate = ipaddress.ip_network(f"10.{random.randint(100, 250)}.{random.randint(0, 255)}.0/24")
        if not any(candidate.overlaps(other) for other in taken):
            return candidate


def _network(client: docker.DockerClient, name: str) -> dict | None:
    try:
        return client.api.inspect_network(name)
    except docker.errors.NotFound:
        return None


def _pane(app) -> NetworksPane:
    return app.screen.query_one(NetworksPane)


async def _open(pilot, app) -> NetworksPane:
    await pilot.press("4")
    pane = _pane(app)
    await wait_for(pilot, lambda: pane._loaded, what="the first network list")
    return pane


def _key_of(pane: NetworksPane, name: str) -> str | None:
    return next((key for key, row in pane._by_key.items() if row.name == name), None)


async def _select(pilot, pane: NetworksPane, name: str) -> None:
    await wait_for(pilot, lambda: _key_of(pane, name), what=f"row of {name}")
    pane.table.select_key(_key_of(pane, name))
    pane.focus_table()
    await pilot.pause(0.05)
    assert pane.selected.name == name


async def test_create_connect_disconnect_remove_through_the_ui(docker_client, run_container, create_network, unique_name):
    client = docker_client
    name = unique_name("n")
    subnet = _free_subnet(client)
    gateway = str(subnet.network_address + 1)
    # the container lives on a network of its own first, so it does not
    # depend on the daemon's default bridge
    home = create_network("home")
    container = run_container(command=["sleep", "300"], network=home.name)
    app = create_app()
    async with app.run_test(size=(120, 40)) as pilot:
        pane = await _open(pilot, app)

        await pilot.press("n")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "NetworkCreateScreen", what="create form")
        await pilot.press(*name, "enter", "enter", *str(subnet), "enter", *gateway, "enter", "space", "enter")
        created = await wait_thread(lambda: _network(client, name), what="network on the daemon")
        assert created["Driver"] == "bridge"
        assert created["Internal"] is True
        assert created["IPAM"]["Config"] == [{"Subnet": str(subnet), "Gateway": gateway}]
        await wait_for(pilot, lambda: _key_of(pane, name), what="new row")
        assert str(subnet) in screen_text(app)

        await _select(pilot, pane, name)
        await pilot.press("c")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "ContainerPickScreen", what="container picker")
        await pilot.press(*container.name, "enter")
        endpoint = await wait_thread(
            lambda: (_network(client, name)["Containers"] or {}).get(container.id), what="container connected on the daemon"
        )
        address = endpoint["IPv4Address"].split("/")[0]
        assert ipaddress.ip_address(address) in subnet
        await wait_for(pilot, lambda: f"{container.name} {address}" in screen_text(app), what="container and its address shown")

        await pilot.press("C")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "ContainerPickScreen", what="disconnect picker")
        await pilot.press("enter")
        await wait_thread(lambda: not (_network(client, name)["Containers"] or {}), what="container disconnected on the daemon")
        await wait_for(pilot, lambda: not pane._by_key[_key_of(pane, name)].endpoints, what="row without the container")
        assert container.name in [c.name for c in client.networks.get(home.id).containers]

        await pilot.press("d")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "ConfirmScreen", what="remove confirmation")
        await pilot.press("y")
        await wait_thread(lambda: _network(client, name) is None, what="network removed on the daemon")
        await wait_for(pilot, lambda: _key_of(pane, name) is None, what="row gone")


async def test_predefined_networks_are_refused_clearly(docker_client):
    client = docker_client
    app = create_app()
    async with app.run_test(size=(80, 24)) as pilot:
        pane = await _open(pilot, app)
        for name in ("bridge", "host", "none"):
            await _select(pilot, pane, name)
            await pilot.press("d")
            refusal = f"{name} is a predefined network"
            await wait_for(pilot, lambda refusal=refusal: any(refusal in n for n in notifications(app)), what=f"{name} refused")
            assert type(app.screen).__name__ == "MainScreen"
        assert _network(client, "bridge") is not None


async def test_invalid_cidr_is_refused_in_the_form(docker_client, unique_name):
    client = docker_client
    name = unique_name("n")
    app = create_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await _open(pilot, app)
        await pilot.press("n")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "NetworkCreateScreen", what="create form")
        await pilot.press(*name, "enter", "enter", *"10.1.2.0/33", "ctrl+s")
        await wait_for(pilot, lambda: "not a CIDR network" in screen_text(app), what="CIDR message")
        # a gateway outside the subnet is refused as well
        subnet_field = app.screen.query_one("#network-subnet")
        subnet_field.value = "10.1.2.0/24"
        app.screen.query_one("#network-gateway").value = "10.1.3.1"
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: "not a usable address" in screen_text(app), what="gateway message")
        assert type(app.screen).__name__ == "NetworkCreateScreen"
        assert _network(client, name) is None


async def test_prune_removes_unused_networks_only(docker_client, run_container, create_network, session_token, monkeypatch):
    client = docker_client
    # the UI prunes every unused network; on a shared daemon the test scopes
    # the same call to its own label
    real_prune = network_ops.prune_networks
    monkeypatch.setattr(network_ops, "prune_networks", lambda api, *_: real_prune(api, f"dtui.test={session_token}"))
    unused = create_network("unused")
    used = create_network("used")
    run_container(command=["sleep", "300"], network=used.name)
    app = create_app()
    async with app.run_test(size=(120, 40)) as pilot:
        pane = await _open(pilot, app)
        await wait_for(pilot, lambda: _key_of(pane, used.name) and pane._by_key[_key_of(pane, used.name)].endpoints, what="used network row")
        await pilot.press("x")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "ConfirmScreen", what="prune confirmation")
        text = screen_text(app)
        assert "not used by at least one container" in text
        assert unused.name in text and used.name not in text
        await pilot.press("y")
        await wait_thread(lambda: _network(client, unused.name) is None, what="unused network pruned")
        await wait_for(pilot, lambda: any(unused.name in n for n in notifications(app)), what="pruned network reported")
        assert _network(client, used.name) is not None
