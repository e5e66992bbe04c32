"""Following logs against the private daemon: what ``docker logs`` shows,
tagged by stream, live, bounded in time to stop, and as fast as the CLI."""

from __future__ import annotations

import os
import shutil
import subprocess
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import datetime

import pytest

from tui.docker.logs import LogFollower
from tui.docker.logspool import STDERR, STDOUT

pytestmark = [
    pytest.mark.daemon,
    pytest.mark.skipif(not os.environ.get("DOCKER_HOST"), reason="needs the private daemon (DOCKER_HOST)"),
]

IMAGE = "busybox:local"
LABELS = {"dtui.test": "logs-dev"}


# Local stand-ins for the shared fixtures of tests/conftest.py; same names and
# call shape, so these go once that file exists.
@pytest.fixture(scope="module")
def docker_client() -> Iterator:
    import docker

    client = docker.from_env(version="auto")
    yield client
    client.close()


@pytest.fixture
def run_container(docker_client) -> Iterator[Callable[..., object]]:
    started = []

    def run(command: list[str], **kwargs: object):  # type: ignore[no-untyped-def]
        name = f"dtui-logs-{uuid.uuid4().hex[:8]}"
        started.append(name)  # before run: a failed start still leaves a container
        # Logs need no network; without one a broken bridge cannot fail the test.
        kwargs.setdefault("network_mode", "none")
        return docker_client.containers.run(IMAGE, command, detach=True, name=name, labels=LABELS, **kwargs)

    yield run
    for name in started:
        try:
            docker_client.api.remove_container(name, force=True)
        except Exception:
            pass


def wait_until(predicate: Callable[[], bool], timeout: float = 10, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)


def wait_exited(container) -> None:  # type: ignore[no-untyped-def]
    container.wait(timeout=30)


class Recorder:
    """Collects the follower's callbacks as a view would receive them."""

    def __init__(self) -> None:
        self.counts: list[int] = []
        self.times: list[float] = []
        self.ends: list[str] = []
        self.ended = threading.Event()

    def on_lines(self, count: int) -> None:
        self.counts.append(count)
        self.times.append(time.monotonic())

    def on_end(self, reason: str) -> None:
        self.ends.append(reason)
        self.ended.set()


def follow(docker_client, containers, recorder: Recorder | None = None, **kwargs) -> LogFollower:  # type: ignore[no-untyped-def]
    recorder = recorder or Recorder()
    return LogFollower(docker_client.api, containers, on_lines=recorder.on_lines, on_end=recorder.on_end, **kwargs).start()


def test_known_lines_arrive_tagged_by_stream_with_timestamps(docker_client, run_container) -> None:
    script = (
        "echo out-1; echo err-1 >&2; echo out-2; echo err-2 >&2; "
        "printf '\\033]0;pwned\\007\\033[2J[red]x[/red] \\033[31mred\\033[0m\\n'"
    )
    container = run_container(["sh", "-c", script])
    wait_exited(container)
    recorder = Recorder()
    follower = follow(docker_client, container.id, recorder, tail="all")
    try:
        assert recorder.ended.wait(10)
        spool = follower.spool
        lines = spool.get_range(0, len(spool))
        assert [line.text for line in lines if line.stream == STDOUT] == ["out-1", "out-2", "[red]x[/red] \x1b[31mred\x1b[0m"]
        assert [line.text for line in lines if line.stream == STDERR] == ["err-1", "err-2"]
        assert {line.container for line in lines} == {container.name}
        for line in lines:
            # RFC3339Nano from the daemon, split off the text.
            datetime.fromisoformat(line.timestamp[:26] + "+00:00")
        assert recorder.ends == ["container exited with code 0"]
        assert sum(recorder.counts) == len(lines)
    finally:
        follower.close()


def test_following_shows_lines_written_later(docker_client, run_container) -> None:
    container = run_container(["sh", "-c", "echo before; sleep 1.5; echo after; sleep 300"])
    recorder = Recorder()
    follower = follow(docker_client, container.id, recorder)
    try:
        wait_until(lambda: len(follower.spool) >= 1, what="the first line")
        assert follower.spool.get(0).text == "before"
        wait_until(lambda: len(follower.spool) >= 2, what="the line written later")
        assert follower.spool.get(1).text == "after"
        assert len(recorder.counts) >= 2
        assert not follower.ended
    finally:
        follower.close()


def test_tail_fetches_only_the_last_lines(docker_client, run_container) -> None:
    container = run_container(["seq", "1", "100"])
    wait_exited(container)
    follower = follow(docker_client, container.id, tail=5)
    try:
        assert follower.wait(10)
        assert [line.text for line in follower.spool.get_range(0, 100)] == ["96", "97", "98", "99", "100"]
    finally:
        follower.close()


def test_since_fetches_only_later_lines(docker_client, run_container) -> None:
    container = run_container(["sh", "-c", "echo early; sleep 2; echo late"])
    wait_exited(container)
    everything = follow(docker_client, container.id, tail="all", follow=False)
    assert everything.wait(10)
    early, late = everything.spool.get_range(0, 2)
    everything.close()
    assert (early.text, late.text) == ("early", "late")
    between = datetime.fromisoformat(early.timestamp[:26] + "+00:00").timestamp() + 1
    follower = follow(docker_client, container.id, tail="all", since=between, follow=False)
    try:
        assert follower.wait(10)
        assert [line.text for line in follower.spool.get_range(0, 10)] == ["late"]
        assert follower.end_reason == "container exited with code 0"
    finally:
        follower.close()


