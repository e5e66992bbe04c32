"""Which daemon to talk to, and the one shared docker-py client for it.

Resolution follows the docker CLI: ``-H`` beats ``--context``, which beats
``DOCKER_HOST``, then ``DOCKER_CONTEXT``, then ``currentContext`` in
``~/.docker/config.json``, then the local socket. docker-py is imported lazily
so the first paint does not wait for it: with a local daemon the first
container list can even come without it (:func:`containers_over_socket`).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import socket
import sys
import threading
from collections.abc import Mapping
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

from tui.docker.errors import DaemonUnavailable, describe_error

if TYPE_CHECKING:
    import docker

DEFAULT_HOST = "unix:///var/run/docker.sock"
DEFAULT_DETACH_KEYS = "ctrl-p,ctrl-q"
#: Calls that are not streams give up after this long, so a hung daemon
#: surfaces as an error instead of a stuck worker.
CALL_TIMEOUT = 30


@dataclass(frozen=True)
class TLSFiles:
    ca: str | None
    cert: str | None
    key: str | None
    verify: bool


@dataclass(frozen=True)
class Endpoint:
    """A daemon address and where the choice came from (shown to the user)."""

    host: str
    source: str
    context: str | None = None
    tls: TLSFiles | None = None

    @property
    def is_local(self) -> bool:
        return self.host.startswith("unix://") or self.host.startswith("npipe://")

    @property
    def socket_path(self) -> str | None:
        return self.host[len("unix://") :] if self.host.startswith("unix://") else None


def docker_config_dir(env: Mapping[str, str] | None = None) -> Path:
    env = os.environ if env is None else env
    return Path(env.get("DOCKER_CONFIG") or Path.home() / ".docker")


def read_cli_config(config_dir: Path) -> dict[str, Any]:
    """The docker CLI's config.json, or {} when absent or unreadable."""
    try:
        data = json.loads((config_dir / "config.json").read_text())
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def detach_keys(config_dir: Path | None = None) -> str:
    """The user's ``detachKeys`` setting (docker CLI format)."""
    config = read_cli_config(config_dir or docker_config_dir())
    value = config.get("detachKeys")
    return value if isinstance(value, str) and value.strip() else DEFAULT_DETACH_KEYS


@dataclass(frozen=True)
class ContextInfo:
    name: str
    host: str
    description: str
    tls: TLSFiles | None


def _context_dir_name(name: str) -> str:
    return hashlib.sha256(name.encode()).hexdigest()


def list_contexts(config_dir: Path | None = None) -> list[ContextInfo]:
    """Every context in the CLI's store, plus the implicit ``default``."""
    config_dir = config_dir or docker_config_dir()
    contexts = [ContextInfo("default", os.environ.get("DOCKER_HOST") or DEFAULT_HOST, "local daemon", None)]
    meta_root = config_dir / "contexts" / "meta"
    if meta_root.is_dir():
        for meta_file in sorted(meta_root.glob("*/meta.json")):
            info = _read_context_meta(meta_file, config_dir)
            if info is not None:
                contexts.append(info)
    return contexts


def _read_context_meta(meta_file: Path, config_dir: Path) -> ContextInfo | None:
    try:
        meta = json.loads(meta_file.read_text())
    except (OSError, ValueError):
        return None
    name = meta.get("Name")
    endpoint = (meta.get("Endpoints") or {}).get("docker") or {}
    host = endpoint.get("Host")
    if not isinstance(name, str) or not isinstance(host, str):
        return None
    description = str((meta.get("Metadata") or {}).get("Description") or "")
    tls_dir = config_dir / "contexts" / "tls" / meta_file.parent.name / "docker"
    tls = None
    if tls_dir.is_dir():
        files = {n: str(tls_dir / f"{n}.pem") if (tls_dir / f"{n}.pem").exists() else None for n in ("ca", "cert", "key")}
        tls = TLSFiles(files["ca"], files["cert"], files["key"], not endpoint.get("SkipTLSVerify", False))
    return ContextInfo(name, host, description, tls)


def find_context(name: str, config_dir: Path | None = None) -> ContextInfo:
    for info in list_contexts(config_dir):
        if info.name == name:
            return info
    raise DaemonUnavailable(f"Docker context {name!r} not found in {config_dir or docker_config_dir()}")


def _env_tls(env: Mapping[str, str]) -> TLSFiles | None:
    cert_path = env.get("DOCKER_CERT_PATH")
    verify = env.get("DOCKER_TLS_VERIFY", "") not in ("", "0")
    if not cert_path and not verify:
        return None
    base = Path(cert_path or docker_config_dir(env))
    return TLSFiles(str(base / "ca.pem"), str(base / "cert.pem"), str(base / "key.pem"), verify)


