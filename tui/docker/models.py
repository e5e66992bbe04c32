"""Plain, frozen data objects built from the daemon's JSON.

Nothing here talks to the daemon or knows how things are displayed; the
constructors only pick fields out of API payloads.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

COMPOSE_PROJECT_LABEL = "com.docker.compose.project"


@dataclass(frozen=True)
class PortMapping:
    private_port: int
    type: str = "tcp"
    public_port: int | None = None
    ip: str = ""


@dataclass(frozen=True)
class ContainerRow:
    """One line of ``docker ps -a``, from the low-level list API (no inspect)."""

    id: str
    name: str
    image: str
    image_id: str
    command: str
    created: int
    state: str
    status: str
    ports: tuple[PortMapping, ...] = ()
    labels: tuple[tuple[str, str], ...] = ()

    @property
    def short_id(self) -> str:
        return self.id[:12]

    @property
    def compose_project(self) -> str:
        return dict(self.labels).get(COMPOSE_PROJECT_LABEL, "")

    @property
    def is_running(self) -> bool:
        return self.state in ("running", "restarting")

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> ContainerRow:
        names = data.get("Names") or []
        name = names[0].lstrip("/") if names else str(data.get("Id", ""))[:12]
        ports = tuple(
            PortMapping(
                private_port=int(p.get("PrivatePort") or 0),
                type=str(p.get("Type") or "tcp"),
                public_port=int(p["PublicPort"]) if p.get("PublicPort") else None,
                ip=str(p.get("IP") or ""),
            )
            for p in (data.get("Ports") or [])
        )
        labels = tuple(sorted((str(k), str(v)) for k, v in (data.get("Labels") or {}).items()))
        return cls(
            id=str(data.get("Id", "")),
            name=name,
            image=str(data.get("Image") or ""),
            image_id=str(data.get("ImageID") or ""),
            command=str(data.get("Command") or ""),
            created=int(data.get("Created") or 0),
            state=str(data.get("State") or "unknown"),
            status=str(data.get("Status") or ""),
            ports=ports,
            labels=labels,
        )


@dataclass(frozen=True)
class MountInfo:
    type: str
    source: str
    destination: str
    mode: str
    rw: bool


@dataclass(frozen=True)
class NetworkAttachment:
    network: str
    ip_address: str
    gateway: str
    mac_address: str
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class ContainerDetails:
    """What the details screen shows, derived from one inspect payload."""

    id: str
    name: str
    image: str
    state: str
    status_detail: str
    exit_code: int | None
    error: str
    started_at: str
    finished_at: str
    pid: int
    restart_policy: str
    restart_count: int
    command: str
    entrypoint: str
    working_dir: str
    user: str
    tty: bool
    open_stdin: bool
    health: str
    health_log: tuple[str, ...]
    ports: tuple[tuple[str, str], ...]
    mounts: tuple[MountInfo, ...]
    networks: tuple[NetworkAttachment, ...]
    labels: tuple[tuple[str, str], ...]
    env: tuple[tuple[str, str], ...]
    created: str = ""
    raw: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def from_inspect(cls, data: Mapping[str, Any]) -> ContainerDetails:
        state = data.get("State") or {}
        config = data.get("Config") or {}
        host_config = data.get("HostConfig") or {}
        restart = host_config.get("RestartPolicy") or {}
        policy = str(restart.get("Name") or "no")
        if policy == "on-failure" and restart.get("MaximumRetryCount"):
            policy = f"on-failure:{restart['MaximumRetryCount']}"
        health = state.get("Health") or {}
        health_log = tuple(
            f"{entry.get('ExitCode')}: {str(entry.get('Output') or '').strip()}"
            for entry in (health.get("Log") or [])[-5:]
        )
        ports: list[tuple[str, str]] = []
        for container_port, bindings in sorted(((data.get("NetworkSettings") or {}).get("Ports") or {}).items()):
            if not bindings:
                ports.append((container_port, ""))
            for binding in bindings or []:
                ports.append((container_port, f"{binding.get('HostIp') or '0.0.0.0'}:{binding.get('HostPort')}"))
        mounts = tuple(
            MountInfo(
                type=str(m.get("Type") or ""),
                source=str(m.get("Name") or m.get("Source") or ""),
                destination=str(m.get("Destination") or ""),
                mode=str(m.get("Mode") or ""),
                rw=bool(m.get("RW", True)),
            )
            for m in (data.get("Mounts") or [])
        )
        networks = tuple(
            NetworkAttachment(
                network=str(name),
                ip_address=str(net.get("IPAddress") or ""),
                gateway=str(net.get("Gateway") or ""),
                mac_address=str(net.get("MacAddress") or ""),
                aliases=tuple(net.get("Aliases") or ()),
            )
            for name, net in sorted(((data.get("NetworkSettings") or {}).get("Networks") or {}).items())
        )
        env = []
        for item in config.get("Env") or []:
            key, _, value = str(item).partition("=")
            env.append((key, value))
        running = bool(state.get("Running"))
        return cls(
            id=str(data.get("Id", "")),
            name=str(data.get("Name", "")).lstrip("/"),
            image=str(config.get("Image") or data.get("Image") or ""),
            state=str(state.get("Status") or "unknown"),
            status_detail="OOM killed" if state.get("OOMKilled") else "",
            exit_code=None if running else (int(state["ExitCode"]) if state.get("ExitCode") is not None else None),
            error=str(state.get("Error") or ""),
            started_at=str(state.get("StartedAt") or ""),
            finished_at=str(state.get("FinishedAt") or ""),
            pid=int(state.get("Pid") or 0),
            restart_policy=policy,
            restart_count=int(data.get("RestartCount") or 0),
            command=" ".join(str(c) for c in (config.get("Cmd") or [])),
            entrypoint=" ".join(str(c) for c in (config.get("Entrypoint") or [])),
            working_dir=str(config.get("WorkingDir") or ""),
            user=str(config.get("User") or ""),
            tty=bool(config.get("Tty")),
            open_stdin=bool(config.get("OpenStdin")),
            health=str(health.get("Status") or ""),
            health_log=health_log,
            ports=tuple(ports),
            mounts=mounts,
            networks=networks,
            labels=tuple(sorted((str(k), str(v)) for k, v in (config.get("Labels") or {}).items())),
            env=tuple(env),
            created=str(data.get("Created") or ""),
            raw=data,
        )


def parse_timestamp(text: str) -> float:
    """An RFC 3339 time from the daemon ("2026-11-29T06:33:12.231236445Z") as
    epoch seconds; 0.0 when absent or unreadable."""
    from datetime import datetime

    if not text:
        return 0.0
    text = text.strip()
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    main, _, rest = text.partition(".")
    if rest:
        # Python reads at most microseconds; the daemon sends nanoseconds
        digits = "".join(ch for ch in rest if ch.isdigit())
        zone = rest[len(digits):]
        text = f"{main}.{digits[:6]}{zone}"
    try:
        return datetime.fromisoformat(text).timestamp()
    except ValueError:
        return 0.0


@dataclass(frozen=True)
class VolumeUser:
    """A container that mounts a volume."""

    id: str
    name: str
    state: str
    destination: str


@dataclass(frozen=True)
class VolumeRow:
    """One line of ``docker volume ls`` plus who uses the volume."""

    name: str
    driver: str
    mountpoint: str
    created: float
    scope: str
    labels: tuple[tuple[str, str], ...] = ()
    users: tuple[VolumeUser, ...] = ()

    @property
    def in_use(self) -> bool:
        return bool(self.users)

    @property
    def anonymous(self) -> bool:
        """Named by the daemon (64 hex digits), not by a user."""
        return len(self.name) == 64 and all(ch in "0123456789abcdef" for ch in self.name)


@dataclass(frozen=True)
class NetworkEndpoint:
    """A container attached to a network."""

    container_id: str
    name: str
    ipv4: str
    ipv6: str
    mac: str


@dataclass(frozen=True)
class NetworkRow:
    """One network with its IPAM settings and attached containers."""

    id: str
    name: str
    driver: str
    scope: str
    subnets: tuple[str, ...]
    gateways: tuple[str, ...]
    internal: bool
    created: float
    labels: tuple[tuple[str, str], ...] = ()
    endpoints: tuple[NetworkEndpoint, ...] = ()

    @property
    def short_id(self) -> str:
        return self.id[:12]

    @property
    def predefined(self) -> bool:
        """The daemon's own networks, which cannot be removed."""
        return self.name in ("bridge", "host", "none") or self.driver in ("host", "null")

    @classmethod
    def from_inspect(cls, data: Mapping[str, Any]) -> NetworkRow:
        config = ((data.get("IPAM") or {}).get("Config")) or []
        endpoints = tuple(
            sorted(
                (
                    NetworkEndpoint(
                        container_id=str(cid),
                        name=str(ep.get("Name") or cid[:12]),
                        ipv4=str(ep.get("IPv4Address") or ""),
                        ipv6=str(ep.get("IPv6Address") or ""),
                        mac=str(ep.get("MacAddress") or ""),
                    )
                    for cid, ep in (data.get("Containers") or {}).items()
                ),
                key=lambda e: e.name,
            )
        )
        return cls(
            id=str(data.get("Id") or ""),
            name=str(data.get("Name") or ""),
            driver=str(data.get("Driver") or ""),
            scope=str(data.get("Scope") or ""),
            subnets=tuple(str(c["Subnet"]) for c in config if c.get("Subnet")),
            gateways=tuple(str(c["Gateway"]) for c in config if c.get("Gateway")),
            internal=bool(data.get("Internal")),
            created=parse_timestamp(str(data.get("Created") or "")),
            labels=tuple(sorted((str(k), str(v)) for k, v in (data.get("Labels") or {}).items())),
            endpoints=endpoints,
        )


