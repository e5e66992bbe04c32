"""Image operations and ``docker run``: list, pull, push, search, build, tag,
remove, prune, history, commit, save/load, export/import and create+start.

Everything here is blocking and takes a docker-py ``APIClient``; the UI calls
it from thread workers. The parsers for what a user types (references, ports,
env, volumes, restart policies) are pure and raise :class:`InvalidInput` with
a message meant to be shown as it is.
"""

from __future__ import annotations

import re
import shlex
import socket
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

from tui.docker.errors import InvalidInput, describe_error
from tui.docker.models import (
    NONE_TAG,
    ImageLayer,
    ImageRow,
    LayerProgress,
    PortBinding,
    RestartPolicy,
    RunSpec,
    SearchResult,
    VolumeMount,
)

if TYPE_CHECKING:
    import docker

# --- listing ---------------------------------------------------------------


def list_images(api: docker.APIClient) -> list[ImageRow]:
    """``docker images``: one row per repo:tag, dangling images once.

    The "containers using it" count comes from one container list call,
    never from an inspect per image.
    """
    images = api.images(all=False)
    used = Counter(str(c.get("ImageID") or "") for c in api.containers(all=True))
    return image_rows(images, used)


def image_rows(images: Iterable[Mapping[str, Any]], used: Mapping[str, int]) -> list[ImageRow]:
    rows: list[ImageRow] = []
    for image in images:
        image_id = str(image.get("Id") or "")
        digests = tuple(str(d) for d in (image.get("RepoDigests") or ()) if d and d != "<none>@<none>")
        base = ImageRow(
            id=image_id,
            repository=NONE_TAG,
            tag=NONE_TAG,
            created=int(image.get("Created") or 0),
            size=int(image.get("Size") or 0),
            containers=int(used.get(image_id, 0)),
            digests=digests,
        )
        tags = [t for t in (image.get("RepoTags") or ()) if t and t != "<none>:<none>"]
        if tags:
            for repo_tag in tags:
                repository, _, tag = repo_tag.rpartition(":")
                rows.append(replace(base, repository=repository, tag=tag))
        elif digests:
            # pulled by digest and never tagged: docker images shows repo <none>
            rows.append(replace(base, repository=digests[0].split("@", 1)[0]))
        else:
            rows.append(base)
    return rows


def history(api: docker.APIClient, image: str) -> list[ImageLayer]:
    """``docker history``: newest layer first."""
    return [
        ImageLayer(
            id=str(item.get("Id") or ""),
            created=int(item.get("Created") or 0),
            created_by=str(item.get("CreatedBy") or ""),
            size=int(item.get("Size") or 0),
            comment=str(item.get("Comment") or ""),
            tags=tuple(item.get("Tags") or ()),
        )
        for item in api.history(image)
    ]


# --- references ------------------------------------------------------------

_ALNUM = r"[a-z0-9]+"
_SEPARATOR = r"(?:[._]|__|-+)"
_PATH_COMPONENT = re.compile(rf"{_ALNUM}(?:{_SEPARATOR}{_ALNUM})*")
_DOMAIN_COMPONENT = r"(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])"
_DOMAIN = re.compile(rf"(?:{_DOMAIN_COMPONENT}(?:\.{_DOMAIN_COMPONENT})*|\[[0-9a-fA-F:.]+\])(?::[0-9]+)?")
_TAG = re.compile(r"[\w][\w.-]{0,127}")
_DIGEST = re.compile(r"[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}")
NAME_MAX = 255


