"""Network operations: list (with attached containers and their addresses),
create, remove, connect, disconnect and prune.

The network list endpoint leaves out the attached containers, so each network
is inspected once per refresh; hosts have few networks, and refreshes are
driven by ``network`` events only.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING

from tui.docker.errors import InvalidInput
from tui.docker.models import NetworkRow, PruneReport

if TYPE_CHECKING:
    import docker

DRIVERS = ("bridge", "overlay", "macvlan")
PREDEFINED = ("bridge", "host", "none")
NETWORK_NAME = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9_.-]*$")


def list_networks(api: docker.APIClient) -> list[NetworkRow]:
    rows: list[NetworkRow] = []
    for summary in api.networks():
        try:
            data = api.inspect_network(summary["Id"])
        except Exception as exc:
            # removed between the list and the inspect: it is gone anyway
            if getattr(getattr(exc, "response", None), "status_code", None) == 404:
                continue
            raise
        rows.append(NetworkRow.from_inspect(data))
    return rows


def validate_network(name: str, driver: str, subnet: str, gateway: str) -> tuple[str, str, str, str]:
    """Check a create request before it reaches the daemon; returns the
    cleaned (name, driver, subnet, gateway)."""
    name, driver, subnet, gateway = name.strip(), driver.strip(), subnet.strip(), gateway.strip()
    if not name:
        raise InvalidInput("A network needs a name.")
    if not NETWORK_NAME.match(name):
        raise InvalidInput(f"Network name {name!r} is invalid: use letters, digits and _.- , starting with a letter or digit.")
    if name in PREDEFINED:
        raise InvalidInput(f"{name!r} is the name of a predefined network.")
    if driver not in DRIVERS:
        raise InvalidInput(f"Driver must be one of {', '.join(DRIVERS)}.")
    network = None
    if subnet:
        try:
            network = ipaddress.ip_network(subnet, strict=True)
        except ValueError:
            raise InvalidInput(f"Subnet {subnet!r} is not a CIDR network like 172.28.0.0/16.") from None
        subnet = str(network)
    if gateway:
        if network is None:
            raise InvalidInput("A gateway needs a subnet.")
        try:
            address = ipaddress.ip_address(gateway)
        except ValueError:
            raise InvalidInput(f"Gateway {gateway!r} is not an IP address.") from None
        if address not in network or address in (network.network_address, network.broadcast_address) and network.num_addresses > 2:
            raise InvalidInput(f"Gateway {gateway} is not a usable address of {subnet}.")
        gateway = str(address)
    return name, driver, subnet, gateway


def create_network(
    api: docker.APIClient,
    name: str,
    driver: str = "bridge",
    subnet: str = "",
    gateway: str = "",
    internal: bool = False,
    labels: Mapping[str, str] | None = None,
) -> str:
    """``docker network create``; returns the new network's id."""
    from docker.types import IPAMConfig, IPAMPool

    name, driver, subnet, gateway = validate_network(name, driver, subnet, gateway)
    ipam = IPAMConfig(pool_configs=[IPAMPool(subnet=subnet, gateway=gateway or None)]) if subnet else None
    result = api.create_network(
        name,
        driver=driver,
        ipam=ipam,
        internal=internal,
        labels=dict(labels or {}) or None,
        check_duplicate=True,
        attachable=True if driver == "overlay" else None,
    )
    return str(result.get("Id") or "")


def remove_network(api: docker.APIClient, row: NetworkRow) -> None:
    if row.predefined:
        raise InvalidInput(f"{row.name} is a predefined network of the daemon and cannot be removed.")
    api.remove_network(row.id)


def connect(api: docker.APIClient, network_id: str, container_id: str) -> None:
    api.connect_container_to_network(container_id, network_id)


def disconnect(api: docker.APIClient, network_id: str, container_id: str) -> None:
    api.disconnect_container_from_network(container_id, network_id)


def prune_candidates(networks: list[NetworkRow]) -> list[NetworkRow]:
    """What ``docker network prune`` deletes: networks no container uses,
    except the predefined ones."""
    return [n for n in networks if not n.endpoints and not n.predefined]


def prune_networks(api: docker.APIClient, label: str | None = None) -> PruneReport:
    """``docker network prune``; ``label`` ("key=value") limits it."""
    filters = {"label": label} if label else None
    result = api.prune_networks(filters=filters)
    return PruneReport("networks", tuple(result.get("NetworksDeleted") or ()), 0)
