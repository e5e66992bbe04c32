"""Container operations: list, inspect and the lifecycle actions.

All functions are blocking and take an ``APIClient``; the UI calls them from
thread workers. Listing uses the low-level list endpoint only (one request,
no per-container inspect), which is what keeps refresh cheap at scale.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from tui.docker.errors import describe_error, is_connection_problem
from tui.docker.models import ContainerDetails, ContainerRow

if TYPE_CHECKING:
    import docker


def list_containers(api: docker.APIClient, *, all: bool = True) -> list[ContainerRow]:
    return [ContainerRow.from_api(item) for item in api.containers(all=all)]


def inspect_container(api: docker.APIClient, container_id: str) -> dict[str, Any]:
    return api.inspect_container(container_id)


def container_details(api: docker.APIClient, container_id: str) -> ContainerDetails:
    return ContainerDetails.from_inspect(api.inspect_container(container_id))


def top(api: docker.APIClient, container_id: str) -> tuple[list[str], list[list[str]]]:
    """``docker top``: column titles and process rows."""
    result = api.top(container_id)
    return list(result.get("Titles") or []), [list(map(str, row)) for row in (result.get("Processes") or [])]


@dataclass(frozen=True)
class ContainerAction:
    """A lifecycle action as the UI offers it."""

    verb: str
    past: str
    destructive: bool
    call: Callable[[docker.APIClient, str], object]


def _remove(api: docker.APIClient, container_id: str) -> None:
    api.remove_container(container_id, v=False, force=False)


def _force_remove(api: docker.APIClient, container_id: str) -> None:
    api.remove_container(container_id, v=False, force=True)


def _stop(api: docker.APIClient, container_id: str) -> None:
    # the client-side read timeout must outlast the daemon's stop grace period
    api.stop(container_id, timeout=10)


ACTIONS: dict[str, ContainerAction] = {
    "start": ContainerAction("start", "started", False, lambda api, cid: api.start(cid)),
    "stop": ContainerAction("stop", "stopped", False, _stop),
    "restart": ContainerAction("restart", "restarted", False, lambda api, cid: api.restart(cid, timeout=10)),
    "kill": ContainerAction("kill", "killed", True, lambda api, cid: api.kill(cid)),
    "pause": ContainerAction("pause", "paused", False, lambda api, cid: api.pause(cid)),
    "unpause": ContainerAction("unpause", "unpaused", False, lambda api, cid: api.unpause(cid)),
    "remove": ContainerAction("remove", "removed", True, _remove),
    "force-remove": ContainerAction("force remove", "force removed", True, _force_remove),
}


def run_action(api: docker.APIClient, action: str, container_id: str) -> None:
    ACTIONS[action].call(api, container_id)


@dataclass(frozen=True)
class BulkResult:
    done: tuple[str, ...]
    failed: tuple[tuple[str, str], ...]


def run_actions(api: docker.APIClient, actions: Sequence[tuple[str, str]]) -> BulkResult:
    """``(action, container id)`` pairs one after another; one failure does
    not stop the rest (``docker stop a b c`` behaves the same)."""
    done: list[str] = []
    failed: list[tuple[str, str]] = []
    for action, container_id in actions:
        try:
            run_action(api, action, container_id)
            done.append(container_id)
        except Exception as exc:
            if is_connection_problem(exc):
                raise
            failed.append((container_id, describe_error(exc)))
    return BulkResult(tuple(done), tuple(failed))


def exited_containers(api: docker.APIClient) -> list[ContainerRow]:
    """``docker ps -aq -f status=exited``."""
    return [ContainerRow.from_api(item) for item in api.containers(all=True, filters={"status": "exited"})]


def remove_exited(api: docker.APIClient, ids: list[str] | None = None) -> BulkResult:
    """``docker rm -v $(docker ps -aq -f status=exited)``.

    When ``ids`` is given (what the user confirmed), only those are removed,
    and only if they are still exited: a container restarted meanwhile stays.
    """
    current = {row.id for row in exited_containers(api)}
    targets = [cid for cid in ids if cid in current] if ids is not None else sorted(current)
    done: list[str] = []
    failed: list[tuple[str, str]] = []
    for cid in targets:
        try:
            api.remove_container(cid, v=True)
            done.append(cid)
        except Exception as exc:  # one failure must not stop the rest
            failed.append((cid, describe_error(exc)))
    return BulkResult(tuple(done), tuple(failed))
