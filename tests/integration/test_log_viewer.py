"""The log viewer against the private daemon, driven as a user drives it:
`l` on a container, then the keys of the log screen. Assertions are on what
the screen shows (the rendered Strips) and on what the daemon was asked."""

from __future__ import annotations

import asyncio
import re
import threading
from pathlib import Path

import pytest

from tests.integration.app_driver import containers_pane, notifications, screen_text, wait_for, wait_thread
from tui.app import create_app
from tui.widgets.log_view import LogView

COMPOSE_PROJECT = "com.docker.compose.project"


@pytest.fixture
def run_container(run_container):
    """The shared factory, without a network: logs need none, and a broken
    bridge on the test machine then cannot fail these tests."""

    def run(*args, **kwargs):
        kwargs.setdefault("network_mode", "none")
        return run_container(*args, **kwargs)

    return run


async def open_logs(pilot, app, container, key: str = "l") -> LogView:
    pane = containers_pane(app)
    await wait_for(pilot, lambda: pane._loaded and container.id in pane.table.keys, what="the container's row")
    pane.table.select_key(container.id)
    pane.focus_table()
    await pilot.pause(0.05)
    await pilot.press(key)
    await wait_for(pilot, lambda: type(app.screen).__name__ == "LogScreen", what="the log screen")
    return app.screen.query_one(LogView)


def rows(view: LogView) -> list[str]:
    return view.plain_rows()


def strips(view: LogView) -> list:
    return [view.render_line(y) for y in range(view.scrollable_content_region.height)]


def status(app) -> str:
    return str(app.screen.status_text())


def shown_texts(view: LogView) -> list[str]:
    """Every shown line's text, read through the view's own index mapping."""
    return [view.spool.get(view.spool_index(k)).plain for k in range(view.shown_count)]


async def type_into_input(pilot, app, text: str) -> None:
    await pilot.press(*text)
    await pilot.press("enter")


async def test_known_lines_both_streams_colours_and_hostile_text_literal(run_container):
    script = (
        "echo 'hello from stdout'; "
        "echo 'trouble on stderr' >&2; "
        "printf '\\033[32mgreen words\\033[0m plain\\n'; "
        "printf 'title \\033]0;pwned\\007 after\\n'; "
        "printf 'clip \\033]52;c;cHduZWQ=\\007 board\\n'; "
        "echo '[red]x[/red] and [bold]b[/bold]'"
    )
    container = run_container(command=["sh", "-c", script])
    await asyncio.to_thread(container.wait, timeout=30)
    app = create_app()
    async with app.run_test(size=(120, 40)) as pilot:
        view = await open_logs(pilot, app, container)
        await wait_for(pilot, lambda: view.shown_count == 6, what="six lines")
        await wait_for(pilot, lambda: "not running" in status(app), what="end of a stopped container's log")
        assert "container is not running — end of log" in status(app)
        await pilot.pause(0.1)

        text = "\n".join(rows(view))
        assert "hello from stdout" in text
        assert "trouble on stderr" in text
        assert "[red]x[/red] and [bold]b[/bold]" in text  # literal, never markup
        assert "title  after" in text and "clip  board" in text  # OSC removed, text kept
        assert "pwned" not in text and "cHduZWQ" not in text

        segments = [segment for strip in strips(view) for segment in strip]
        assert not any("\x1b" in s.text or "\x07" in s.text for s in segments)
        # stderr rows carry a red gutter mark; stdout rows do not
        by_row = {"".join(s.text for s in strip): list(strip) for strip in strips(view)}
        stderr_row = next(r for r in by_row if "trouble on stderr" in r)
        stdout_row = next(r for r in by_row if "hello from stdout" in r)
        assert stderr_row.startswith("▌") and by_row[stderr_row][0].style.color.name == "red"
        assert not stdout_row.startswith("▌")
        green = [s for s in segments if "green words" in s.text]
        assert green and green[0].style.color is not None and green[0].style.color.number == 2  # SGR 32
        # the terminal output the user receives: no escape survives from the log
        assert "pwned" not in screen_text(app)