def test_a_removed_container_ends_the_follow_with_a_reason(docker_client, run_container) -> None:
    container = run_container(["sh", "-c", "echo alive; sleep 300"])
    recorder = Recorder()
    follower = follow(docker_client, container.id, recorder)
    try:
        wait_until(lambda: len(follower.spool) >= 1, what="the first line")
        container.remove(force=True)
        assert recorder.ended.wait(10)
        assert recorder.ends == ["container removed"]
        assert follower.spool.get(0).text == "alive"
    finally:
        follower.close()


def test_a_container_gone_before_opening_ends_with_a_reason(docker_client) -> None:
    recorder = Recorder()
    follower = follow(docker_client, "dtui-logs-no-such-container", recorder)
    try:
        assert recorder.ended.wait(10)
        assert recorder.ends == ["container removed"]
    finally:
        follower.close()


def test_stop_returns_promptly_during_a_flood(docker_client, run_container) -> None:
    container = run_container(["yes", "flood"])
    follower = follow(docker_client, container.id, tail=0)
    wait_until(lambda: len(follower.spool) > 10_000, what="the flood to arrive")
    started = time.monotonic()
    assert follower.stop(timeout=1.0)
    assert time.monotonic() - started < 1.0
    assert follower.end_reason == "stopped"
    follower.spool.close()


def test_merged_logs_tag_each_line_with_its_container(docker_client, run_container) -> None:
    web = run_container(["sh", "-c", "echo web-line"])
    db = run_container(["sh", "-c", "echo db-line; exit 3"])
    wait_exited(web)
    wait_exited(db)
    recorder = Recorder()
    follower = follow(docker_client, [web.id, db.id], recorder, tail="all")
    try:
        assert recorder.ended.wait(10)
        lines = follower.spool.get_range(0, 10)
        assert {(line.container, line.text) for line in lines} == {(web.name, "web-line"), (db.name, "db-line")}
        assert follower.end_reasons == {web.name: "container exited with code 0", db.name: "container exited with code 3"}
        assert recorder.ends == [f"{web.name}: container exited with code 0; {db.name}: container exited with code 3"] or recorder.ends == [
            f"{db.name}: container exited with code 3; {web.name}: container exited with code 0"
        ]
    finally:
        follower.close()


def test_tty_container_lines_have_no_carriage_returns(docker_client, run_container) -> None:
    container = run_container(["sh", "-c", "echo one; echo two >&2; printf 'bar 10%%\\rbar 100%%\\n'"], tty=True)
    wait_exited(container)
    follower = follow(docker_client, container.id, tail="all")
    try:
        assert follower.wait(10)
        lines = follower.spool.get_range(0, 10)
        assert [line.text for line in lines] == ["one", "two", "bar 100%"]
        assert all(line.stream == STDOUT and line.timestamp for line in lines)
    finally:
        follower.close()


def test_a_line_longer_than_the_log_driver_message_comes_back_whole(docker_client, run_container) -> None:
    container = run_container(["sh", "-c", "head -c 40000 /dev/zero | tr '\\0' a; echo; echo next"])
    wait_exited(container)
    follower = follow(docker_client, container.id, tail="all")
    try:
        assert follower.wait(10)
        lines = follower.spool.get_range(0, 10)
        assert [line.text for line in lines] == ["a" * 40000, "next"]
    finally:
        follower.close()


def test_throughput_against_the_docker_cli(docker_client, run_container) -> None:
    """Lines per second ingested from a `yes` backlog, next to
    ``docker logs -f > /dev/null`` on the same container (reported, not asserted)."""
    count = 300_000
    container = run_container(["sh", "-c", f"yes | head -n {count}"])
    wait_exited(container)
    started = time.perf_counter()
    follower = follow(docker_client, container.id, tail="all")
    assert follower.wait(120)
    ours = time.perf_counter() - started
    assert len(follower.spool) == count
    follower.close()
    report = f"\ndtui: {count / ours:,.0f} lines/s ({ours:.2f}s for {count:,} lines)"
    cli = shutil.which("docker")
    if cli:
        started = time.perf_counter()
        subprocess.run([cli, "logs", "-f", container.id], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
        theirs = time.perf_counter() - started
        report += f"; docker logs -f: {count / theirs:,.0f} lines/s ({theirs:.2f}s), ratio {theirs / ours:.2f}"
    print(report)


def test_live_flood_throughput(docker_client, run_container) -> None:
    """Lines per second while `yes` runs, dtui and the CLI reading at once
    (reported, not asserted)."""
    container = run_container(["yes"])
    seconds = 3.0
    follower = follow(docker_client, container.id, tail=0)
    cli = shutil.which("docker")
    counted = None
    if cli:
        reader = subprocess.Popen([cli, "logs", "-f", "--tail", "0", container.id], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        counter = subprocess.Popen(["wc", "-l"], stdin=reader.stdout, stdout=subprocess.PIPE, text=True)
        assert reader.stdout is not None
        reader.stdout.close()
    time.sleep(seconds)
    ours = len(follower.spool)
    follower.stop()
    follower.spool.close()
    if cli:
        reader.terminate()
        counted = int(counter.communicate(timeout=10)[0].strip() or 0)
        reader.wait(timeout=10)
    report = f"\nlive flood over {seconds:.0f}s: dtui {ours / seconds:,.0f} lines/s"
    if counted is not None:
        report += f", docker logs -f {counted / seconds:,.0f} lines/s"
    print(report)
    assert ours > 0
