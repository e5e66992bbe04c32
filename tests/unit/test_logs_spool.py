"""Every line of a follow session stays reachable, searchable and savable."""

from __future__ import annotations

import gc
import os
import re
import threading
import time
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tui.docker.ansi import sanitize
from tui.docker.logspool import STDERR, STDOUT, LogLine, LogSpool, RawLines

STAMP = "2024-05-01T12:00:00.123456789Z"


@pytest.fixture
def spool():
    with LogSpool() as spool:
        yield spool


def numbered(count: int, start: int = 0) -> list[LogLine]:
    return [LogLine(f"line {i}", STDERR if i % 7 == 0 else STDOUT, STAMP, "") for i in range(start, start + count)]


def test_lines_come_back_as_appended(spool: LogSpool) -> None:
    lines = [
        LogLine("plain", STDOUT, STAMP, "web"),
        LogLine("\x1b[31mred\x1b[0m", STDERR, "", "db"),
        LogLine("", STDOUT, STAMP, "web"),
        LogLine("caf\u00e9 \u4e2d\u6587 \U0001f600", STDERR, "2024-05-01T12:00:00.1+02:00", ""),
    ]
    assert [spool.append(line) for line in lines] == [0, 1, 2, 3]
    assert len(spool) == 4
    assert [spool.get(i) for i in range(4)] == lines
    assert spool.get_range(0, 10) == lines
    assert spool.get(-1) == lines[-1]
    assert spool.containers == ("web", "db")
    with pytest.raises(IndexError):
        spool.get(4)


def test_a_newline_in_text_cannot_break_the_index(spool: LogSpool) -> None:
    spool.append(LogLine("one\ntwo"))
    spool.append(LogLine("three"))
    assert len(spool) == 2
    assert spool.get(1).text == "three"


def raw(texts: list[str], stamp: str = STAMP) -> list[bytes]:
    """Lines as the daemon sends them: one message a line, stamped."""
    return [f"{stamp} {text}\n".encode() if stamp else f"{text}\n".encode() for text in texts]


def test_raw_runs_store_the_same_as_single_lines() -> None:
    texts = ["a", "caf\u00e9", "", "\x1b[1mb\x1b[0m", "\u4e2d\u6587"]
    stamps = [STAMP, STAMP, STAMP, "", STAMP]
    with LogSpool() as by_line, LogSpool() as by_batch:
        for text, stamp in zip(texts, stamps):
            by_line.append(LogLine(text, STDERR, stamp, "c"))
        parts = [part for text, stamp in zip(texts, stamps) for part in raw([text], stamp)]
        assert by_batch.extend_raw(RawLines(STDERR, parts, True, "c")) == 5
        # several lines in one part (a TTY read) are indexed line by line
        assert by_batch.extend_raw(RawLines(STDOUT, [b"".join(raw(["tail", "end"]))], True, "c")) == 2
        assert by_batch.get_range(0, 5) == by_line.get_range(0, 5)
        assert by_batch.get_range(5, 7) == [LogLine("tail", STDOUT, STAMP, "c"), LogLine("end", STDOUT, STAMP, "c")]


def test_raw_lines_are_neutralised_when_read_not_when_stored(tmp_path: Path) -> None:
    hostile = b"\x1b]0;pwned\x07title \x1b]52;c;Zm9v\x07[red]x[/red] \x1b[31mred\x1b[0m \xff\r\n"
    with LogSpool(tmp_path) as spool:
        spool.extend_raw(RawLines(STDOUT, [STAMP.encode() + b" " + hostile, b"progress 10%\rprogress 99%\n"], True, "c"))
        line = spool.get(0)
        assert line == LogLine("title [red]x[/red] \x1b[31mred\x1b[0m \ufffd", STDOUT, STAMP, "c")
        assert spool.get(1).text == "progress 99%" and spool.get(1).timestamp == ""
        # search, filter and save see the same neutralised plain text
        assert spool.search("title [red]x[/red] red") == 0
        assert spool.search("pwned") is None and spool.search("Zm9v") is None
        assert list(spool.filter_indices("progress 10")) == []
        spool.save(tmp_path / "out.log", timestamps=True)
        assert (tmp_path / "out.log").read_text() == f"{STAMP} title [red]x[/red] red \ufffd\nprogress 99%\n"


def test_a_carriage_return_cannot_hide_the_timestamp() -> None:
    with LogSpool() as spool:
        spool.extend_raw(RawLines(STDOUT, raw(["abc\rxyz"]), True))
        assert spool.get(0) == LogLine("xyz", STDOUT, STAMP)


def test_search_forward_and_backward(spool: LogSpool) -> None:
    spool.extend(numbered(10_000))
    assert spool.search("line 5000") == 5000
    assert spool.search("line 5", start=6000) is None
    assert spool.search("line 42", start=43) == 420
    assert spool.search("line 42", start=419, backwards=True) == 42
    assert spool.search("line 9999", start=9999, backwards=True) == 9999
    assert spool.search("nothing here") is None
    assert spool.search("line 1", start=0, backwards=True) is None