def parse_reference(text: str, *, allow_digest: bool = True, default_tag: str = "latest") -> tuple[str, str]:
    """Check ``[host[:port]/]path[:tag][@digest]`` against Docker's reference
    grammar and split it into (repository, tag).

    The tag defaults to ``latest``; when the reference pins a digest, the
    second element is the digest (the daemon accepts it where a tag goes).
    """
    ref = text.strip()
    if not ref:
        raise InvalidInput("Enter an image reference such as name:tag or registry:5000/team/name:tag.")
    if any(ch.isspace() for ch in ref):
        raise InvalidInput(f"Invalid reference {ref!r}: spaces are not allowed.")
    digest = ""
    if "@" in ref:
        ref, _, digest = ref.partition("@")
        if not allow_digest:
            raise InvalidInput(f"Invalid reference {text.strip()!r}: a digest (@…) cannot be used here; give name:tag.")
        if not _DIGEST.fullmatch(digest):
            raise InvalidInput(f"Invalid digest {digest!r}: expected algorithm:hex, e.g. sha256:<64 hex digits>.")
    name, tag = ref, ""
    last_slash = ref.rfind("/")
    colon = ref.rfind(":")
    if colon > last_slash:
        name, tag = ref[:colon], ref[colon + 1 :]
        if not _TAG.fullmatch(tag):
            raise InvalidInput(
                f"Invalid tag {tag!r}: up to 128 letters, digits, '_', '.' or '-', not starting with '.' or '-'."
            )
    if not name:
        raise InvalidInput(f"Invalid reference {text.strip()!r}: the repository name is missing.")
    if len(name) > NAME_MAX:
        raise InvalidInput(f"Repository name too long: {len(name)} characters (at most {NAME_MAX}).")
    parts = name.split("/")
    first = parts[0]
    if len(parts) > 1 and ("." in first or ":" in first or first == "localhost" or first != first.lower()):
        if not _DOMAIN.fullmatch(first):
            raise InvalidInput(f"Invalid registry host {first!r}: expected host[:port], e.g. registry.example.com:5000.")
        path = parts[1:]
    else:
        path = parts
    for component in path:
        if not component:
            raise InvalidInput(f"Invalid repository {name!r}: empty path component (double or trailing '/').")
        if component != component.lower() and _PATH_COMPONENT.fullmatch(component.lower()):
            raise InvalidInput(f"Invalid repository {name!r}: repository names must be lowercase.")
        if not _PATH_COMPONENT.fullmatch(component):
            raise InvalidInput(
                f"Invalid repository {name!r}: {component!r} may only hold lowercase letters, digits and "
                "single '.', '_' or '-' separators between them."
            )
    if digest:
        return name, digest
    return name, tag or default_tag


# --- run: parsing what the user typed --------------------------------------

def _port_range(text: str, what: str, spec: str) -> list[int]:
    low, _, high = text.partition("-")
    try:
        first, last = int(low), int(high or low)
    except ValueError:
        raise InvalidInput(f"Invalid port spec {spec!r}: {what} {text!r} is not a number.") from None
    for number in (first, last):
        if not 1 <= number <= 65535:
            raise InvalidInput(f"Invalid port spec {spec!r}: {what} {number} is outside 1-65535.")
    if last < first:
        raise InvalidInput(f"Invalid port spec {spec!r}: range {text!r} runs backwards.")
    return list(range(first, last + 1))


def parse_port(spec: str) -> list[PortBinding]:
    """One ``-p`` value: ``80``, ``8080:80``, ``127.0.0.1:8080:80/udp``,
    ``127.0.0.1::80``, ``[::1]:8080:80``, ranges ``8000-8001:80-81``."""
    spec = spec.strip()
    usage = "use [ip:][hostPort:]containerPort[/tcp|udp|sctp], e.g. 8080:80 or 127.0.0.1:8080:80/udp"
    rest, _, proto = spec.partition("/")
    proto = (proto or "tcp").lower()
    if proto not in ("tcp", "udp", "sctp"):
        raise InvalidInput(f"Invalid port spec {spec!r}: protocol must be tcp, udp or sctp, not {proto!r}.")
    ip = ""
    if rest.startswith("["):
        ip, bracket, rest = rest[1:].partition("]")
        if not bracket or not rest.startswith(":"):
            raise InvalidInput(f"Invalid port spec {spec!r}: {usage}.")
        rest = rest[1:]
        parts = rest.split(":")
        if len(parts) != 2:
            raise InvalidInput(f"Invalid port spec {spec!r}: {usage}.")
        host, container = parts
    else:
        parts = rest.split(":")
        if len(parts) == 1:
            host, container = "", parts[0]
        elif len(parts) == 2:
            host, container = parts
        elif len(parts) == 3:
            ip, host, container = parts
            if not ip:
                raise InvalidInput(f"Invalid port spec {spec!r}: the IP address before the host port is empty.")
        else:
            raise InvalidInput(f"Invalid port spec {spec!r}: {usage} (IPv6 addresses go in brackets).")
    if ip:
        try:
            socket.inet_pton(socket.AF_INET6 if ":" in ip else socket.AF_INET, ip)
        except OSError:
            raise InvalidInput(f"Invalid port spec {spec!r}: {ip!r} is not an IP address.") from None
    if not container:
        raise InvalidInput(f"Invalid port spec {spec!r}: the container port is missing; {usage}.")
    container_ports = _port_range(container, "container port", spec)
    if not host:
        return [PortBinding(port, proto, ip, "") for port in container_ports]
    host_ports = _port_range(host, "host port", spec)
    if len(host_ports) == len(container_ports):
        return [PortBinding(c, proto, ip, str(h)) for c, h in zip(container_ports, host_ports, strict=True)]
    if len(container_ports) == 1:
        # a host range for one container port: the daemon picks one of them
        return [PortBinding(container_ports[0], proto, ip, host)]
    raise InvalidInput(f"Invalid port spec {spec!r}: host and container ranges differ in length.")


