"""What a user types into the image forms, checked before the daemon sees it:
references, ports, env, volumes, restart policies, names, commands."""

from __future__ import annotations

import pytest

from tui.docker.errors import InvalidInput
from tui.docker.images import (
    BuildOutcome,
    TransferProgress,
    build_request,
    build_run_spec,
    explain_registry_error,
    image_rows,
    parse_command,
    parse_container_name,
    parse_env,
    parse_port,
    parse_ports,
    parse_reference,
    parse_restart_policy,
    parse_volumes,
    port_bindings,
)
from tui.docker.models import LayerProgress, PortBinding, RestartPolicy, VolumeMount
from tui.presentation import layer_command

DIGEST = "sha256:" + "ab" * 32


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("busybox", ("busybox", "latest")),
        ("busybox:1.36", ("busybox", "1.36")),
        ("library/busybox:local", ("library/busybox", "local")),
        ("localhost/app", ("localhost/app", "latest")),
        ("localhost:5000/team/app:v2", ("localhost:5000/team/app", "v2")),
        ("127.0.0.1:5055/dtui-test/x:1", ("127.0.0.1:5055/dtui-test/x", "1")),
        ("registry.example.com/a/b/c:Tag_1.0-rc", ("registry.example.com/a/b/c", "Tag_1.0-rc")),
        ("[::1]:5000/app:1", ("[::1]:5000/app", "1")),
        ("a__b/c-d--e.f:x", ("a__b/c-d--e.f", "x")),
        (f"busybox@{DIGEST}", ("busybox", DIGEST)),
        (f"reg.io:443/app:1@{DIGEST}", ("reg.io:443/app", DIGEST)),
        ("  spaced-around:1  ", ("spaced-around", "1")),
    ],
)
def test_valid_references_split_into_repository_and_tag(text, expected):
    assert parse_reference(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "Enter an image reference"),
        ("MyApp:1", "must be lowercase"),
        ("team/MyApp", "must be lowercase"),
        ("app:-bad", "Invalid tag '-bad'"),
        ("app:.bad", "Invalid tag"),
        ("app:" + "x" * 129, "up to 128"),
        ("app:bad tag", "spaces are not allowed"),
        ("a//b", "empty path component"),
        ("app/", "empty path component"),
        ("a___b", "may only hold"),
        ("-app", "may only hold"),
        ("app$", "may only hold"),
        (":tag", "repository name is missing"),
        ("app@sha256:123", "Invalid digest"),
        ("bad_host:5000/app", "Invalid registry host"),
        ("x" * 256, "too long"),
    ],
)
def test_invalid_references_say_what_is_wrong(text, message):
    with pytest.raises(InvalidInput, match=message.replace("(", r"\(").replace("$", r"\$").replace(".", r"\.")):
        parse_reference(text)


def test_commit_and_tag_refuse_digests():
    with pytest.raises(InvalidInput, match="digest"):
        parse_reference(f"app@{DIGEST}", allow_digest=False)


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("80", [PortBinding(80, "tcp", "", "")]),
        ("8080:80", [PortBinding(80, "tcp", "", "8080")]),
        ("127.0.0.1:8080:80/udp", [PortBinding(80, "udp", "127.0.0.1", "8080")]),
        ("127.0.0.1::80", [PortBinding(80, "tcp", "127.0.0.1", "")]),
        ("[::1]:8080:80", [PortBinding(80, "tcp", "::1", "8080")]),
        ("53/UDP", [PortBinding(53, "udp", "", "")]),
        ("9000-9001:80-81", [PortBinding(80, "tcp", "", "9000"), PortBinding(81, "tcp", "", "9001")]),
        ("9000-9009:80", [PortBinding(80, "tcp", "", "9000-9009")]),
    ],
)
def test_port_specs_like_docker_run(spec, expected):
    assert parse_port(spec) == expected


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("http", "not a number"),
        ("8080:", "container port is missing"),
        ("70000:80", "outside 1-65535"),
        ("0:80", "outside 1-65535"),
        ("8080:80/icmp", "protocol must be tcp, udp or sctp"),
        ("300.1.1.1:80:80", "not an IP address"),
        (":80:80", "IP address before the host port is empty"),
        ("::1:80:80", "IPv6 addresses go in brackets"),
        ("90-80:80-90", "runs backwards"),
        ("9000-9002:80-81", "differ in length"),
    ],
)
def test_bad_port_specs_are_explained(spec, message):
    with pytest.raises(InvalidInput, match=message):
        parse_port(spec)


