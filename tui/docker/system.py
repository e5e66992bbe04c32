"""``docker version``, ``docker info``, ``docker system df`` and ``docker
system prune``.

The df figures are computed from ``api.df()`` exactly as the docker CLI's
formatter does (cli/command/formatter/disk_usage.go), so the numbers dtui
shows are the numbers ``docker system df`` prints.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from tui.docker.models import (
    DfBuildCache,
    DfContainer,
    DfImage,
    DfVolume,
    DiskUsage,
    DiskUsageLine,
    PruneReport,
    SystemOverview,
    parse_timestamp,
)

if TYPE_CHECKING:
    import docker


def overview(api: docker.APIClient) -> SystemOverview:
    import docker as docker_py

    return SystemOverview(
        client_version=docker_py.__version__,
        client_api_version=str(api.api_version),
        version=api.version(),
        info=api.info(),
    )


# --- disk usage ----------------------------------------------------------

def _percent(part: int, whole: int) -> int | None:
    # Go's int64 division: truncation; both are non-negative here
    return (part * 100) // whole if whole > 0 else None


def _active_container(state: str) -> bool:
    return any(word in state for word in ("running", "paused", "restarting"))


def df_lines(payload: Mapping[str, Any]) -> tuple[DiskUsageLine, ...]:
    """The four lines of ``docker system df`` from an ``api.df()`` payload."""
    images = payload.get("Images") or []
    layers_size = int(payload.get("LayersSize") or 0)
    used = 0
    for image in images:
        if image.get("Containers"):
            size = int(image.get("Size", -1) if image.get("Size") is not None else -1)
            shared = int(image.get("SharedSize", -1) if image.get("SharedSize") is not None else -1)
            if size == -1 or shared == -1:
                continue
            used += size - shared
    image_reclaimable = layers_size - used
    image_line = DiskUsageLine(
        "Images",
        len(images),
        sum(1 for i in images if (i.get("Containers") or 0) > 0),
        layers_size,
        image_reclaimable,
        _percent(image_reclaimable, layers_size),
    )

    containers = payload.get("Containers") or []
    c_total = sum(int(c.get("SizeRw") or 0) for c in containers)
    c_reclaimable = sum(int(c.get("SizeRw") or 0) for c in containers if not _active_container(str(c.get("State") or "")))
    container_line = DiskUsageLine(
        "Containers",
        len(containers),
        sum(1 for c in containers if _active_container(str(c.get("State") or ""))),
        c_total,
        c_reclaimable,
        _percent(c_reclaimable, c_total),
    )

    volumes = payload.get("Volumes") or []
    v_total = v_reclaimable = v_active = 0
    for volume in volumes:
        usage = volume.get("UsageData") or {}
        size = int(usage.get("Size", -1) if usage.get("Size") is not None else -1)
        refs = int(usage.get("RefCount") or 0)
        if refs > 0:
            v_active += 1
        if size != -1:
            v_total += size
            if refs == 0:
                v_reclaimable += size
    volume_line = DiskUsageLine("Local Volumes", len(volumes), v_active, v_total, v_reclaimable, _percent(v_reclaimable, v_total))

    cache = payload.get("BuildCache") or []
    builder_size = sum(int(b.get("Size") or 0) for b in cache if not b.get("Shared"))
    in_use = sum(int(b.get("Size") or 0) for b in cache if b.get("InUse") and not b.get("Shared"))
    # the CLI prints no percentage for the build cache
    cache_line = DiskUsageLine("Build Cache", len(cache), sum(1 for b in cache if b.get("InUse")), builder_size, builder_size - in_use, None)
    return image_line, container_line, volume_line, cache_line


def _repo_tag(image: Mapping[str, Any]) -> tuple[str, str]:
    tags = [t for t in (image.get("RepoTags") or []) if t and t != "<none>:<none>"]
    if not tags:
        return "<none>", "<none>"
    repo, _, tag = tags[0].rpartition(":")
    if "/" in tag:  # a registry port, not a tag
        return tags[0], "<none>"
    return repo, tag


def disk_usage(payload: Mapping[str, Any]) -> DiskUsage:
    """Summary lines and the per-object lists of ``docker system df -v``."""
    images = []
    for image in payload.get("Images") or []:
        repo, tag = _repo_tag(image)
        images.append(
            DfImage(
                id=str(image.get("Id") or ""),
                repository=repo,
                tag=tag,
                created=int(image.get("Created") or 0),
                size=int(image.get("Size") or 0),
                shared_size=int(image.get("SharedSize") if image.get("SharedSize") is not None else -1),
                containers=int(image.get("Containers") or 0),
            )
        )
    containers = []
    for data in payload.get("Containers") or []:
        names = data.get("Names") or []
        containers.append(
            DfContainer(
                id=str(data.get("Id") or ""),
                name=names[0].lstrip("/") if names else "",
                image=str(data.get("Image") or ""),
                command=str(data.get("Command") or ""),
                local_volumes=sum(1 for m in (data.get("Mounts") or []) if m.get("Type") == "volume"),
                size_rw=int(data.get("SizeRw") or 0),
                created=int(data.get("Created") or 0),
                status=str(data.get("Status") or ""),
                state=str(data.get("State") or ""),
            )
        )
    volumes = []
    for data in payload.get("Volumes") or []:
        usage = data.get("UsageData") or {}
        volumes.append(
            DfVolume(
                name=str(data.get("Name") or ""),
                links=int(usage.get("RefCount") or 0),
                size=int(usage.get("Size") if usage.get("Size") is not None else -1),
            )
        )
    cache = [
        DfBuildCache(
            id=str(b.get("ID") or ""),
            type=str(b.get("Type") or ""),
            size=int(b.get("Size") or 0),
            created=parse_timestamp(str(b.get("CreatedAt") or "")),
            last_used=parse_timestamp(str(b.get("LastUsedAt") or "")),
            usage_count=int(b.get("UsageCount") or 0),
            in_use=bool(b.get("InUse")),
            shared=bool(b.get("Shared")),
        )
        for b in payload.get("BuildCache") or []
    ]
    # the CLI's order: never-used records first, then least recently used
    cache.sort(key=lambda b: (b.last_used != 0.0, b.last_used))
    return DiskUsage(df_lines(payload), tuple(images), tuple(containers), tuple(volumes), tuple(cache))


def fetch_disk_usage(api: docker.APIClient) -> DiskUsage:
    return disk_usage(api.df())


# --- system prune ----------------------------------------------------------

SYSTEM_PRUNE_DELETES = (
    "all stopped containers",
    "all networks not used by at least one container",
    "all dangling images",
    "all build cache",
)


def system_prune_statement(api_version: str, *, volumes: bool) -> list[str]:
    """What ``docker system prune`` will delete, worded as the CLI warns."""
    from tui.docker.volumes import prune_removes_named

    lines = list(SYSTEM_PRUNE_DELETES)
    if volumes:
        scope = "volumes" if prune_removes_named(api_version) else "anonymous volumes"
        lines.insert(2, f"all {scope} not used by at least one container")
    return lines


@dataclass(frozen=True)
class SystemPruneResult:
    reports: tuple[PruneReport, ...]

    @property
    def reclaimed(self) -> int:
        return sum(r.reclaimed for r in self.reports)

    def count(self, kind: str) -> int:
        return sum(len(r.deleted) for r in self.reports if r.kind == kind)


def system_prune(api: docker.APIClient, *, volumes: bool = False, label: str | None = None) -> SystemPruneResult:
    """``docker system prune [--volumes]``, in the CLI's order.

    ``label`` ("key=value") limits every step to objects carrying it. The
    build cache carries no labels to scope it by, so with a label the build
    cache is left alone.
    """
    from tui.docker.networks import prune_networks
    from tui.docker.volumes import prune_volumes

    filters = {"label": label} if label else None
    reports: list[PruneReport] = []
    result = api.prune_containers(filters=filters)
    reports.append(PruneReport("containers", tuple(result.get("ContainersDeleted") or ()), int(result.get("SpaceReclaimed") or 0)))
    reports.append(prune_networks(api, label))
    if volumes:
        reports.append(prune_volumes(api, label))
    result = api.prune_images(filters={**(filters or {}), "dangling": True})
    deleted = tuple(
        str(item.get("Deleted") or item.get("Untagged") or "") for item in (result.get("ImagesDeleted") or ()) if item.get("Deleted")
    )
    reports.append(PruneReport("images", deleted, int(result.get("SpaceReclaimed") or 0)))
    if label is None:
        result = api.prune_builds()
        reports.append(PruneReport("build cache", tuple(result.get("CachesDeleted") or ()), int(result.get("SpaceReclaimed") or 0)))
    return SystemPruneResult(tuple(reports))