@dataclass(frozen=True)
class PruneReport:
    """What one prune call deleted and the space it gave back."""

    kind: str
    deleted: tuple[str, ...]
    reclaimed: int


@dataclass(frozen=True)
class DiskUsageLine:
    """One line of ``docker system df``, as numbers; ``percent`` is None
    where the CLI prints no percentage."""

    type: str
    total: int
    active: int
    size: int
    reclaimable: int
    percent: int | None


@dataclass(frozen=True)
class DfImage:
    id: str
    repository: str
    tag: str
    created: int
    size: int
    shared_size: int
    containers: int

    @property
    def unique_size(self) -> int:
        return self.size - self.shared_size if self.shared_size >= 0 else self.size


@dataclass(frozen=True)
class DfContainer:
    id: str
    name: str
    image: str
    command: str
    local_volumes: int
    size_rw: int
    created: int
    status: str
    state: str


@dataclass(frozen=True)
class DfVolume:
    name: str
    links: int
    size: int


@dataclass(frozen=True)
class DfBuildCache:
    id: str
    type: str
    size: int
    created: float
    last_used: float
    usage_count: int
    in_use: bool
    shared: bool


@dataclass(frozen=True)
class DiskUsage:
    """``docker system df`` and ``docker system df -v`` in one object."""

    lines: tuple[DiskUsageLine, ...]
    images: tuple[DfImage, ...] = ()
    containers: tuple[DfContainer, ...] = ()
    volumes: tuple[DfVolume, ...] = ()
    build_cache: tuple[DfBuildCache, ...] = ()