def parse_ports(text: str) -> tuple[PortBinding, ...]:
    """Several ``-p`` values separated by commas, spaces or newlines."""
    bindings: list[PortBinding] = []
    for spec in re.split(r"[,\s]+", text.strip()):
        if spec:
            bindings.extend(parse_port(spec))
    return tuple(bindings)


_ENV_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]*")
# a comma starts a new variable only when a KEY= follows it, so "A=1,2" stays one
_ENV_SPLIT = re.compile(r",\s*(?=[A-Za-z_][A-Za-z0-9_.-]*=)")


def parse_env(text: str) -> tuple[tuple[str, str], ...]:
    """``KEY=VALUE`` per line, or comma-separated on one line."""
    pairs: list[tuple[str, str]] = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        for item in _ENV_SPLIT.split(line):
            item = item.strip()
            if not item:
                continue
            key, sep, value = item.partition("=")
            key = key.strip()
            if not sep:
                raise InvalidInput(f"Invalid environment entry {item!r}: expected KEY=VALUE.")
            if not _ENV_KEY.fullmatch(key):
                raise InvalidInput(f"Invalid environment variable name {key!r}: letters, digits and '_', not starting with a digit.")
            pairs.append((key, value))
    return tuple(pairs)


_VOLUME_NAME = re.compile(r"[a-zA-Z0-9][a-zA-Z0-9_.-]*")


def parse_volume(spec: str) -> VolumeMount:
    """One ``-v``: ``name:/path[:ro|rw]``, ``/host:/path[:ro|rw]`` or ``/path``."""
    spec = spec.strip()
    parts = spec.split(":")
    read_only = False
    if len(parts) == 3 or (len(parts) == 2 and parts[1] in ("ro", "rw")):
        mode = parts.pop()
        if mode not in ("ro", "rw"):
            raise InvalidInput(f"Invalid volume {spec!r}: mode must be ro or rw, not {mode!r}.")
        read_only = mode == "ro"
    if len(parts) == 1:
        source, target = "", parts[0]
    elif len(parts) == 2:
        source, target = parts
    else:
        raise InvalidInput(f"Invalid volume {spec!r}: use name:/path[:ro], /host/path:/path[:ro] or /path.")
    if not target.startswith("/"):
        raise InvalidInput(f"Invalid volume {spec!r}: the path in the container must be absolute (start with '/').")
    if source and not source.startswith("/") and not _VOLUME_NAME.fullmatch(source):
        raise InvalidInput(
            f"Invalid volume {spec!r}: {source!r} is neither an absolute host path nor a volume name "
            "(letters, digits, '_', '.', '-')."
        )
    return VolumeMount(source, target, read_only)


def parse_volumes(text: str) -> tuple[VolumeMount, ...]:
    return tuple(parse_volume(spec) for spec in re.split(r"[,\s]+", text.strip()) if spec)


RESTART_POLICIES = ("no", "always", "unless-stopped", "on-failure")


def parse_restart_policy(text: str) -> RestartPolicy:
    """``no``, ``always``, ``unless-stopped``, ``on-failure`` or ``on-failure:N``."""
    value = text.strip() or "no"
    name, sep, count = value.partition(":")
    if name not in RESTART_POLICIES:
        raise InvalidInput(f"Invalid restart policy {value!r}: use no, always, unless-stopped or on-failure[:N].")
    if sep:
        if name != "on-failure":
            raise InvalidInput(f"Invalid restart policy {value!r}: only on-failure takes a retry count.")
        if not count.isdigit():
            raise InvalidInput(f"Invalid restart policy {value!r}: the retry count must be a whole number.")
        return RestartPolicy(name, int(count))
    return RestartPolicy(name)


