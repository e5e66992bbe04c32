"""Domain objects from recorded API payloads, and daemon address resolution."""

from __future__ import annotations

import hashlib
import json

import pytest

from tui.docker.client import detach_keys, list_contexts, resolve_endpoint
from tui.docker.errors import DaemonUnavailable, describe_error
from tui.docker.models import ContainerDetails, ContainerRow

LIST_ITEM = {
    "Id": "8dfafdbc3a40" + "0" * 52,
    "Names": ["/web"],
    "Image": "nginx:1.25",
    "ImageID": "sha256:abc",
    "Command": "nginx -g 'daemon off;'",
    "Created": 1700000000,
    "Ports": [{"IP": "0.0.0.0", "PrivatePort": 80, "PublicPort": 8080, "Type": "tcp"}, {"PrivatePort": 443, "Type": "tcp"}],
    "Labels": {"com.docker.compose.project": "shop", "tier": "front"},
    "State": "running",
    "Status": "Up 3 minutes",
}

INSPECT = {
    "Id": LIST_ITEM["Id"],
    "Name": "/web",
    "Created": "2026-11-29T06:00:00Z",
    "RestartCount": 2,
    "State": {"Status": "exited", "Running": False, "ExitCode": 137, "OOMKilled": True, "Pid": 0, "StartedAt": "s", "FinishedAt": "f", "Error": ""},
    "Config": {"Image": "nginx:1.25", "Cmd": ["nginx", "-g", "daemon off;"], "Env": ["PATH=/bin", "DB_PASSWORD=hunter2", "EMPTY="], "Labels": {"a": "1"}, "Tty": True, "OpenStdin": True},
    "HostConfig": {"RestartPolicy": {"Name": "on-failure", "MaximumRetryCount": 3}},
    "NetworkSettings": {
        "Ports": {"80/tcp": [{"HostIp": "0.0.0.0", "HostPort": "8080"}], "443/tcp": None},
        "Networks": {"bridge": {"IPAddress": "172.17.0.2", "Gateway": "172.17.0.1", "MacAddress": "02:42"}},
    },
    "Mounts": [{"Type": "volume", "Name": "data", "Source": "/var/lib/docker/volumes/data/_data", "Destination": "/data", "Mode": "z", "RW": True}],
}


def test_container_row_from_list_payload():
    row = ContainerRow.from_api(LIST_ITEM)
    assert row.name == "web"
    assert row.short_id == "8dfafdbc3a40"
    assert row.compose_project == "shop"
    assert row.is_running
    assert row.ports[0].public_port == 8080 and row.ports[1].public_port is None


def test_container_details_from_inspect_payload():
    details = ContainerDetails.from_inspect(INSPECT)
    assert details.exit_code == 137
    assert details.status_detail == "OOM killed"
    assert details.restart_policy == "on-failure:3"
    assert details.restart_count == 2
    assert details.ports == (("443/tcp", ""), ("80/tcp", "0.0.0.0:8080"))
    assert details.mounts[0].source == "data" and details.mounts[0].destination == "/data"
    assert details.networks[0].ip_address == "172.17.0.2"
    assert ("DB_PASSWORD", "hunter2") in details.env and ("EMPTY", "") in details.env
    assert details.tty and details.open_stdin


def test_endpoint_precedence(tmp_path):
    env = {"DOCKER_HOST": "tcp://10.0.0.1:2375", "DOCKER_CONFIG": str(tmp_path)}
    assert resolve_endpoint(host="unix:///x.sock", env=env).host == "unix:///x.sock"
    assert resolve_endpoint(env=env).source == "DOCKER_HOST"
    assert resolve_endpoint(env={"DOCKER_CONFIG": str(tmp_path)}).host == "unix:///var/run/docker.sock"


def _write_context(config_dir, name: str, host: str) -> None:
    meta_dir = config_dir / "contexts" / "meta" / hashlib.sha256(name.encode()).hexdigest()
    meta_dir.mkdir(parents=True)
    (meta_dir / "meta.json").write_text(json.dumps({"Name": name, "Metadata": {"Description": "remote box"}, "Endpoints": {"docker": {"Host": host, "SkipTLSVerify": False}}}))


def test_contexts_from_the_cli_store(tmp_path):
    _write_context(tmp_path, "remote", "ssh://me@box")
    (tmp_path / "config.json").write_text(json.dumps({"currentContext": "remote", "detachKeys": "ctrl-a,a"}))
    env = {"DOCKER_CONFIG": str(tmp_path)}
    endpoint = resolve_endpoint(env=env)
    assert endpoint.host == "ssh://me@box" and endpoint.context == "remote"
    assert resolve_endpoint(context="remote", env={**env, "DOCKER_HOST": "unix:///y"}).host == "ssh://me@box"
    assert [c.name for c in list_contexts(tmp_path)] == ["default", "remote"]
    assert detach_keys(tmp_path) == "ctrl-a,a"
    with pytest.raises(DaemonUnavailable, match="nope"):
        resolve_endpoint(context="nope", env=env)


def test_detach_keys_default_when_unset(tmp_path):
    assert detach_keys(tmp_path) == "ctrl-p,ctrl-q"


def test_describe_error_names_the_socket_problem():
    import docker

    client = docker.APIClient(base_url="unix:///nonexistent/dtui.sock", version="1.41", timeout=2)
    with pytest.raises(Exception) as info:
        client.ping()
    assert "socket not found" in describe_error(info.value)
