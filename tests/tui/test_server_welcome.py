"""The empty chat and the status line on the server engine (#15): "server · URL" and the
model the server reports; a server off this machine red in both, like web search. A real
loopback llama.cpp-shaped server; "remote" is its endpoint marked non-local (no test
touches another host)."""

from __future__ import annotations

import pytest

from neuro_tui import config as config_mod
from neuro_tui.app.app import create_app
from neuro_tui.app.status_line import StatusLine
from neuro_tui.app.welcome import Welcome
from neuro_tui.engine.endpoint import Endpoint
from neuro_tui.engine.factory import server_spec
from neuro_tui.engine.server_engine import ServerSession
from tests.openai_server import OpenAIServer
from tests.tui.conftest import ready, record

pytestmark = pytest.mark.timeout(60)


def styles_at(text, needle: str) -> set[str]:
    start = text.plain.index(needle)
    return {str(s.style) for s in text.spans if s.start <= start < s.end}


async def run_on(srv, local: bool):
    config = config_mod.load({"engine": "server", "engine_url": srv.url, "theme":
                              "neuro-dark"}, environ={})
    factory = None if local else (
        lambda c: ServerSession(server_spec(c, Endpoint(srv.url, local=False))))
    app = create_app(config, factory, persist=False)
    record(app)
    async with app.run_test(size=(120, 36)) as pilot:
        await ready(pilot, app)
        await pilot.pause(0.1)
        welcome = app.chat.query_one(Welcome).render()
        status = app.chat.query_one(StatusLine).render()
    return welcome, status


async def test_welcome_says_server_url_and_the_reported_model():
    with OpenAIServer("llama.cpp") as srv:
        srv.script.models = ["qwen-on-the-box"]
        welcome, status = await run_on(srv, local=True)
    text = welcome.plain
    assert f"runtime  server · {srv.url}\n" in text and "protocol" not in text
    assert "model    qwen-on-the-box (ready)" in text
    assert "not this machine" not in text and "bold red" not in styles_at(welcome, srv.url)
    assert "SERVER" not in status.plain and "a private chat with a local model" in text


async def test_a_remote_server_is_red_in_the_welcome_and_the_status_line():
    with OpenAIServer("llama.cpp") as srv:
        welcome, status = await run_on(srv, local=False)
    assert "bold red" in styles_at(welcome, srv.url)
    assert "a chat with a model on another machine" in welcome.plain
    assert "private" not in welcome.plain
    assert "bold red" in styles_at(welcome, "not this machine: chats and sources are sent")
    host = srv.url.split("://")[1]
    assert f"SERVER {host}: chats leave this machine" in status.plain
    assert "bold reverse red" in styles_at(status, f"SERVER {host}")
