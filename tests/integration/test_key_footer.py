"""The footer names the keys of what has focus, follows focus changes, and
is not rebuilt when a bindings change leaves the same keys on it."""

from __future__ import annotations

from textual.widgets._footer import FooterKey

from tests.integration.app_driver import containers_pane, screen_text, wait_for
from tui.app import create_app
from tui.widgets.key_footer import KeyFooter


def _footer_line(app) -> str:
    return screen_text(app).rstrip().splitlines()[-1]


async def test_footer_follows_focus_and_keeps_its_keys_when_nothing_changed(docker_client):
    app = create_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: containers_pane(app)._loaded, what="the first container list")
        await wait_for(pilot, lambda: app.screen.query(KeyFooter), what="the footer")
        await wait_for(pilot, lambda: "Filter" in _footer_line(app), what="the list's keys in the footer")
        list_keys = _footer_line(app)
        assert "Sort" in list_keys

        # The filter field has focus: the list's keys leave the footer.
        await pilot.press("slash")
        await wait_for(pilot, lambda: "Sort" not in _footer_line(app), what="the filter's keys")
        await pilot.press("escape")
        await wait_for(pilot, lambda: _footer_line(app) == list_keys, what="the list's keys again")

        # A bindings change that shows the same keys keeps the same key widgets.
        footer = app.screen.query_one(KeyFooter)
        before = list(footer.query(FooterKey))
        assert before
        for _ in range(3):
            app.screen.refresh_bindings()
            await pilot.pause(0.05)
        await pilot.pause(0.1)
        assert list(footer.query(FooterKey)) == before
        assert all(key.is_attached for key in before)
        assert _footer_line(app) == list_keys