async def test_following_shows_new_lines_and_scrolling_up_pauses(run_container):
    container = run_container(command=["sh", "-c", "i=0; while :; do echo tick $i; i=$((i+1)); sleep 0.05; done"])
    app = create_app()
    async with app.run_test(size=(120, 40)) as pilot:
        view = await open_logs(pilot, app, container)
        def newest_tick() -> int:
            ticks = [int(r.split()[1]) for r in rows(view) if r.strip().startswith("tick ")]
            return max(ticks, default=-1)

        await wait_for(pilot, lambda: newest_tick() >= 0, what="ticks on screen")
        first = newest_tick()
        await wait_for(pilot, lambda: newest_tick() >= first + 20, timeout=15, what="newer ticks shown as they come")
        await wait_for(pilot, lambda: view.shown_count > 60, timeout=15, what="more lines than fit")
        # following keeps the newest line on the last row
        last = rows(view)[-1].strip()
        assert last == f"tick {view.shown_count - 1}" or view.shown_count - int(last.split()[1]) < 25

        await pilot.press("pageup")
        assert not view.following
        top = view.top_spool_index()
        await wait_for(pilot, lambda: view.pending >= 10, what="new lines counted while paused")
        assert view.top_spool_index() == top  # the text did not move under the reader
        assert re.search(r"paused — [\d,]+ new lines — G/End to resume", status(app))

        await pilot.press("G")
        assert view.following and view.pending == 0
        await pilot.pause(0.3)
        newest = view.shown_count - 1
        assert any(r.strip() == f"tick {newest}" for r in rows(view)[-3:]) or view.shown_count - newest < 10
        assert "● following" in status(app)

        await pilot.press("up")
        assert not view.following
        await pilot.press("end")
        assert view.following