_CONTAINER_NAME = re.compile(r"[a-zA-Z0-9][a-zA-Z0-9_.-]+")


def parse_container_name(text: str) -> str:
    name = text.strip().lstrip("/")
    if name and not _CONTAINER_NAME.fullmatch(name):
        raise InvalidInput(f"Invalid container name {name!r}: at least 2 of letters, digits, '_', '.', '-', starting with a letter or digit.")
    return name


def parse_command(text: str) -> tuple[str, ...]:
    try:
        return tuple(shlex.split(text))
    except ValueError as exc:
        raise InvalidInput(f"Invalid command: {exc} (check the quotes).") from None


def parse_build_args(text: str) -> dict[str, str]:
    """``KEY=VALUE`` build args, per line or comma-separated."""
    return dict(parse_env(text))


def build_run_spec(
    image: str,
    *,
    name: str = "",
    command: str = "",
    interactive: bool = False,
    tty: bool = False,
    detach: bool = True,
    restart: str = "no",
    ports: str = "",
    env: str = "",
    volumes: str = "",
    network: str = "",
    auto_remove: bool = False,
) -> RunSpec:
    """Validate the run form's fields; the first problem raises InvalidInput."""
    policy = parse_restart_policy(restart)
    if auto_remove and policy.name != "no":
        raise InvalidInput("Auto-remove cannot be combined with a restart policy: choose one.")
    network = network.strip()
    if network and not re.fullmatch(r"[a-zA-Z0-9][a-zA-Z0-9_.:-]*", network):
        raise InvalidInput(f"Invalid network {network!r}.")
    return RunSpec(
        image=image.strip(),
        name=parse_container_name(name),
        command=parse_command(command),
        interactive=interactive,
        tty=tty,
        detach=detach,
        restart=policy,
        ports=parse_ports(ports),
        env=parse_env(env),
        volumes=parse_volumes(volumes),
        network=network,
        auto_remove=auto_remove,
    )


# --- run: talking to the daemon --------------------------------------------


def port_bindings(ports: Iterable[PortBinding]) -> dict[str, list[dict[str, str]]]:
    """The HostConfig.PortBindings shape."""
    result: dict[str, list[dict[str, str]]] = {}
    for port in ports:
        result.setdefault(f"{port.container_port}/{port.protocol}", []).append({"HostIp": port.host_ip, "HostPort": port.host_port})
    return result


@dataclass(frozen=True)
class RunResult:
    container_id: str
    name: str
    warnings: tuple[str, ...] = ()


def run_container(api: docker.APIClient, spec: RunSpec) -> RunResult:
    """``docker run -d``: create, then start. A container whose start fails
    is removed again, so the same name can be used on the next attempt."""
    bindings = port_bindings(spec.ports)
    host_config = api.create_host_config(
        port_bindings=bindings or None,
        binds=[f"{v.source}:{v.target}:{'ro' if v.read_only else 'rw'}" for v in spec.volumes if v.source] or None,
        restart_policy={"Name": spec.restart.name, "MaximumRetryCount": spec.restart.maximum_retry_count}
        if spec.restart.name != "no"
        else None,
        network_mode=spec.network or None,
        auto_remove=spec.auto_remove,
    )
    created = api.create_container(
        spec.image,
        command=list(spec.command) or None,
        name=spec.name or None,
        stdin_open=spec.interactive,
        tty=spec.tty,
        detach=spec.detach,
        ports=[(p.container_port, p.protocol) for p in spec.ports] or None,
        environment=[f"{k}={v}" for k, v in spec.env] or None,
        volumes=[v.target for v in spec.volumes] or None,
        labels=dict(spec.labels) or None,
        host_config=host_config,
    )
    container_id = str(created["Id"])
    try:
        api.start(container_id)
    except Exception:
        with suppress(Exception):  # the start error is the one to report
            api.remove_container(container_id, force=True)
        raise
    name = spec.name or str(api.inspect_container(container_id).get("Name", "")).lstrip("/")
    return RunResult(container_id, name, tuple(created.get("Warnings") or ()))


# --- simple image operations -----------------------------------------------


