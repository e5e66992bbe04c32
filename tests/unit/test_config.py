"""Settings file: values used, mistakes reported with file and line, defaults kept."""

from __future__ import annotations

import re

from tui.config import EXAMPLE, is_contract_binding, load_settings, since_seconds


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


def test_binding_ids_may_be_quoted_dotted_or_tables_and_keep_their_lines(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text('[keys]\n"containers.commit" = "C"\nimages.pull = "ctrl+l"\n[keys.volumes]\ncreate = "?"\n')
    settings = load_settings(path)
    assert settings.keys == {"containers.commit": "C", "images.pull": "ctrl+l"}
    assert settings.lines["keys.containers.commit"] == 2 and settings.lines["keys.images.pull"] == 3
    assert f"{path} line 5: keys.volumes.create" in settings.problems[0]
    assert settings.problem("keys.images.pull", "taken") == f"{path} line 3: keys.images.pull: taken; default used"


def test_a_named_file_that_is_missing_is_a_problem(tmp_path):
    assert load_settings(tmp_path / "nope.toml", must_exist=True).problems[0].endswith("no such file; defaults used")


def test_contract_bindings_are_fixed_where_the_contract_puts_them():
    assert is_contract_binding("containers.logs", "l") and is_contract_binding("main.quit", "q")
    assert is_contract_binding("images.remove", "d") and is_contract_binding("logs.back", "escape")
    assert not is_contract_binding("logs.save", "s")  # s is fixed on a container, not in the log view
    assert not is_contract_binding("containers.commit", "c") and not is_contract_binding("list.cycle_sort", "o")


def test_every_binding_has_an_id_of_its_pane_or_screen():
    from tui.app import binding_classes
    from tui.screens.help import own_bindings

    seen: dict[str, type] = {}
    for cls in binding_classes():
        scopes = {own.id.split(".")[0] for own in own_bindings(cls) if own.id}
        assert len(scopes) <= 1, f"{cls.__name__} mixes id scopes {scopes}"
        for binding in own_bindings(cls):
            assert binding.id and re.fullmatch(r"[a-z_]+\.[a-z0-9_]+", binding.id), f"{cls.__name__}: {binding}"
            assert seen.setdefault(binding.id, cls) is cls, f"{binding.id} is used by two classes"


def test_keymap_takes_free_keys_and_refuses_fixed_unknown_and_taken_ones(tmp_path):
    from tui.app import binding_classes, resolve_keymap

    path = tmp_path / "config.toml"
    path.write_text(
        "[keys]\n"
        '"images.prune" = "L"\n'  # a swap: both move, neither clashes
        '"images.load" = "x"\n'
        '"containers.details" = "z"\n'
        '"containers.nothing" = "z"\n'
        '"containers.commit" = "ctrl+c"\n'
        '"containers.export" = "o"\n'
    )
    keymap, problems = resolve_keymap(load_settings(path), binding_classes())
    assert keymap == {"images.prune": "L", "images.load": "x"}
    text = "\n".join(problems)
    assert "line 4: keys.containers.details: containers.details (enter) is one of dtui's fixed keys" in text
    assert "line 5: keys.containers.nothing: no binding has this id" in text
    assert "line 6: keys.containers.commit: 'ctrl+c' is already app.quit" in text
    assert "line 7: keys.containers.export: 'o' is already list.cycle_sort" in text


def test_cli_lists_binding_ids_with_the_overrides(tmp_path, capsys):
    from tui.cli import main

    path = tmp_path / "config.toml"
    path.write_text('[keys]\n"containers.commit" = "C"\n"containers.logs" = "g"\n')
    assert main(["--config", str(path), "--keys"]) == 0
    out, err = capsys.readouterr()
    assert re.search(r"^containers\.commit\s+C\s+Commit$", out, flags=re.M)
    assert re.search(r"^containers\.logs\s+l\s+Logs\s+\(fixed\)$", out, flags=re.M)
    assert "line 3: keys.containers.logs" in err


def test_read_only_flag_is_absent_on_or_off():
    from tui.cli import build_parser

    parse = build_parser().parse_args
    assert parse([]).read_only is None
    assert parse(["--read-only"]).read_only is True and parse(["--no-read-only"]).read_only is False


def test_log_since_setting_is_any_duration():
    import time

    from tui.screens.logs import Preset

    assert abs(Preset(since="2d").since_seconds() - (time.time() - 172800)) < 5
    assert Preset().since_seconds() is None


def test_allow_terminal_setting_and_flag(tmp_path):
    from tui.cli import build_parser

    path = tmp_path / "config.toml"
    path.write_text("read_only = true\nallow_terminal = true\n")
    settings = load_settings(path)
    assert settings.read_only and settings.allow_terminal and not settings.problems
    path.write_text('allow_terminal = "yes"\n')
    settings = load_settings(path)
    assert not settings.allow_terminal and any("allow_terminal" in p and "line 1" in p for p in settings.problems)
    assert build_parser().parse_args(["--read-only", "--allow-terminal"]).allow_terminal is True
    assert build_parser().parse_args([]).allow_terminal is None