def resolve_endpoint(
    host: str | None = None,
    context: str | None = None,
    env: Mapping[str, str] | None = None,
) -> Endpoint:
    env = os.environ if env is None else env
    config_dir = docker_config_dir(env)
    if host:
        return Endpoint(host, "--host", tls=_env_tls(env))
    if context:
        info = find_context(context, config_dir)
        return Endpoint(info.host, f"context {info.name}", info.name, info.tls)
    if env.get("DOCKER_HOST"):
        return Endpoint(env["DOCKER_HOST"], "DOCKER_HOST", tls=_env_tls(env))
    name = env.get("DOCKER_CONTEXT") or read_cli_config(config_dir).get("currentContext")
    if isinstance(name, str) and name and name != "default":
        info = find_context(name, config_dir)
        return Endpoint(info.host, f"context {info.name}", info.name, info.tls)
    return Endpoint(DEFAULT_HOST, "default")


_import_lock = threading.Lock()


def import_docker_py(ssh: bool) -> ModuleType:
    """docker-py, with its ssh:// transport only when ``ssh`` asks for it.

    docker-py's ``import docker`` loads its ssh transport, and with it
    paramiko, invoke and yaml, whatever the host: 90-110 ms of CPU, more
    than half of what importing docker-py costs, before dtui can list
    anything. docker-py goes on without that transport when paramiko cannot
    be imported, so for any other host paramiko is held off while docker-py
    loads; the transport is added the first time an ssh:// host is used (a
    context switch, say).
    """
    with _import_lock:
        if "docker" not in sys.modules and not ssh and "paramiko" not in sys.modules:
            # None in sys.modules makes ``import paramiko`` fail at once
            sys.modules["paramiko"] = None  # type: ignore[assignment]
            try:
                import docker
            finally:
                if sys.modules.get("paramiko", ...) is None:
                    del sys.modules["paramiko"]
        import docker
        import docker.api.client
        import docker.transport

        if ssh and not hasattr(docker.api.client, "SSHHTTPAdapter"):
            # what docker-py's own imports would have done with paramiko there
            from docker.transport.sshconn import SSHHTTPAdapter

            docker.transport.SSHHTTPAdapter = SSHHTTPAdapter  # type: ignore[attr-defined]
            docker.api.client.SSHHTTPAdapter = SSHHTTPAdapter  # type: ignore[attr-defined]
        return docker


class UnusableAnswer(Exception):
    """The daemon answered a plain-socket request with something docker-py
    would have read differently (an error status, no API version, not
    JSON): the request is made again through docker-py."""