def tag_image(api: docker.APIClient, image: str, target: str) -> str:
    repository, tag = parse_reference(target, allow_digest=False)
    api.tag(image, repository, tag)
    return f"{repository}:{tag}"


def remove_image(api: docker.APIClient, reference: str, *, force: bool = False) -> list[dict[str, str]]:
    return list(api.remove_image(reference, force=force) or [])


@dataclass(frozen=True)
class PruneResult:
    deleted: tuple[str, ...]
    reclaimed: int


def prune_dangling(api: docker.APIClient) -> PruneResult:
    """``docker image prune``: untagged images no container uses."""
    result = api.prune_images(filters={"dangling": True}) or {}
    deleted = tuple(str(d.get("Deleted") or d.get("Untagged")) for d in (result.get("ImagesDeleted") or ()))
    return PruneResult(deleted, int(result.get("SpaceReclaimed") or 0))


def commit_container(api: docker.APIClient, container: str, reference: str, *, message: str = "", author: str = "") -> str:
    """``docker commit -m MSG -a AUTHOR CONTAINER repo:tag``; returns the new image id."""
    repository, tag = parse_reference(reference, allow_digest=False)
    result = api.commit(container, repository=repository, tag=tag, message=message or None, author=author or None)
    return str(result.get("Id") or "")


_UNREACHABLE = re.compile(r"no such host|dial tcp|i/o timeout|connection refused|network is unreachable|TLS handshake|timeout", re.I)
_UNAUTHORIZED = re.compile(r"unauthorized|authentication required|denied: requested access|no basic auth credentials", re.I)


class RegistryUnreachable(Exception):
    """The daemon could not reach the registry (offline, DNS, firewall)."""


def explain_registry_error(text: str) -> str:
    """The daemon's words about a registry, led by what they mean for the user."""
    if text.startswith(("Registry unreachable", "Authentication required")):
        return text
    if _UNREACHABLE.search(text):
        return f"Registry unreachable: {text}"
    if _UNAUTHORIZED.search(text):
        return f"Authentication required (docker login; credentials come from ~/.docker/config.json): {text}"
    return text


def search(api: docker.APIClient, term: str, limit: int = 25) -> list[SearchResult]:
    """``docker search`` (Docker Hub, through the daemon)."""
    term = term.strip()
    if not term:
        raise InvalidInput("Enter a search term.")
    try:
        results = api.search(term, limit=limit)
    except Exception as exc:
        text = describe_error(exc)
        if getattr(exc, "response", None) is not None and _UNREACHABLE.search(text):
            raise RegistryUnreachable(explain_registry_error(text)) from exc
        raise
    return [
        SearchResult(
            name=str(item.get("name") or ""),
            description=str(item.get("description") or ""),
            stars=int(item.get("star_count") or 0),
            official=bool(item.get("is_official")),
            automated=bool(item.get("is_automated")),
        )
        for item in results
    ]


# --- cancellable streams ---------------------------------------------------


class StreamCancelled(Exception):
    """The user stopped a stream."""