@dataclass(frozen=True)
class SystemOverview:
    """``docker version`` and ``docker info``, the fields dtui shows."""

    client_version: str
    client_api_version: str
    version: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)
    info: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)


# --- images --------------------------------------------------------------

NONE_TAG = "<none>"


@dataclass(frozen=True)
class ImageRow:
    """One line of ``docker images``: an image under one of its repo:tag
    names (an untagged, dangling image appears once as ``<none>:<none>``)."""

    id: str
    repository: str
    tag: str
    created: int
    size: int
    containers: int = 0
    digests: tuple[str, ...] = ()

    @property
    def short_id(self) -> str:
        return self.id.split(":", 1)[-1][:12]

    @property
    def dangling(self) -> bool:
        return self.repository == NONE_TAG and self.tag == NONE_TAG

    @property
    def reference(self) -> str:
        """What to hand the daemon: ``repo:tag``, or the id when untagged."""
        if self.repository == NONE_TAG:
            return self.id
        if self.tag == NONE_TAG:
            # pulled by digest only: repo@sha256:...
            digest = next((d for d in self.digests if d.startswith(self.repository + "@")), "")
            return digest or self.id
        return f"{self.repository}:{self.tag}"

    @property
    def key(self) -> str:
        return f"{self.id}|{self.repository}:{self.tag}"


@dataclass(frozen=True)
class ImageLayer:
    """One line of ``docker history``."""

    id: str
    created: int
    created_by: str
    size: int
    comment: str
    tags: tuple[str, ...] = ()


@dataclass(frozen=True)
class SearchResult:
    """One line of ``docker search``."""

    name: str
    description: str
    stars: int
    official: bool
    automated: bool = False


@dataclass(frozen=True)
class LayerProgress:
    """Where one layer of a pull or push stands."""

    id: str
    status: str
    current: int = 0
    total: int = 0

    @property
    def done(self) -> bool:
        return self.status in LAYER_DONE_STATES or self.status.startswith(("Already exists", "Layer already exists", "Mounted from"))


LAYER_DONE_STATES = frozenset({"Pull complete", "Already exists", "Pushed", "Layer already exists", "Download complete"})


@dataclass(frozen=True)
class PortBinding:
    """One ``-p`` publication: container port/protocol to host ip:port.
    An empty host port lets the daemon choose one."""

    container_port: int
    protocol: str = "tcp"
    host_ip: str = ""
    host_port: str = ""


@dataclass(frozen=True)
class VolumeMount:
    """One ``-v``: a named volume or host path (empty: anonymous volume)."""

    source: str
    target: str
    read_only: bool = False


@dataclass(frozen=True)
class RestartPolicy:
    name: str = "no"
    maximum_retry_count: int = 0


@dataclass(frozen=True)
class RunSpec:
    """Everything ``docker run`` needs, already validated."""

    image: str
    name: str = ""
    command: tuple[str, ...] = ()
    interactive: bool = False
    tty: bool = False
    detach: bool = True
    restart: RestartPolicy = RestartPolicy()
    ports: tuple[PortBinding, ...] = ()
    env: tuple[tuple[str, str], ...] = ()
    volumes: tuple[VolumeMount, ...] = ()
    network: str = ""
    auto_remove: bool = False
    labels: tuple[tuple[str, str], ...] = ()