def _unix_get(socket_path: str, target: str, timeout: float) -> tuple[int, dict[str, str], bytes]:
    """One GET over a unix socket: status, headers (lower-case names), body.
    HTTP/1.0, so the daemon ends the body by closing the connection: there
    is no chunked encoding to undo."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.settimeout(timeout)
        sock.connect(socket_path)
        sock.sendall(f"GET {target} HTTP/1.0\r\nHost: docker\r\n\r\n".encode("ascii"))
        chunks = []
        while chunk := sock.recv(1 << 16):
            chunks.append(chunk)
    head, blank, body = b"".join(chunks).partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    status = status_line.split(" ", 2)
    if not blank or len(status) < 2 or not status[0].startswith("HTTP/") or not status[1].isdigit():
        raise UnusableAnswer(f"not an HTTP answer: {status_line[:80]!r}")
    headers = {name.strip().lower(): value.strip() for name, _, value in (line.partition(":") for line in header_lines)}
    length = headers.get("content-length", "")
    if length.isdigit() and int(length) != len(body):
        raise UnusableAnswer(f"answer cut short: {len(body)} of {length} bytes")
    return int(status[1]), headers, body


def containers_over_socket(socket_path: str, timeout: float, *, all: bool) -> list[dict[str, Any]]:
    """What ``APIClient.containers(all=all)`` returns, asked with the standard
    library only: docker-py (requests, urllib3: ~100 ms of CPU) need not be
    loaded before a local daemon's first list. Same requests as docker-py's
    ``version="auto"`` client: the API version the daemon announces (in
    /_ping's header, cheaper than /version), then the versioned list with
    docker-py's parameters. Raises OSError when the socket cannot be
    reached and :class:`UnusableAnswer` for any other answer than a list."""
    status, headers, _ = _unix_get(socket_path, "/_ping", timeout)
    version = headers.get("api-version", "")
    if status != 200 or not re.fullmatch(r"\d+\.\d+", version):
        raise UnusableAnswer(f"/_ping: HTTP {status}, API version {version!r}")
    target = f"/v{version}/containers/json?limit=-1&all={int(all)}&size=0&trunc_cmd=0"
    status, _, body = _unix_get(socket_path, target, timeout)
    if status != 200:
        raise UnusableAnswer(f"container list: HTTP {status}")
    try:
        items = json.loads(body)
    except ValueError as exc:
        raise UnusableAnswer(f"container list: {exc}") from exc
    if not isinstance(items, list):
        raise UnusableAnswer("container list: not a list")
    return items


class _FirstListAPI:
    """What :attr:`DockerService.api` hands out until the first container
    list has been asked for: ``containers()`` may answer without docker-py,
    anything else is docker-py's own."""

    def __init__(self, service: DockerService) -> None:
        self._service = service

    def containers(self, all: bool = False, **kwargs: Any) -> list[dict[str, Any]]:
        return self._service._first_containers(all, kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._service.client.api, name)


class DockerService:
    """The app's one docker-py client, created on first use from any thread.

    With ``direct_first_list`` and a local daemon (a unix socket, no TLS) the
    daemon is asked for all its containers over the socket directly, at
    once, on a thread: the daemon gathers the list while the UI loads, and
    docker-py need not be loaded for it. That answer is the first
    ``api.containers(all=True)``; every other call, and every list after
    it, goes through docker-py.
    """

    def __init__(self, endpoint: Endpoint, timeout: int = CALL_TIMEOUT, *, direct_first_list: bool = False) -> None:
        self.endpoint = endpoint
        self.timeout = timeout
        self._client: docker.DockerClient | None = None
        self._patient: docker.DockerClient | None = None
        self._lock = threading.Lock()
        self._direct_list = direct_first_list and endpoint.socket_path is not None and endpoint.tls is None
        #: the direct first list could not reach the daemon (docker-py
        #: would not have either; the event stream tells the user why)
        self.direct_list_failed = False
        self._first_list: Future[list[dict[str, Any]]] = Future()
        if self._direct_list:
            threading.Thread(target=self._ask_first_list, name="dtui-first-list", daemon=True).start()

    def _ask_first_list(self) -> None:
        assert self.endpoint.socket_path is not None
        try:
            self._first_list.set_result(containers_over_socket(self.endpoint.socket_path, self.timeout, all=True))
        except BaseException as exc:  # handed to whoever asks for the list
            self._first_list.set_exception(exc)

    @property
    def direct_list_pending(self) -> bool:
        """The first container list is still to come, and will not load docker-py."""
        return self._direct_list and self._client is None

    @property
    def client(self) -> docker.DockerClient:
        with self._lock:
            if self._client is None:
                self._client = self._connect()
                # docker-py came first: a reconnect (reset) must not hand out
                # the list asked for at startup.
                self._direct_list = False
            return self._client

    @property
    def api(self) -> docker.APIClient:
        if self.direct_list_pending:
            return _FirstListAPI(self)  # type: ignore[return-value]
        return self.client.api

    def _first_containers(self, all: bool, kwargs: dict[str, Any]) -> list[dict[str, Any]]:
        with self._lock:
            direct = self._direct_list and self._client is None and all and not kwargs
            self._direct_list = False
        if direct:
            try:
                return self._first_list.result()
            except UnusableAnswer:
                pass  # docker-py asks again, and says what is wrong
            except OSError:
                self.direct_list_failed = True
                raise
        return self.client.api.containers(all=all, **kwargs)  # type: ignore[no-any-return]

    @property
    def patient_api(self) -> docker.APIClient:
        """A client without a read timeout, for what may rightly take long:
        a build step or a pull that prints nothing for a while, a prune, a
        commit, a big rmi, tar transfers. The user cancels those (or waits,
        as with the CLI); the call timeout would cut them off half done."""
        with self._lock:
            if self._patient is None:
                self._patient = self._connect(timeout=None)
            return self._patient.api

    def _connect(self, timeout: int | None | object = ...) -> docker.DockerClient:
        endpoint = self.endpoint
        docker = import_docker_py(ssh=endpoint.host.startswith("ssh://"))
        from docker.tls import TLSConfig

        kwargs: dict[str, Any] = {"base_url": endpoint.host, "timeout": self.timeout if timeout is ... else timeout, "version": "auto"}
        if endpoint.host.startswith("ssh://"):
            # the system ssh client honours the user's ~/.ssh/config, agent and keys
            kwargs["use_ssh_client"] = True
        if endpoint.tls is not None:
            client_cert = (endpoint.tls.cert, endpoint.tls.key) if endpoint.tls.cert and endpoint.tls.key else None
            kwargs["tls"] = TLSConfig(
                client_cert=client_cert,
                ca_cert=endpoint.tls.ca if endpoint.tls.verify else None,
                verify=endpoint.tls.ca if endpoint.tls.verify and endpoint.tls.ca else endpoint.tls.verify,
            )
            if kwargs["base_url"].startswith("tcp://"):
                kwargs["base_url"] = "https://" + kwargs["base_url"][len("tcp://") :]
        try:
            # version="auto" asks the daemon for its API version first, so old
            # and new engines both work (no "client version is too old").
            return docker.DockerClient(**kwargs)
        except Exception as exc:
            reason = describe_error(exc)
            raise DaemonUnavailable(f"cannot reach {endpoint.host} ({endpoint.source}): {reason}", reason) from exc

    def reset(self) -> None:
        """Drop the client so the next use reconnects (after the daemon went away)."""
        with self._lock:
            clients = [c for c in (self._client, self._patient) if c is not None]
            self._client = self._patient = None
        for client in clients:
            try:
                client.close()
            except Exception:
                pass

    def close(self) -> None:
        self.reset()