async def test_search_highlights_and_moves_with_n_and_N(run_container):
    script = "i=1; while [ $i -le 300 ]; do case $i in 20|150|280) echo needle $i;; *) echo hay $i;; esac; i=$((i+1)); done"
    container = run_container(command=["sh", "-c", script])
    await asyncio.to_thread(container.wait, timeout=30)
    app = create_app()
    async with app.run_test(size=(120, 40)) as pilot:
        view = await open_logs(pilot, app, container)
        await wait_for(pilot, lambda: view.shown_count == 300, what="300 lines")
        await pilot.press("slash")
        await type_into_input(pilot, app, "needle")
        # from the top line on screen (the end of the log): needle 280 first
        await wait_for(pilot, lambda: view.current_match == 279, what="first match")
        assert not view.following
        screen_rows = rows(view)
        centre = next(i for i, r in enumerate(screen_rows) if "needle 280" in r)
        assert abs(centre - len(screen_rows) // 2) <= 2 or view.scroll_y == view.max_scroll_y

        match_row = strips(view)[centre]
        highlighted = [s for s in match_row if s.text == "needle"]
        assert highlighted and highlighted[0].style.bgcolor is not None

        await pilot.press("n")  # past the last match: wraps to the first
        await wait_for(pilot, lambda: view.current_match == 19, what="wrapped to needle 20")
        assert "wrapped" in status(app)
        assert any("needle 20" in r for r in rows(view))
        await pilot.press("n")
        await wait_for(pilot, lambda: view.current_match == 149, what="needle 150")
        await pilot.press("N")
        await wait_for(pilot, lambda: view.current_match == 19, what="back to needle 20")
        await pilot.press("N")
        await wait_for(pilot, lambda: view.current_match == 279, what="wrapped back to needle 280")

        # a search with no match says so
        await pilot.press("slash")
        await type_into_input(pilot, app, "nothing-like-this")
        await wait_for(pilot, lambda: "no match" in status(app), what="no match notice")


async def test_filter_shows_only_matching_lines_as_they_arrive(run_container):
    script = "i=0; while :; do echo keep $i; echo drop $i; i=$((i+1)); sleep 0.05; done"
    container = run_container(command=["sh", "-c", script])
    app = create_app()
    async with app.run_test(size=(120, 40)) as pilot:
        view = await open_logs(pilot, app, container)
        await wait_for(pilot, lambda: view.shown_count > 20, what="some lines")
        await pilot.press("f")
        await type_into_input(pilot, app, "keep")
        await wait_for(pilot, lambda: view.line_filter is not None and view.shown_count > 10, what="filtered lines")
        first = view.shown_count
        await wait_for(pilot, lambda: view.shown_count > first + 10, what="new matching lines while filtering")
        assert all(text.startswith("keep") for text in shown_texts(view))
        visible = [r.strip() for r in rows(view) if r.strip()]
        assert visible and all(r.startswith("keep") for r in visible)
        assert "filter 'keep'" in status(app)

        await pilot.press("escape")  # clears the filter, stays in the log
        assert view.line_filter is None and type(app.screen).__name__ == "LogScreen"
        await pilot.pause(0.2)
        assert any(r.strip().startswith("drop") for r in rows(view))


async def test_bad_regex_is_reported_and_the_text_kept(run_container):
    container = run_container(command=["sh", "-c", "echo one; echo two"])
    await asyncio.to_thread(container.wait, timeout=30)
    app = create_app()
    async with app.run_test(size=(120, 40)) as pilot:
        view = await open_logs(pilot, app, container)
        await wait_for(pilot, lambda: view.shown_count == 2, what="two lines")
        for key in ("slash", "f"):
            await pilot.press(key)
            await type_into_input(pilot, app, "r/(unclosed")
            box = app.screen.query_one("#log-input")
            assert "bad regex:" in status(app)
            assert box.display and box.value == "r/(unclosed"
            await pilot.press("escape")
            assert not box.display
        # a valid regex after the prefix works
        await pilot.press("f")
        await type_into_input(pilot, app, "r/^t.o$")
        await wait_for(pilot, lambda: view.line_filter is not None and view.shown_count == 1, what="regex filter")
        assert shown_texts(view) == ["two"]


async def test_tail_and_since_presets_change_what_is_fetched(run_container):
    container = run_container(command=["sh", "-c", "i=1; while [ $i -le 300 ]; do echo n $i; i=$((i+1)); done; sleep 600"])
    app = create_app()
    async with app.run_test(size=(120, 40)) as pilot:
        view = await open_logs(pilot, app, container)
        await wait_for(pilot, lambda: view.shown_count == 300, what="300 lines (default tail is larger)")
        screen = app.screen
        assert screen.follower.params["tail"] == "5000" and "since" not in screen.follower.params

        await pilot.press("minus", "minus")  # 5000 -> 1000 -> 100
        await wait_for(pilot, lambda: screen.follower.params["tail"] == "100", what="tail 100")
        await wait_for(pilot, lambda: view.shown_count == 100, what="the last 100 lines only")
        assert view.spool.get(0).text == "n 201"
        assert "tail 100" in status(app)

        await pilot.press("1")  # since 1 minute: everything this container said
        await wait_for(pilot, lambda: "since" in screen.follower.params, what="since 1m")
        import time

        since = float(screen.follower.params["since"])
        assert abs(time.time() - 60 - since) < 10
        assert screen.follower.params["tail"] == "all"
        await wait_for(pilot, lambda: view.shown_count == 300, what="all 300 lines of the last minute")
        assert "since 1m" in status(app)

        await pilot.press("plus")  # back to a tail count
        await wait_for(pilot, lambda: screen.follower.params["tail"] == "5000" and "since" not in screen.follower.params, what="tail 5000")
        await pilot.press("0")
        await wait_for(pilot, lambda: screen.follower.params["tail"] == "all", what="all lines")
        await wait_for(pilot, lambda: view.shown_count == 300, what="300 lines")


async def test_since_excludes_older_lines(run_container):
    # Lines written before the since point must not be fetched: the view asks
    # the daemon, it does not filter locally. The presets are relative to now,
    # so the since point here is set just before the "late" line's own
    # timestamp, four seconds after "early".
    from datetime import datetime

    from tui.screens.logs import Preset

    container = run_container(command=["sh", "-c", "echo early; sleep 4; echo late; sleep 600"])
    app = create_app()
    async with app.run_test(size=(120, 40)) as pilot:
        view = await open_logs(pilot, app, container)
        await wait_for(pilot, lambda: view.shown_count == 2, timeout=15, what="both lines")
        late = view.spool.get(1)
        assert late.text == "late"
        stamp = datetime.fromisoformat(late.timestamp[:26].rstrip("Z") + "+00:00")
        since = stamp.timestamp() - 1.0
        screen = app.screen

        class JustBeforeLate(Preset):
            def since_seconds(self) -> float | None:
                return since

        screen.preset = JustBeforeLate(tail="all", since="test")
        screen.action_reload()
        await wait_for(pilot, lambda: screen.follower.spool is view.spool and view.shown_count >= 1, what="refetch")
        await pilot.pause(0.5)
        assert shown_texts(view) == ["late"]
        assert float(screen.follower.params["since"]) == pytest.approx(since)


async def test_save_writes_every_line_and_reports_errors(run_container, tmp_path: Path):
    container = run_container(command=["sh", "-c", "i=1; while [ $i -le 500 ]; do echo saved line $i; i=$((i+1)); done; echo last >&2"])
    await asyncio.to_thread(container.wait, timeout=30)
    app = create_app()
    async with app.run_test(size=(120, 40)) as pilot:
        view = await open_logs(pilot, app, container)
        await wait_for(pilot, lambda: view.shown_count == 501, what="501 lines")
        await pilot.press("s")
        box = app.screen.query_one("#log-input")
        assert box.display and box.value.endswith("-logs.txt") and container.name in box.value

        missing = tmp_path / "no-such-dir" / "out.txt"
        box.value = str(missing)
        await pilot.press("enter")
        await wait_for(pilot, lambda: "cannot save" in status(app), what="save error")
        assert "No such file or directory" in status(app)
        assert box.display and box.value == str(missing)

        target = tmp_path / "out.txt"
        box.value = str(target)
        await pilot.press("enter")
        await wait_for(pilot, lambda: "saved 501 lines" in status(app), what="saved")
        assert str(target) in status(app)
        assert not box.display
        lines = target.read_text().splitlines()
        # stdout keeps its order; the daemon may log the stderr line anywhere
        # among them (it copies the two streams concurrently)
        assert len(lines) == 501 and lines.count("last") == 1
        assert [line for line in lines if line != "last"] == [f"saved line {i}" for i in range(1, 501)]


async def test_removed_container_ends_with_a_notice(docker_client, run_container):
    container = run_container(command=["sh", "-c", "while :; do echo alive; sleep 0.1; done"])
    app = create_app()
    async with app.run_test(size=(120, 40)) as pilot:
        view = await open_logs(pilot, app, container)
        await wait_for(pilot, lambda: view.shown_count > 3, what="lines")
        await asyncio.to_thread(container.remove, force=True)
        await wait_for(pilot, lambda: "container removed" in status(app), timeout=15, what="removed notice")
        # the toast is a message to the app: it lands a moment after the status line
        await wait_for(pilot, lambda: any("container removed" in n for n in notifications(app)), what="removed toast")
        count = view.shown_count
        await pilot.press("up", "G")  # still usable
        assert view.shown_count == count
        await pilot.press("escape")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "MainScreen", what="back to the list")


