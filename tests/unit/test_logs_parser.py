"""The daemon's log stream becomes lines, however the bytes arrive."""

from __future__ import annotations

import struct
import subprocess
import sys
from datetime import datetime, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tui.docker.ansi import sanitize
from tui.docker.logs import MAX_LINE_BYTES, LogStreamParser, _ChunkedBody, log_params
from tui.docker.logspool import STDERR, STDOUT, LogLine

STAMP = "2024-05-01T12:00:00.123456789Z"


def frame(stream: int, payload: bytes) -> bytes:
    return struct.pack(">BxxxL", stream, len(payload)) + payload


def stamped(text: bytes, stamp: str = STAMP) -> bytes:
    return stamp.encode() + b" " + text


def feed_in_pieces(parser: LogStreamParser, data: bytes, cuts: list[int]) -> list[LogLine]:
    lines: list[LogLine] = []
    previous = 0
    for cut in sorted(set(cuts)) + [len(data)]:
        lines += parser.feed(data[previous:cut])
        previous = cut
    return lines + parser.finish()


def test_stdout_and_stderr_lines_keep_their_stream() -> None:
    data = frame(1, stamped(b"out one\n")) + frame(2, stamped(b"err one\n")) + frame(1, stamped(b"out two\n"))
    assert LogStreamParser(tty=False, container="web").feed(data) == [
        LogLine("out one", STDOUT, STAMP, "web"),
        LogLine("err one", STDERR, STAMP, "web"),
        LogLine("out two", STDOUT, STAMP, "web"),
    ]


def test_timestamps_are_split_off_each_line() -> None:
    other = "2024-05-01T14:00:00.5+02:00"
    data = frame(1, stamped(b"a\n")) + frame(1, stamped(b"\n")) + frame(1, stamped(b"b c\n", other)) + frame(1, b"no stamp\n")
    assert [(line.timestamp, line.text) for line in LogStreamParser(tty=False).feed(data)] == [
        (STAMP, "a"),
        (STAMP, ""),
        (other, "b c"),
        ("", "no stamp"),
    ]


def test_a_long_line_split_by_the_log_driver_is_joined_under_its_first_timestamp() -> None:
    # json-file stores 16 KiB messages; each part arrives with its own stamp.
    later = "2024-05-01T12:00:00.999999999Z"
    data = (
        frame(1, stamped(b"a" * 16384))
        + frame(2, stamped(b"err\n"))
        + frame(1, stamped(b"a" * 16384, later))
        + frame(1, stamped(b"end\n", later))
    )
    lines = LogStreamParser(tty=False).feed(data)
    assert lines == [LogLine("err", STDERR, STAMP), LogLine("a" * 32768 + "end", STDOUT, STAMP)]


def test_partial_lines_of_stdout_and_stderr_do_not_mix() -> None:
    data = frame(1, stamped(b"out-")) + frame(2, stamped(b"err-")) + frame(2, b"tail\n") + frame(1, b"tail\n")
    assert LogStreamParser(tty=False).feed(data) == [LogLine("err-tail", STDERR, STAMP), LogLine("out-tail", STDOUT, STAMP)]


def test_a_last_line_without_newline_comes_out_at_the_end() -> None:
    parser = LogStreamParser(tty=False)
    assert parser.feed(frame(1, stamped(b"no newline"))) == []
    assert parser.finish() == [LogLine("no newline", STDOUT, STAMP)]


def test_escapes_in_log_lines_are_neutralised_and_markup_left_literal() -> None:
    data = frame(1, stamped(b"\x1b]0;pwned\x07title \x1b]52;c;Zm9v\x07clip [red]x[/red] \x1b[31mred\x1b[0m\n"))
    (line,) = LogStreamParser(tty=False).feed(data)
    assert line.text == "title clip [red]x[/red] \x1b[31mred\x1b[0m"


def test_utf8_split_across_reads_is_decoded_whole() -> None:
    data = frame(1, stamped("caf\u00e9 \u4e2d\u6587\n".encode()))
    for cut in range(1, len(data)):
        assert feed_in_pieces(LogStreamParser(tty=False), data, [cut]) == [LogLine("caf\u00e9 \u4e2d\u6587", STDOUT, STAMP)]


def test_tty_stream_is_raw_and_all_stdout() -> None:
    data = stamped(b"first\r\n") + stamped(b"\x1b[32mgreen\x1b[0m\r\n") + stamped(b"par")
    parser = LogStreamParser(tty=True, container="term")
    lines = feed_in_pieces(parser, data + b"tial\r\n", [5, 40, 41])
    assert lines == [
        LogLine("first", STDOUT, STAMP, "term"),
        LogLine("\x1b[32mgreen\x1b[0m", STDOUT, STAMP, "term"),
        LogLine("partial", STDOUT, STAMP, "term"),
    ]


