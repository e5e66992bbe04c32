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