async def test_closing_the_view_stops_the_stream(run_container):
    container = run_container(command=["sh", "-c", "while :; do echo x; sleep 0.05; done"])
    app = create_app()
    async with app.run_test(size=(120, 40)) as pilot:
        view = await open_logs(pilot, app, container)
        await wait_for(pilot, lambda: view.shown_count > 3, what="lines")
        follower = app.screen.follower
        spool = follower.spool
        await pilot.press("q")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "MainScreen", what="back to the list")
        await wait_thread(lambda: not any(t.is_alive() for t in follower._threads), timeout=5, what="reader threads ended")
        await wait_thread(lambda: spool.closed, timeout=5, what="spool closed")
        assert not [t for t in threading.enumerate() if t.name.startswith("dtui-logs-") and t.name != "dtui-logs-close"]


async def test_project_logs_are_merged_with_names(run_container, session_token):
    project = f"dtui-lv-{session_token}"
    labels = {COMPOSE_PROJECT: project}
    web = run_container(command=["sh", "-c", "while :; do echo from web; sleep 0.1; done"], labels=labels, name_suffix="web")
    db = run_container(command=["sh", "-c", "while :; do echo from db >&2; sleep 0.1; done"], labels=labels, name_suffix="db")
    app = create_app()
    async with app.run_test(size=(160, 40)) as pilot:
        await wait_for(pilot, lambda: db.id in containers_pane(app).table.keys, what="db row")
        view = await open_logs(pilot, app, web, key="L")
        await wait_for(pilot, lambda: {web.name, db.name} <= set(view.spool.containers), what="both containers' lines")
        await pilot.pause(0.3)
        screen_rows = rows(view)
        web_label, db_label = view.labels[web.name], view.labels[db.name]
        # the names' shared prefix is dropped; what tells them apart is shown
        assert web_label.endswith("web") and db_label.endswith("db") and len(web_label) < len(web.name)
        assert any(r.startswith(" " + web_label) and "from web" in r for r in screen_rows)
        assert any(r.startswith("▌" + db_label) and "from db" in r for r in screen_rows)
        # each name has its colour, the same on every line
        colours: dict[str, set] = {}
        for strip in strips(view):
            for segment in strip:
                for name in (web_label, db_label):
                    if segment.text.strip() == name:
                        colours.setdefault(name, set()).add(segment.style.color)
        assert len(colours) == 2 and all(len(c) == 1 for c in colours.values())
        assert project in status(app)


