"""The status line says what the web side may reach when it is not the default: a
self-hosted SearXNG, and private hosts allowed (the SSRF guard's switch, #14)."""

from __future__ import annotations

import pytest

from neuro_tui.app.status_line import StatusLine
from tests.tui.conftest import ready


@pytest.mark.parametrize("key", ["allow_private_hosts", "allow_private"])
async def test_private_hosts_and_searxng_are_shown(make_app, tui_config, key):
    tui_config.values.update({key: True, "web_provider": "searxng",
                              "searxng_url": "http://10.0.0.5:8080"})
    app = make_app()
    async with app.run_test(size=(120, 30)) as pilot:
        await ready(pilot, app)
        line = app.chat.query_one(StatusLine).render().plain
        assert " searxng " in line and " private hosts allowed " in line
        await pilot.press("f8")
        assert "WEB: queries leave this machine" in app.chat.query_one(StatusLine).render().plain


async def test_default_web_settings_show_no_badge(make_app):
    app = make_app()
    async with app.run_test(size=(120, 30)) as pilot:
        await ready(pilot, app)
        line = app.chat.query_one(StatusLine).render().plain
        assert "private hosts" not in line and "searxng" not in line