class StreamControl:
    """Lets the UI stop a blocking stream from another thread.

    docker-py's streaming calls return a generator over an HTTP response and
    give no handle to close it, and a thread blocked in ``recv`` only wakes
    when the socket is shut down. So the control keeps the response it is
    given (or finds it in docker-py's generator) and shuts its socket down.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._cancelled = False
        self._responses: list[Any] = []

    @property
    def cancelled(self) -> bool:
        return self._cancelled

    def watch(self, stream: Any) -> Any:
        """Remember the HTTP response behind ``stream`` (a docker-py
        generator or a requests response); returns ``stream``."""
        response = stream
        frame = getattr(stream, "gi_frame", None)
        if frame is not None:
            response = frame.f_locals.get("response")
        if response is not None:
            with self._lock:
                self._responses.append(response)
                cancelled = self._cancelled
            if cancelled:
                _shut(response)
        return stream

    def check(self) -> None:
        if self._cancelled:
            raise StreamCancelled()

    @contextmanager
    def reading(self) -> Iterator[None]:
        """Reads from a socket this control shut down fail with whatever the
        HTTP stack makes of it; report them as the cancellation they are."""
        try:
            yield
        except StreamCancelled:
            raise
        except Exception:
            if self._cancelled:
                raise StreamCancelled() from None
            raise

    def cancel(self) -> None:
        with self._lock:
            self._cancelled = True
            responses = list(self._responses)
        for response in responses:
            _shut(response)


def _shut(response: Any) -> None:
    raw = getattr(response, "raw", None)
    sock = None
    with suppress(AttributeError):
        # requests -> urllib3 -> http.client -> socket.SocketIO -> socket
        sock = raw._fp.fp.raw._sock  # type: ignore[union-attr]
    if sock is not None:
        with suppress(OSError):  # already closed by the other side
            sock.shutdown(socket.SHUT_RDWR)
    with suppress(Exception):  # closing is best effort; the socket is down
        response.close()


def _stream_events(control: StreamControl, stream: Iterator[Any]) -> Iterator[dict[str, Any]]:
    """Decoded JSON events of a docker-py stream until done or cancelled."""
    control.watch(stream)
    with control.reading():
        for event in stream:
            control.check()
            if isinstance(event, dict):
                yield event
    control.check()


# --- pull / push progress --------------------------------------------------

_LAYER_ID = re.compile(r"[0-9a-f]{12}")
_FINISHED_TRANSFER = frozenset({"Verifying Checksum", "Download complete", "Pull complete", "Pushed"})


@dataclass
class TransferProgress:
    """Folds pull/push JSON events into per-layer progress and an outcome."""

    layers: dict[str, LayerProgress] = field(default_factory=dict)
    messages: list[str] = field(default_factory=list)
    error: str = ""

    def feed(self, event: Mapping[str, Any]) -> None:
        if event.get("error") or event.get("errorDetail"):
            detail = event.get("errorDetail") or {}
            self.error = str(event.get("error") or detail.get("message") or "unknown error")
            return
        status = str(event.get("status") or "")
        layer_id = str(event.get("id") or "")
        if not status:
            return
        if layer_id and _LAYER_ID.fullmatch(layer_id):
            detail = event.get("progressDetail") or {}
            previous = self.layers.get(layer_id)
            current = int(detail.get("current") or 0)
            total = int(detail.get("total") or 0)
            if not total and previous is not None and previous.total:
                # "Download complete", "Pull complete", "Pushed" carry no
                # sizes: the layer keeps the size it was transferred with
                total = previous.total
                current = total if status in _FINISHED_TRANSFER else previous.current
            self.layers[layer_id] = LayerProgress(layer_id, status, current, total)
            return
        text = f"{layer_id}: {status}" if layer_id else status
        if not self.messages or self.messages[-1] != text:
            self.messages.append(text)
            del self.messages[:-20]

    @property
    def layers_done(self) -> int:
        return sum(1 for layer in self.layers.values() if layer.done)

    @property
    def fraction(self) -> float:
        """Overall progress 0..1: each layer counts equally."""
        if not self.layers:
            return 0.0
        parts = 0.0
        for layer in self.layers.values():
            if layer.done and layer.status != "Download complete":
                parts += 1
            elif layer.status == "Download complete" or layer.status == "Extracting":
                # pulls download then extract: the second half of a layer
                half = layer.current / layer.total if layer.total and layer.status == "Extracting" else 0.0
                parts += 0.5 + 0.5 * half
            elif layer.total:
                parts += 0.5 * min(1.0, layer.current / layer.total)
        return min(1.0, parts / len(self.layers))

    def snapshot(self) -> TransferSnapshot:
        sized = [layer for layer in self.layers.values() if layer.total]
        return TransferSnapshot(
            tuple(self.layers.values()),
            tuple(self.messages),
            self.error,
            self.layers_done,
            self.fraction,
            sum(min(layer.current, layer.total) for layer in sized),
            sum(layer.total for layer in sized),
        )


@dataclass(frozen=True)
class TransferSnapshot:
    layers: tuple[LayerProgress, ...]
    messages: tuple[str, ...]
    error: str
    layers_done: int
    fraction: float
    bytes_done: int = 0
    bytes_total: int = 0


def _registry_auth(repository: str) -> dict[str, Any] | None:
    """Credentials for the repository's registry from ~/.docker/config.json
    (and its credential helpers), read fresh so a ``docker login`` made
    while dtui runs is used."""
    from docker import auth

    registry, _ = auth.resolve_repository_name(repository)
    config = auth.load_config()
    return auth.resolve_authconfig(config, registry) or None


def pull(
    api: docker.APIClient, reference: str, control: StreamControl, on_progress: Callable[[TransferSnapshot], None]
) -> TransferSnapshot:
    """``docker pull``, reporting progress after every event."""
    repository, tag = parse_reference(reference)
    progress = TransferProgress()
    stream = api.pull(repository, tag, stream=True, decode=True, auth_config=_registry_auth(repository))
    for event in _stream_events(control, stream):
        progress.feed(event)
        on_progress(progress.snapshot())
    return progress.snapshot()


def push(
    api: docker.APIClient, reference: str, control: StreamControl, on_progress: Callable[[TransferSnapshot], None]
) -> TransferSnapshot:
    """``docker push``, with the registry credentials of the CLI's config."""
    repository, tag = parse_reference(reference, allow_digest=False)
    progress = TransferProgress()
    # the daemon wants an X-Registry-Auth header even for anonymous pushes
    stream = api.push(repository, tag, stream=True, decode=True, auth_config=_registry_auth(repository) or {})
    for event in _stream_events(control, stream):
        progress.feed(event)
        on_progress(progress.snapshot())
    return progress.snapshot()


