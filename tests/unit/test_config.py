"""Settings file: values used, mistakes reported with file and line, defaults kept."""

from __future__ import annotations

from tui.config import EXAMPLE, load_settings, since_seconds


def test_missing_file_gives_defaults(tmp_path):
    settings = load_settings(tmp_path / "nope.toml")
    assert settings.read_only is False and settings.log_tail == 5000 and not settings.problems


def test_example_file_is_valid(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text(EXAMPLE)
    assert load_settings(path).problems == ()


def test_values_are_read(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text('read_only = true\npoll_seconds = 5\n[logs]\ntail = "all"\nsince = "15m"\n[keys]\nsort = "S"\n')
    settings = load_settings(path)
    assert settings.read_only and settings.poll_seconds == 5.0
    assert settings.log_tail == "all" and settings.log_since_seconds == 900
    assert settings.keys == {"sort": "S"}


def test_bad_values_name_file_and_line_and_keep_defaults(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text('theme = "x"\npoll_seconds = "fast"\nwhat = 1\n[logs]\nsince = "yesterday"\n[keys]\nquit = "q"\n')
    settings = load_settings(path)
    assert settings.poll_seconds == 15.0 and settings.log_since == "" and settings.keys == {}
    text = "\n".join(settings.problems)
    assert f"{path} line 2: poll_seconds" in text
    assert f"{path} line 3: what: unknown setting" in text
    assert "logs.since" in text and "line 5" in text
    assert "fixed keys" in text


def test_syntax_error_reports_the_line(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text("read_only = true\npoll_seconds = = 3\n")
    settings = load_settings(path)
    assert settings.read_only is False
    assert str(path) in settings.problems[0] and "line 2" in settings.problems[0]


def test_since_durations():
    assert since_seconds("30s") == 30 and since_seconds("1h") == 3600 and since_seconds("2d") == 172800