async def test_marked_containers_logs_are_merged(run_container):
    one = run_container(command=["sh", "-c", "while :; do echo from one; sleep 0.1; done"], name_suffix="mark-one")
    two = run_container(command=["sh", "-c", "while :; do echo from two; sleep 0.1; done"], name_suffix="mark-two")
    other = run_container(command=["sh", "-c", "while :; do echo from other; sleep 0.1; done"], name_suffix="mark-other")
    app = create_app()
    async with app.run_test(size=(160, 40)) as pilot:
        pane = containers_pane(app)
        await wait_for(pilot, lambda: pane._loaded and {one.id, two.id, other.id} <= set(pane.table.keys), what="the rows")
        for container in (one, two):
            pane.table.select_key(container.id)
            pane.focus_table()
            await pilot.press("space")
        assert set(pane.marked) == {one.id, two.id}
        assert "2 marked" in pane.status_summary()
        assert str(pane.table._cells[one.id][0]).startswith("● ")
        # l opens the marked containers' logs merged, whatever row the cursor is on
        pane.table.select_key(other.id)
        await pilot.press("l")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "LogScreen", what="the log screen")
        view = app.screen.query_one(LogView)
        await wait_for(pilot, lambda: {one.name, two.name} <= set(view.spool.containers), what="both containers' lines")
        assert other.name not in view.spool.containers
        assert one.name in status(app) and two.name in status(app)
        await pilot.press("escape")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "MainScreen", what="back to the list")
        # escape on the list unmarks; space on a marked row unmarks it too
        pane.focus_table()
        await pilot.press("escape")
        assert not pane.marked and "marked" not in pane.status_summary()
        assert not str(pane.table._cells[one.id][0]).startswith("● ")
