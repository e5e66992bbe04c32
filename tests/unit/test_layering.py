"""The Docker layer (tui.docker) must stay usable without the UI: importing
every module in it must not pull in textual or rich."""

from __future__ import annotations

import json
import subprocess
import sys

# Runs in a fresh interpreter: in this process pytest plugins and other tests
# have long since imported textual.
PROBE = """
import importlib, json, pkgutil, sys
import tui.docker
modules = ["tui.docker"]
for info in pkgutil.walk_packages(tui.docker.__path__, "tui.docker."):
    importlib.import_module(info.name)
    modules.append(info.name)
ui = sorted(name for name in sys.modules if name.split(".")[0] in ("textual", "rich"))
print(json.dumps({"modules": modules, "ui": ui}))
"""


def test_docker_layer_imports_neither_textual_nor_rich() -> None:
    result = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert len(report["modules"]) > 1, "found no modules under tui.docker"
    assert report["ui"] == [], f"importing {report['modules']} pulled in {report['ui']}"
