"""``?`` lists the keys of the log viewer and the terminal from the start,
before either has been opened (their modules are imported only then)."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def _run(code: str, home: Path) -> str:
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        env={"PATH": "/usr/bin:/bin", "DOCKER_HOST": "unix:///nonexistent/dtui-test.sock", "HOME": str(home)},
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


def _section(text: str, heading: str) -> str:
    """The rows under *heading*, up to the next blank row."""
    # Rows of the table, inside the box's borders (a screenshot also has
    # empty lines between rows).
    lines = [line.strip().strip("\u2502").strip() for line in text.splitlines() if line]
    start = lines.index(heading)
    rows = []
    for line in lines[start + 1 :]:
        if not line:
            break
        rows.append(" ".join(line.split()))
    return "\n".join(rows)


def test_help_table_lists_log_and_terminal_keys_in_a_fresh_process(tmp_path: Path) -> None:
    text = _run(
        """
        import sys
        from rich.console import Console
        from tui.screens.help import help_table
        assert "tui.screens.logs" not in sys.modules
        console = Console(width=120, color_system=None, record=True)
        console.print(help_table())
        print(console.export_text())
        """,
        tmp_path,
    )
    logs = _section(text, "Logs")
    for row in ("/ Search", "f Filter", "w Wrap", "t Time", "s Save", "G Follow", "0 All lines", "g Top", "end Follow"):
        assert row in logs, (row, logs)
    assert "Since 1m" in logs or "Since 1" in logs
    assert "ctrl+p ctrl+q Detach" in _section(text, "Terminal")


def test_question_mark_on_the_main_screen_shows_the_log_keys(tmp_path: Path) -> None:
    text = _run(
        """
        import asyncio, html, re
        from tui.app import create_app

        async def main():
            app = create_app()
            async with app.run_test(size=(120, 400)) as pilot:
                await pilot.pause(0.5)
                await pilot.press("question_mark")
                for _ in range(100):
                    if type(app.screen).__name__ == "HelpScreen":
                        break
                    await pilot.pause(0.05)
                await pilot.pause(0.2)
                shown = type(app.screen).__name__
                svg = app.export_screenshot()
            rows = {}
            for x, y, body in re.findall(r'<text[^>]*?x="([\\d.]+)"[^>]*?y="([\\d.]+)"[^>]*>(.*?)</text>', svg, flags=re.S):
                rows.setdefault(float(y), []).append((float(x), html.unescape(re.sub(r"<[^>]+>", "", body)).replace("\\xa0", " ")))
            print(shown)
            print("\\n".join("".join(t for _, t in sorted(parts)) for _, parts in sorted(rows.items())))

        asyncio.run(main())
        """,
        tmp_path,
    )
    assert text.splitlines()[0] == "HelpScreen"
    logs = _section(text, "Logs")
    assert "f Filter" in logs and "s Save" in logs and "g Top" in logs, logs
    assert "ctrl+p ctrl+q" in _section(text, "Terminal")