def test_search_sees_plain_text_not_colour_codes(spool: LogSpool) -> None:
    spool.append(LogLine("ok"))
    spool.append(LogLine("\x1b[31mERROR\x1b[0m disk full"))
    assert spool.search("ERROR disk") == 1
    assert spool.search("^ERROR", regex=True) == 1
    assert spool.search("31m") is None


def test_search_regex_and_case(spool: LogSpool) -> None:
    spool.extend([LogLine("GET /a 200"), LogLine("GET /b 500"), LogLine("post /c 201")])
    assert spool.search(r"\s5\d\d$", regex=True) == 1
    assert spool.search("POST") is None
    assert spool.search("POST", ignore_case=True) == 2
    assert spool.search("a.c") is None  # plain text: the dot is literal
    with pytest.raises(re.error):
        spool.search("(unclosed", regex=True)


def test_a_match_must_lie_within_one_line(spool: LogSpool) -> None:
    spool.extend([LogLine("ends with a"), LogLine("b starts"), LogLine("a b")])
    assert spool.search(r"a\sb", regex=True) == 2
    assert list(spool.filter_indices(r"a\sb", regex=True)) == [2]


def test_filter_keeps_up_with_new_lines(spool: LogSpool) -> None:
    spool.extend(numbered(1000))
    line_filter = spool.filter("line 9", regex=False)
    assert line_filter.update() == 111  # 9, 90-99, 900-999
    assert line_filter[0] == 9
    spool.extend(numbered(100, start=1000))
    spool.append(LogLine("line 9 again"))
    assert line_filter.update() == 1
    assert line_filter[-1] == 1100
    assert line_filter.update() == 0
    assert len(line_filter) == 112


def test_filter_scans_a_backlog_in_slices(spool: LogSpool) -> None:
    spool.extend(numbered(1000))
    line_filter = spool.filter(r"^line \d*0$", regex=True)
    line_filter.update(max_lines=500)
    assert line_filter.scanned == 500
    line_filter.update()
    assert list(line_filter.indices) == list(range(0, 1000, 10))


def test_save_writes_every_line_as_plain_text(spool: LogSpool, tmp_path: Path) -> None:
    spool.append(LogLine("\x1b[32mstarted\x1b[0m", STDOUT, STAMP, "web"))
    spool.append(LogLine("[red]x[/red]", STDERR, STAMP, "web"))
    spool.append(LogLine("no stamp", STDOUT, "", "web"))
    assert spool.save(tmp_path / "plain.log") == 3
    assert (tmp_path / "plain.log").read_text() == "started\n[red]x[/red]\nno stamp\n"
    spool.save(tmp_path / "stamped.log", timestamps=True)
    assert (tmp_path / "stamped.log").read_text() == f"{STAMP} started\n{STAMP} [red]x[/red]\nno stamp\n"


def test_save_of_a_merged_log_prefixes_container_names(spool: LogSpool, tmp_path: Path) -> None:
    spool.append(LogLine("hello", STDOUT, STAMP, "web"))
    spool.append(LogLine("ready", STDOUT, STAMP, "postgres"))
    spool.save(tmp_path / "merged.log")
    assert (tmp_path / "merged.log").read_text() == "web      | hello\npostgres | ready\n"
    spool.save(tmp_path / "bare.log", container_prefix=False)
    assert (tmp_path / "bare.log").read_text() == "hello\nready\n"


def test_close_frees_the_file_and_refuses_more_lines(tmp_path: Path) -> None:
    spool = LogSpool(tmp_path)
    spool.extend(numbered(10))
    spool.close()
    assert list(tmp_path.iterdir()) == []  # anonymous files, nothing left behind
    with pytest.raises(ValueError):
        spool.append(LogLine("late"))
    spool.close()


def test_reading_very_long_lines_keeps_memory_bounded(tmp_path: Path) -> None:
    import tracemalloc

    with LogSpool(tmp_path, cache_chars=2_000_000) as spool:
        for i in range(100):
            spool.append(LogLine(f"{i:03d}" + "x" * 100_000))
        tracemalloc.start()
        for i in range(100):
            assert spool.get(i).text.startswith(f"{i:03d}")
        held, _peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    assert held < 6_000_000, held  # 10 MB of lines were read