def test_several_ports_and_their_host_config_shape():
    ports = parse_ports("8080:80, 127.0.0.1:8443:443\n53/udp")
    assert port_bindings(ports) == {
        "80/tcp": [{"HostIp": "", "HostPort": "8080"}],
        "443/tcp": [{"HostIp": "127.0.0.1", "HostPort": "8443"}],
        "53/udp": [{"HostIp": "", "HostPort": ""}],
    }
    assert parse_ports("  ") == ()


def test_env_per_line_or_comma_separated_keeps_commas_in_values():
    assert parse_env("A=1\nB=two words\n# comment\n\nC=") == (("A", "1"), ("B", "two words"), ("C", ""))
    assert parse_env("A=1, B=2,C=x=y") == (("A", "1"), ("B", "2"), ("C", "x=y"))
    assert parse_env("LIST=a,b,c") == (("LIST", "a,b,c"),)


@pytest.mark.parametrize(("text", "message"), [("JUSTKEY", "expected KEY=VALUE"), ("1X=2", "Invalid environment variable name"), ("A B=1", "Invalid environment variable name")])
def test_bad_env_entries(text, message):
    with pytest.raises(InvalidInput, match=message):
        parse_env(text)


def test_volumes_named_bind_anonymous_and_modes():
    assert parse_volumes("data:/var/lib/data:ro, /srv/www:/www /cache /etc/x:/x:rw") == (
        VolumeMount("data", "/var/lib/data", True),
        VolumeMount("/srv/www", "/www", False),
        VolumeMount("", "/cache", False),
        VolumeMount("/etc/x", "/x", False),
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("data:relative", "must be absolute"),
        ("data:/d:rx", "mode must be ro or rw"),
        ("./here:/d", "neither an absolute host path nor a volume name"),
        ("a:/b:ro:extra", "use name:/path"),
    ],
)
def test_bad_volumes(text, message):
    with pytest.raises(InvalidInput, match=message):
        parse_volumes(text)


def test_restart_policies():
    assert parse_restart_policy("") == RestartPolicy("no")
    assert parse_restart_policy("always") == RestartPolicy("always")
    assert parse_restart_policy("unless-stopped") == RestartPolicy("unless-stopped")
    assert parse_restart_policy("on-failure") == RestartPolicy("on-failure", 0)
    assert parse_restart_policy("on-failure:5") == RestartPolicy("on-failure", 5)
    for bad, message in (("sometimes", "use no, always"), ("always:3", "only on-failure"), ("on-failure:x", "whole number"), ("on-failure:-1", "whole number")):
        with pytest.raises(InvalidInput, match=message):
            parse_restart_policy(bad)


def test_names_and_commands():
    assert parse_container_name(" /web-1 ") == "web-1"
    assert parse_container_name("") == ""
    with pytest.raises(InvalidInput, match="Invalid container name"):
        parse_container_name("bad name")
    with pytest.raises(InvalidInput, match="Invalid container name"):
        parse_container_name("x")
    assert parse_command("sh -c 'echo hi; sleep 1'") == ("sh", "-c", "echo hi; sleep 1")
    with pytest.raises(InvalidInput, match="check the quotes"):
        parse_command("sh -c 'unclosed")


def test_run_spec_rejects_auto_remove_with_a_restart_policy():
    with pytest.raises(InvalidInput, match="Auto-remove cannot be combined"):
        build_run_spec("busybox", restart="always", auto_remove=True)
    spec = build_run_spec("busybox", name="web", command="sleep 5", restart="on-failure:2", ports="8080:80", env="A=1", volumes="v:/v")
    assert spec.restart == RestartPolicy("on-failure", 2)
    assert spec.command == ("sleep", "5")
    assert spec.ports == (PortBinding(80, "tcp", "", "8080"),)


def test_build_request_checks_context_and_dockerfile(tmp_path):
    (tmp_path / "Dockerfile").write_text("FROM scratch\n")
    request = build_request(str(tmp_path), "", "team/app", "A=1, B=2")
    assert request.dockerfile == str(tmp_path / "Dockerfile")
    assert request.tag == "team/app:latest"
    assert request.build_args == (("A", "1"), ("B", "2"))
    with pytest.raises(InvalidInput, match="is not a folder"):
        build_request(str(tmp_path / "missing"), "", "", "")
    with pytest.raises(InvalidInput, match="not found"):
        build_request(str(tmp_path), "Other.Dockerfile", "", "")
    with pytest.raises(InvalidInput, match="lowercase"):
        build_request(str(tmp_path), "", "Team/App", "")