# --- build -----------------------------------------------------------------

_STEP = re.compile(r"^Step \d+/\d+ : ")


@dataclass
class BuildOutcome:
    """What a build stream said: the image id, or the error and its step."""

    image_id: str = ""
    error: str = ""
    step: str = ""

    def feed(self, event: Mapping[str, Any]) -> str:
        """Fold one event in; returns the text to show for it."""
        if event.get("error") or event.get("errorDetail"):
            detail = event.get("errorDetail") or {}
            self.error = str(event.get("error") or detail.get("message") or "build failed").strip()
            return self.error + "\n"
        aux = event.get("aux")
        if isinstance(aux, dict) and aux.get("ID"):
            self.image_id = str(aux["ID"])
            return ""
        text = str(event.get("stream") or event.get("status") or "")
        for line in text.splitlines():
            if _STEP.match(line):
                self.step = line.strip()
        match = re.search(r"Successfully built ([0-9a-f]+)", text)
        if match and not self.image_id:
            self.image_id = match.group(1)
        return text


@dataclass(frozen=True)
class BuildRequest:
    context: str
    dockerfile: str
    tag: str
    build_args: tuple[tuple[str, str], ...] = ()


def build_request(context: str, dockerfile: str, tag: str, build_args: str) -> BuildRequest:
    """Validate the build form: the context folder and Dockerfile exist
    (relative Dockerfile paths are relative to the context), the tag parses."""
    context_path = Path(context.strip() or ".").expanduser()
    if not context_path.is_dir():
        raise InvalidInput(f"Build context {str(context_path)!r} is not a folder.")
    dockerfile = dockerfile.strip() or "Dockerfile"
    dockerfile_path = Path(dockerfile).expanduser()
    if not dockerfile_path.is_absolute():
        dockerfile_path = context_path / dockerfile_path
    if not dockerfile_path.is_file():
        raise InvalidInput(f"Dockerfile {str(dockerfile_path)!r} not found.")
    normalised_tag = ""
    if tag.strip():
        repository, image_tag = parse_reference(tag, allow_digest=False)
        normalised_tag = f"{repository}:{image_tag}"
    return BuildRequest(str(context_path.resolve()), str(dockerfile_path.resolve()), normalised_tag, tuple(parse_build_args(build_args).items()))


def build(
    api: docker.APIClient, request: BuildRequest, control: StreamControl, on_output: Callable[[str], None]
) -> BuildOutcome:
    """``docker build`` with the classic builder, streaming its output."""
    outcome = BuildOutcome()
    try:
        relative = str(Path(request.dockerfile).relative_to(request.context))
    except ValueError:
        relative = request.dockerfile  # docker-py adds an outside Dockerfile to the context
    stream = api.build(
        path=request.context,
        dockerfile=relative,
        tag=request.tag or None,
        buildargs=dict(request.build_args) or None,
        rm=True,
        forcerm=True,
        decode=True,
    )
    for event in _stream_events(control, stream):
        text = outcome.feed(event)
        if text:
            on_output(text)
    return outcome


# --- save / load / export / import -----------------------------------------

CHUNK = 1024 * 1024


