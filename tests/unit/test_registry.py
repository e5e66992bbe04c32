"""The pane registry: every listed pane imports and matches its entry, a
broken entry is an error, and reading the list (tab titles) or importing the
main screen imports no pane module beyond the first."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tui.panes import registry
from tui.panes.registry import PaneEntry, RegistryError, pane_classes, pane_entries


def test_every_listed_pane_imports_and_matches_its_entry() -> None:
    classes = pane_classes()
    assert len(classes) == len(pane_entries())
    for entry, pane_type in zip(pane_entries(), classes):
        assert (pane_type.__module__, pane_type.__name__) == (entry.module, entry.class_name)
        assert (pane_type.pane_id, pane_type.title) == (entry.pane_id, entry.title)


def test_ids_and_titles_are_unique_and_stats_is_the_sixth() -> None:
    entries = pane_entries()
    assert len({e.pane_id for e in entries}) == len(entries)
    assert len({e.title for e in entries}) == len(entries)
    assert entries[0].pane_id == "containers"
    assert entries[5] == ("tui.panes.stats", "StatsPane", "stats", "Stats")


def test_a_missing_pane_module_is_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(registry, "PANES", (*registry.PANES, PaneEntry("tui.panes.no_such_pane", "NoPane", "none", "None")))
    with pytest.raises(ModuleNotFoundError):
        pane_classes()


def test_an_entry_that_does_not_match_its_class_is_an_error() -> None:
    with pytest.raises(RegistryError):
        PaneEntry("tui.panes.images", "ImagesPane", "images", "Pictures").load()


# a fresh interpreter: in this process other tests have imported every pane
PROBE = """
import json, sys
from tui.panes.registry import pane_entries
titles = [entry.title for entry in pane_entries()]
after_registry = sorted(m for m in sys.modules if m.startswith("tui.panes.") and m != "tui.panes.registry")
import tui.screens.main
after_main = sorted(m for m in sys.modules if m.startswith("tui.panes.") and m != "tui.panes.registry")
print(json.dumps({"titles": titles, "after_registry": after_registry, "after_main": after_main}))
"""


def test_tab_titles_and_the_main_screen_import_no_pane_module() -> None:
    result = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["titles"] == [e.title for e in pane_entries()]
    assert report["after_registry"] == []
    # the base every list pane shares, but not one of the panes themselves
    assert [m for m in report["after_main"] if m != "tui.panes.base"] == []