def test_reads_while_another_thread_appends(spool: LogSpool) -> None:
    total = 200_000
    failures: list[str] = []

    def writer() -> None:
        for start in range(0, total, 1000):
            spool.extend_raw(RawLines(STDOUT, raw([f"line {i}" for i in range(start, start + 1000)])))

    thread = threading.Thread(target=writer)
    thread.start()
    reads = 0
    while thread.is_alive() or reads == 0:
        count = len(spool)
        if count:
            for index in (0, count // 2, count - 1):
                if spool.get(index).text != f"line {index}":
                    failures.append(f"{index}: {spool.get(index)}")
            first = max(0, count - 50)
            if [line.text for line in spool.get_range(first, count)] != [f"line {i}" for i in range(first, count)]:
                failures.append(f"range {first}:{count}")
            hit = spool.search(f"line {count - 1}", start=count - 1)
            if hit != count - 1:
                failures.append(f"search {count - 1} -> {hit}")
            reads += 1
    thread.join()
    assert not failures, failures[:5]
    assert len(spool) == total
    assert spool.get(total - 1).text == f"line {total - 1}"


def _rss_bytes() -> int:
    with open(f"/proc/{os.getpid()}/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


@pytest.mark.skipif(not Path("/proc/self/statm").exists(), reason="needs /proc to measure memory")
def test_a_million_lines_cost_only_the_index(tmp_path: Path) -> None:
    count = 1_000_000
    block = 1000
    # Shared text objects: the test itself must not hold a million strings.
    batches = [
        RawLines(STDOUT if b % 2 else STDERR, tuple(raw([f"request {b * block + i} handled status=200" for i in range(block)])), True, "web")
        for b in range(0, 4)
    ]
    gc.collect()
    before = _rss_bytes()
    started = time.perf_counter()
    with LogSpool(tmp_path) as spool:
        for b in range(count // block):
            spool.extend_raw(batches[b % 4])
        filled = time.perf_counter() - started
        rss_per_line = (_rss_bytes() - before) / count
        assert len(spool) == count

        started = time.perf_counter()
        assert spool.search("request 3999 ", start=1) == 3999
        assert spool.search("nowhere") is None  # a scan of every line
        scanned = time.perf_counter() - started

        started = time.perf_counter()
        assert spool.search("request 1000 ", start=count - 1, backwards=True) == count - 3000
        backwards = time.perf_counter() - started

        started = time.perf_counter()
        matches = spool.filter_indices(r" 1\d\d handled", regex=True)
        filtered = time.perf_counter() - started
        assert len(matches) == count // 4000 * 100

        started = time.perf_counter()
        assert spool.save(tmp_path / "all.log", timestamps=True) == count
        saved = time.perf_counter() - started
        with open(tmp_path / "all.log") as saved_file:
            assert sum(1 for _ in saved_file) == count

        assert spool.get(0) == LogLine("request 0 handled status=200", STDERR, STAMP, "web")
        assert spool.get(count - 1).text == "request 3999 handled status=200"

    print(
        f"\n1M lines: fill {filled:.2f}s, full search {scanned:.2f}s, backwards {backwards:.2f}s, "
        f"filter {filtered:.2f}s, save {saved:.2f}s, RSS {rss_per_line:.1f} bytes/line"
    )
    # memory is bounded by the index; the timings are printed, not asserted
    assert rss_per_line < 24


# What a follow stores: the daemon's messages, stamped in its own fixed form
# or another RFC3339 form or not at all, with hostile text, whole lines or
# several lines in one part (a TTY read).
_TEXT = st.lists(
    st.sampled_from([b"a", b" ", b"\xc3\xa9", b"\x1b[31m", b"\x1b]0;t\x07", b"\r", b"\x00", b"\xff", b"[b]", b"9"]), max_size=8
).map(b"".join)
_STAMP_FORMS = st.sampled_from([STAMP.encode() + b" ", b"2024-05-01T14:00:00.5+02:00 ", b"2024-05-01T12:00:00Z", b""])


@given(
    runs=st.lists(
        st.tuples(
            st.sampled_from([STDOUT, STDERR]),
            st.lists(st.tuples(_STAMP_FORMS, st.lists(_TEXT, min_size=1, max_size=3)), min_size=1, max_size=6),
            st.booleans(),
        ),
        max_size=6,
    )
)
def test_runs_stored_raw_read_back_as_their_lines(runs) -> None:
    """extend_raw (the follow's path) and RawLines.lines (what the parser
    hands a test) give the same lines, and search/save see them plain."""
    expected: list[LogLine] = []
    with LogSpool() as spool:
        for stream, parts, stamped in runs:
            batch = RawLines(stream, [stamp + b"\n".join(lines) + b"\n" for stamp, lines in parts], stamped, "c")
            for stamp, lines in parts:
                for number, text in enumerate(lines):
                    if number == 0 and stamped and stamp:
                        # the stamp comes off, and one space after it if there is one
                        rest = (stamp + text)[len(stamp.rstrip(b" ")) :]
                        rest = rest[1:] if rest.startswith(b" ") else rest
                        expected.append(LogLine(sanitize(rest), stream, stamp.rstrip(b" ").decode(), "c"))
                    else:
                        expected.append(LogLine(sanitize((stamp if number == 0 else b"") + text), stream, "", "c"))
            assert batch.lines() == expected[len(spool) :]
            assert spool.extend_raw(batch) == len(batch.lines())
        assert spool.get_range(0, len(spool)) == expected
        assert [spool.get(i) for i in range(len(spool))] == expected
        assert "".join(text for _first, _end, text in spool.plain_blocks()) == "".join(line.plain + "\n" for line in expected)
        for line in expected:
            assert "\x07" not in line.text and "\x00" not in line.text and "\x1b]" not in line.text