def _copy_stream(control: StreamControl, chunks: Iterator[bytes], out: BinaryIO, on_bytes: Callable[[int], None]) -> int:
    written = 0
    control.watch(chunks)
    with control.reading():
        for chunk in chunks:
            control.check()
            out.write(chunk)
            written += len(chunk)
            on_bytes(written)
    return written


def _write_tar(path: str, control: StreamControl, chunks_factory: Callable[[], Iterator[bytes]], on_bytes: Callable[[int], None]) -> int:
    target = Path(path).expanduser()
    if target.is_dir():
        raise InvalidInput(f"{str(target)!r} is a folder; give a file name ending in .tar.")
    if not target.parent.is_dir():
        raise InvalidInput(f"Folder {str(target.parent)!r} does not exist.")
    partial = target.with_name(target.name + ".part")
    try:
        with open(partial, "wb") as out:
            written = _copy_stream(control, chunks_factory(), out, on_bytes)
        partial.replace(target)
    finally:
        partial.unlink(missing_ok=True)
    return written


def save_images(api: docker.APIClient, references: list[str], path: str, control: StreamControl, on_bytes: Callable[[int], None]) -> int:
    """``docker save -o PATH IMAGE...``: keeps every layer and the history."""
    if not references:
        raise InvalidInput("Name at least one image to save.")
    if len(references) == 1:
        return _write_tar(path, control, lambda: api.get_image(references[0], chunk_size=CHUNK), on_bytes)

    def several() -> Iterator[bytes]:
        # docker-py's get_image takes one name; the endpoint takes several
        import docker.errors

        response = api.get(api._url("/images/get"), params={"names": references}, stream=True, timeout=api.timeout)
        control.watch(response)
        try:
            response.raise_for_status()
        except Exception as exc:
            raise docker.errors.create_api_error_from_http_exception(exc) from None
        yield from response.iter_content(CHUNK)

    return _write_tar(path, control, several, on_bytes)


def export_container(api: docker.APIClient, container: str, path: str, control: StreamControl, on_bytes: Callable[[int], None]) -> int:
    """``docker export -o PATH CONTAINER``: the flattened filesystem only."""
    return _write_tar(path, control, lambda: api.export(container, chunk_size=CHUNK), on_bytes)


def _read_tar(path: str, control: StreamControl, on_bytes: Callable[[int], None]) -> Iterator[bytes]:
    source = Path(path).expanduser()
    if not source.is_file():
        raise InvalidInput(f"No file at {str(source)!r}.")

    def chunks() -> Iterator[bytes]:
        sent = 0
        with open(source, "rb") as handle:
            while True:
                # raising here aborts the upload: that is how a load is cancelled
                control.check()
                chunk = handle.read(CHUNK)
                if not chunk:
                    return
                sent += len(chunk)
                on_bytes(sent)
                yield chunk

    return chunks()


def load_images(api: docker.APIClient, path: str, control: StreamControl, on_bytes: Callable[[int], None]) -> list[str]:
    """``docker load -i PATH``: the loaded image names (or ids)."""
    data = _read_tar(path, control, on_bytes)
    loaded: list[str] = []
    for event in _stream_events(control, iter(api.load_image(data))):
        if event.get("error") or event.get("errorDetail"):
            detail = event.get("errorDetail") or {}
            raise InvalidInput(f"Load failed: {event.get('error') or detail.get('message')}")
        stream = str(event.get("stream") or "")
        match = re.search(r"Loaded image(?: ID)?: (\S+)", stream)
        if match:
            loaded.append(match.group(1))
    return loaded


def import_image(api: docker.APIClient, path: str, reference: str, control: StreamControl, on_bytes: Callable[[int], None]) -> str:
    """``docker import PATH repo:tag``: one layer, no history."""
    repository, tag = parse_reference(reference, allow_digest=False) if reference.strip() else ("", "")
    data = _read_tar(path, control, on_bytes)
    result = api.import_image(src=data, repository=repository or None, tag=tag or None, stream_src=True)
    # the daemon answers with JSON progress lines; the last carries the id
    image_id = ""
    for line in str(result).splitlines():
        match = re.search(r'"status":\s*"(sha256:[0-9a-f]+)"', line)
        if match:
            image_id = match.group(1)
    if '"error"' in str(result):
        raise InvalidInput(f"Import failed: {result}")
    return f"{repository}:{tag}" if repository else image_id