def test_a_line_that_never_ends_is_stored_in_bounded_pieces() -> None:
    parser = LogStreamParser(tty=True, timestamps=False)
    lines = []
    chunk = b"x" * 65536
    for _ in range(MAX_LINE_BYTES // len(chunk) + 2):
        lines += parser.feed(chunk)
    assert lines and all(len(line.text) <= MAX_LINE_BYTES + len(chunk) for line in lines)
    assert sum(len(line.text) for line in lines + parser.finish()) == len(chunk) * (MAX_LINE_BYTES // len(chunk) + 2)


# Text the daemon could send: no newline, and nothing shaped like a timestamp
# (so a cut line's continuation cannot be mistaken for a new message).
line_text = st.text(alphabet=st.sampled_from(list("ab é中\t\r\x1b[];m?0\x07\x00\x9b")), max_size=30).map(str.encode)


@given(
    messages=st.lists(st.tuples(st.sampled_from([STDOUT, STDERR]), line_text, st.booleans()), max_size=30),
    cuts=st.lists(st.integers(min_value=0, max_value=4000), max_size=20),
)
def test_daemon_messages_split_at_any_byte_give_the_same_lines(messages, cuts) -> None:
    """Each message is one frame; a line may span messages (each stamped)."""
    data = b""
    expected: list[LogLine] = []
    open_lines: dict[int, tuple[str, bytes]] = {}
    for number, (stream, text, ends_line) in enumerate(messages):
        stamp = f"2024-05-01T12:00:{number % 60:02d}.{number:09d}Z"
        data += frame(stream, stamped(text + (b"\n" if ends_line else b""), stamp))
        first_stamp, so_far = open_lines.pop(stream, (stamp, b""))
        if ends_line:
            expected.append(LogLine(sanitize(so_far + text), stream, first_stamp))
        else:
            open_lines[stream] = (first_stamp, so_far + text)
    for stream in sorted(open_lines):
        first_stamp, so_far = open_lines[stream]
        if so_far:
            expected.append(LogLine(sanitize(so_far), stream, first_stamp))
    assert feed_in_pieces(LogStreamParser(tty=False), data, cuts) == expected


@given(
    lines=st.lists(st.tuples(st.sampled_from([STDOUT, STDERR]), line_text), max_size=30),
    frame_sizes=st.lists(st.integers(min_value=1, max_value=50), min_size=1, max_size=10),
    cuts=st.lists(st.integers(min_value=0, max_value=4000), max_size=20),
)
def test_frames_that_cut_lines_anywhere_are_reassembled(lines, frame_sizes, cuts) -> None:
    """Frames need not align with lines: each stream's bytes are cut into
    frames of arbitrary sizes, interleaved, and the reads cut anywhere too."""
    streams = {STDOUT: b"", STDERR: b""}
    for stream, text in lines:
        streams[stream] += stamped(text) + b"\n"
    frames = {STDOUT: [], STDERR: []}
    for stream, body in streams.items():
        position = 0
        index = 0
        while position < len(body):
            size = frame_sizes[index % len(frame_sizes)]
            frames[stream].append(frame(stream, body[position : position + size]))
            position += size
            index += 1
    data = b"".join(a + b for a, b in zip(frames[STDOUT], frames[STDERR]))
    longer = frames[STDOUT] if len(frames[STDOUT]) > len(frames[STDERR]) else frames[STDERR]
    data += b"".join(longer[min(len(frames[STDOUT]), len(frames[STDERR])) :])
    out = feed_in_pieces(LogStreamParser(tty=False), data, cuts)
    for stream in (STDOUT, STDERR):
        assert [line.text for line in out if line.stream == stream] == [sanitize(text) for s, text in lines if s == stream]
    assert all(line.timestamp == STAMP for line in out)


@given(
    chunks=st.lists(st.binary(min_size=1, max_size=40), max_size=20),
    cuts=st.lists(st.integers(min_value=0, max_value=2000), max_size=20),
)
def test_chunked_http_body_is_decoded_at_any_split(chunks, cuts) -> None:
    wire = b"".join(b"%x\r\n%s\r\n" % (len(chunk), chunk) for chunk in chunks) + b"0\r\n\r\n"
    pieces = []
    previous = 0
    for cut in sorted(set(cuts)) + [len(wire)]:
        pieces.append(wire[previous:cut])
        previous = cut

    class Reader:
        def read1(self, size: int) -> bytes:
            while pieces:
                piece = pieces.pop(0)
                if piece:
                    return piece
            return b""

    body = _ChunkedBody(Reader())
    received = b""
    while data := body.read(65536):
        received += data
    assert received == b"".join(chunks)
    assert body.done


def test_log_params_always_ask_for_timestamps() -> None:
    assert log_params() == {"stdout": 1, "stderr": 1, "timestamps": 1, "follow": 1, "tail": "5000"}
    assert log_params(follow=False, tail="all")["tail"] == "all"
    assert log_params(follow=False)["follow"] == 0


def test_log_params_since_takes_seconds_or_datetime() -> None:
    assert log_params(since=1700000000)["since"] == "1700000000.000000000"
    moment = datetime(2024, 5, 1, 12, 0, 0, 500000, tzinfo=timezone.utc)
    assert log_params(since=moment)["since"] == f"{moment.timestamp():.9f}"


@pytest.mark.parametrize("tail", [-1, "some", 1.5])
def test_log_params_reject_a_bad_tail(tail) -> None:
    with pytest.raises(ValueError):
        log_params(tail=tail)


def test_log_modules_import_without_textual_or_rich() -> None:
    code = (
        "import sys, tui.docker.logs, tui.docker.logspool, tui.docker.ansi\n"
        "bad = [m for m in ('textual', 'rich') if m in sys.modules]\n"
        "assert not bad, bad\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