def test_image_rows_one_per_tag_and_dangling_once():
    images = [
        {"Id": "sha256:" + "1" * 64, "RepoTags": ["a:1", "b/c:2"], "Created": 10, "Size": 100},
        {"Id": "sha256:" + "2" * 64, "RepoTags": ["<none>:<none>"], "RepoDigests": ["<none>@<none>"], "Created": 5, "Size": 50},
        {"Id": "sha256:" + "3" * 64, "RepoTags": None, "RepoDigests": [f"reg:5000/x@{DIGEST}"], "Created": 1, "Size": 1},
    ]
    rows = image_rows(images, {"sha256:" + "1" * 64: 3})
    assert [(r.repository, r.tag, r.containers, r.dangling) for r in rows] == [
        ("a", "1", 3, False),
        ("b/c", "2", 3, False),
        ("<none>", "<none>", 0, True),
        ("reg:5000/x", "<none>", 0, False),
    ]
    assert rows[0].reference == "a:1"
    assert rows[2].reference == "sha256:" + "2" * 64
    assert rows[3].reference == f"reg:5000/x@{DIGEST}"
    assert len({r.key for r in rows}) == 4


def test_transfer_progress_folds_pull_events():
    progress = TransferProgress()
    for event in [
        {"status": "Pulling from dtui-test/x", "id": "1"},
        {"status": "Pulling fs layer", "progressDetail": {}, "id": "aaaaaaaaaaaa"},
        {"status": "Already exists", "progressDetail": {}, "id": "bbbbbbbbbbbb"},
        {"status": "Downloading", "progressDetail": {"current": 50, "total": 200}, "id": "aaaaaaaaaaaa"},
    ]:
        progress.feed(event)
    snap = progress.snapshot()
    assert [layer.id for layer in snap.layers] == ["aaaaaaaaaaaa", "bbbbbbbbbbbb"]
    assert snap.layers_done == 1
    assert snap.fraction == pytest.approx((0.5 * 0.25 + 1) / 2)
    progress.feed({"status": "Download complete", "progressDetail": {}, "id": "aaaaaaaaaaaa"})
    progress.feed({"status": "Extracting", "progressDetail": {"current": 100, "total": 200}, "id": "aaaaaaaaaaaa"})
    assert progress.fraction == pytest.approx((0.75 + 1) / 2)
    progress.feed({"status": "Pull complete", "progressDetail": {}, "id": "aaaaaaaaaaaa"})
    assert progress.fraction == 1.0
    # the finished layer keeps the size it was downloaded with
    assert progress.layers["aaaaaaaaaaaa"] == LayerProgress("aaaaaaaaaaaa", "Pull complete", 200, 200)
    assert (progress.snapshot().bytes_done, progress.snapshot().bytes_total) == (200, 200)
    assert progress.messages == ["1: Pulling from dtui-test/x"]
    progress.feed({"errorDetail": {"message": "unauthorized: authentication required"}, "error": "unauthorized: authentication required"})
    assert progress.snapshot().error == "unauthorized: authentication required"


def test_build_outcome_remembers_the_failing_step():
    outcome = BuildOutcome()
    for event in [
        {"stream": "Step 1/3 : FROM busybox:local\n"},
        {"stream": " ---> 931e258eceb0\n"},
        {"stream": "Step 2/3 : RUN false\n"},
        {"stream": " ---> Running in 0123\n"},
        {"error": "The command '/bin/sh -c false' returned a non-zero code: 1", "errorDetail": {"code": 1}},
    ]:
        outcome.feed(event)
    assert outcome.step == "Step 2/3 : RUN false"
    assert "non-zero code: 1" in outcome.error
    ok = BuildOutcome()
    ok.feed({"aux": {"ID": "sha256:abc"}})
    ok.feed({"stream": "Successfully built abc\n"})
    assert ok.image_id == "sha256:abc" and not ok.error


def test_registry_errors_say_what_they_mean():
    offline = 'Get "https://index.docker.io/v1/search?q=x": dial tcp: lookup index.docker.io: no such host (HTTP 500)'
    assert explain_registry_error(offline) == f"Registry unreachable: {offline}"
    assert explain_registry_error(explain_registry_error(offline)) == f"Registry unreachable: {offline}"
    auth = explain_registry_error("unauthorized: authentication required")
    assert auth.startswith("Authentication required (docker login") and auth.endswith("unauthorized: authentication required")
    assert explain_registry_error("manifest unknown") == "manifest unknown"


def test_history_commands_read_like_a_dockerfile():
    assert layer_command('/bin/sh -c #(nop)  CMD ["/bin/sh"]') == 'CMD ["/bin/sh"]'
    assert layer_command("/bin/sh -c echo hi > /x") == "RUN echo hi > /x"
    assert layer_command("Imported from -") == "Imported from -"
