"""The browser server's guard over real loopback HTTP: token, cookie, Host, Origin, page."""

from __future__ import annotations

import pytest
from aiohttp.test_utils import TestClient, TestServer

from neuro_tui.browser import GuardedServer, is_loopback
from neuro_tui.cli import build_parser
from neuro_tui.cli.serve_cmd import app_command, page_url, resolve_token

TOKEN = "s3cret-token-value"


async def _client(host: str, token: str | None) -> TestClient:
    server = GuardedServer("true", host=host, port=8123, token=token)
    client = TestClient(TestServer(await server._make_app(), host="127.0.0.1"))
    await client.start_server()
    return client


async def test_loopback_page_is_private_and_uses_the_request_host():
    client = await _client("127.0.0.1", None)
    try:
        response = await client.get("/")
        page = await response.text()
        assert response.status == 200
        assert "googleapis" not in page  # the stock page fetches a Google font
        assert f'data-session-websocket-url="ws://{client.host}:{client.port}/ws"' in page
        assert (await client.get("/static/css/xterm.css")).status == 200
    finally:
        await client.close()


async def test_loopback_refuses_foreign_host_and_cross_origin_websocket():
    client = await _client("127.0.0.1", None)
    try:
        rebinding = await client.get("/", headers={"Host": "attacker.example"})
        assert rebinding.status == 403
        assert "loopback" in await rebinding.text()
        cross = await client.get("/ws", headers={"Origin": "http://attacker.example"})
        assert cross.status == 403
        assert "origin" in await cross.text()
    finally:
        await client.close()


async def test_token_required_then_remembered_in_a_cookie():
    client = await _client("0.0.0.0", TOKEN)
    try:
        for path in ("/", "/ws", "/static/js/textual.js", "/download/x", "/?token=wrong"):
            response = await client.get(path)
            assert response.status == 403, path
        assert (await client.get("/", headers={"Host": "anything.example"})).status == 403
        ok = await client.get(f"/?token={TOKEN}")
        assert ok.status == 200
        cookie = ok.cookies["neuro_tui_token_8123"]
        assert cookie.value == TOKEN and cookie["httponly"] and cookie["samesite"] == "Strict"
        # The page's own requests carry no token in the URL: the cookie lets them through.
        assert (await client.get("/static/js/textual.js")).status == 200
    finally:
        await client.close()


@pytest.mark.parametrize("host,loop", [("127.0.0.1", True), ("127.9.9.9", True), ("::1", True),
                                       ("[::1]", True), ("localhost", True),
                                       ("0.0.0.0", False), ("192.168.1.5", False),
                                       ("example.com", False), ("::", False)])
def test_is_loopback(host, loop):
    assert is_loopback(host) is loop


def test_off_loopback_always_gets_a_token_and_a_warning(monkeypatch):
    monkeypatch.delenv("NEURO_TUI_SERVE_TOKEN", raising=False)
    assert resolve_token("127.0.0.1", None) == (None, [])
    token, warnings = resolve_token("0.0.0.0", None)
    assert token and len(token) >= 24 and len(warnings) == 2
    assert resolve_token("10.0.0.2", "mine-12345")[0] == "mine-12345"
    monkeypatch.setenv("NEURO_TUI_SERVE_TOKEN", "from-env-123")
    assert resolve_token("10.0.0.2", None)[0] == "from-env-123"
    assert page_url("10.0.0.2", 9000, "abc") == "http://10.0.0.2:9000/?token=abc"


def test_each_browser_session_runs_neuro_tui_with_the_same_flags():
    args = build_parser().parse_args(
        ["serve", "--cli", "/opt/my llama-cli", "--model", "m.gguf", "--web", "--port", "9"])
    command = app_command(args)
    assert "-m neuro_tui" in command
    assert "--cli '/opt/my llama-cli'" in command and "--model m.gguf" in command
    assert command.endswith("--web")
    outer = build_parser().parse_args(["--model", "x.gguf", "serve"])
    assert "--model x.gguf" in app_command(outer)
