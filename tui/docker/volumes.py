"""Volume operations: list (with the containers using each volume), create,
remove and prune.

Who uses a volume comes from the container list's ``Mounts`` field: one list
call for all containers, no per-container inspect.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from tui.docker.errors import InvalidInput
from tui.docker.models import PruneReport, VolumeRow, VolumeUser, parse_timestamp

if TYPE_CHECKING:
    import docker

# the daemon's own rule for local volume names (volume/local: validName)
VOLUME_NAME = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9_.-]+$")
LABEL_KEY = re.compile(r"^\S+$")


def volume_users(containers: list[Mapping[str, Any]]) -> dict[str, tuple[VolumeUser, ...]]:
    """Volume name -> the containers that mount it, from ``api.containers()``."""
    users: dict[str, list[VolumeUser]] = {}
    for data in containers:
        names = data.get("Names") or []
        name = names[0].lstrip("/") if names else str(data.get("Id", ""))[:12]
        for mount in data.get("Mounts") or []:
            if mount.get("Type") != "volume" or not mount.get("Name"):
                continue
            users.setdefault(str(mount["Name"]), []).append(
                VolumeUser(
                    id=str(data.get("Id") or ""),
                    name=name,
                    state=str(data.get("State") or ""),
                    destination=str(mount.get("Destination") or ""),
                )
            )
    return {volume: tuple(sorted(found, key=lambda u: u.name)) for volume, found in users.items()}


def volume_from_api(data: Mapping[str, Any], users: tuple[VolumeUser, ...] = ()) -> VolumeRow:
    return VolumeRow(
        name=str(data.get("Name") or ""),
        driver=str(data.get("Driver") or ""),
        mountpoint=str(data.get("Mountpoint") or ""),
        created=parse_timestamp(str(data.get("CreatedAt") or "")),
        scope=str(data.get("Scope") or ""),
        labels=tuple(sorted((str(k), str(v)) for k, v in (data.get("Labels") or {}).items())),
        users=users,
    )


def list_volumes(api: docker.APIClient) -> list[VolumeRow]:
    """``docker volume ls`` with the users of each volume (two list calls)."""
    volumes = api.volumes().get("Volumes") or []
    users = volume_users(api.containers(all=True))
    return [volume_from_api(v, users.get(str(v.get("Name") or ""), ())) for v in volumes]


def parse_labels(text: str) -> dict[str, str]:
    """``key=value`` pairs separated by commas or newlines; a bare key gets ""."""
    labels: dict[str, str] = {}
    for part in re.split(r"[,\n]", text):
        part = part.strip()
        if not part:
            continue
        key, _, value = part.partition("=")
        key = key.strip()
        if not key or not LABEL_KEY.match(key):
            raise InvalidInput(f"Label {part!r}: the key must be non-empty and contain no spaces.")
        labels[key] = value.strip()
    return labels


def validate_volume_name(name: str) -> str:
    """The name as the daemon will accept it; "" lets the daemon choose one."""
    name = name.strip()
    if name and not VOLUME_NAME.match(name):
        raise InvalidInput(
            f"Volume name {name!r} is invalid: use at least 2 characters from [a-zA-Z0-9_.-], starting with a letter or digit."
        )
    return name


def create_volume(api: docker.APIClient, name: str, driver: str = "local", labels: Mapping[str, str] | None = None) -> str:
    """``docker volume create``; returns the volume's name."""
    name = validate_volume_name(name)
    result = api.create_volume(name=name or None, driver=driver.strip() or "local", labels=dict(labels or {}) or None)
    return str(result.get("Name") or name)


def remove_volume(api: docker.APIClient, name: str, *, force: bool = False) -> None:
    """``docker volume rm [-f]``: a volume in use is refused by the daemon
    (even forced), whose message names the container."""
    api.remove_volume(name, force=force)


def prune_removes_named(api_version: str) -> bool:
    """Before API 1.42 ``volume prune`` also removes unused *named* volumes;
    from 1.42 on only anonymous ones unless ``all=true`` is passed."""
    major, _, minor = api_version.partition(".")
    try:
        return (int(major), int(minor)) < (1, 42)
    except ValueError:
        return False


def prune_candidates(volumes: list[VolumeRow], api_version: str) -> list[VolumeRow]:
    """What ``docker volume prune`` would delete now: unused local volumes
    (only anonymous ones on API >= 1.42)."""
    named_too = prune_removes_named(api_version)
    return [v for v in volumes if not v.in_use and v.driver == "local" and (named_too or v.anonymous)]


def prune_volumes(api: docker.APIClient, label: str | None = None) -> PruneReport:
    """``docker volume prune``; ``label`` ("key=value") limits it to volumes
    carrying that label (tests use this to touch only their own)."""
    filters = {"label": label} if label else None
    result = api.prune_volumes(filters=filters)
    return PruneReport("volumes", tuple(result.get("VolumesDeleted") or ()), int(result.get("SpaceReclaimed") or 0))
