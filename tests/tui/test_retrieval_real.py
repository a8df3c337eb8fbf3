"""The sources pane fed by the real local index (Tantivy), before the answer streams."""

from __future__ import annotations

import http.server
import threading

import pytest

from neuro_tui.chat import events as ev
from neuro_tui.retrieval.indexer import index_paths
from tests.tui.conftest import answer, answered, ready


async def test_local_index_sources_reach_pane_and_prompt(make_app, recorder, tmp_path, fake):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "france.md").write_text("# France\n\nIntro line.\n\nParis is the capital of "
                                    "France and its largest city.\n")
    (docs / "rivers.md").write_text("# Rivers\n\nThe Loire is the longest river in France.\n")
    storage = tmp_path / "index"
    index_paths(storage, [docs], recursive=True)
    fake(["{echo}"])
    app = make_app(storage=str(storage))
    async with app.run_test(size=(120, 36), message_hook=recorder) as pilot:
        await ready(pilot, app)
        await pilot.press(*"capital of France", "enter")
        await answered(pilot, app)
        [retrieved] = recorder.events(ev.SourcesFound)
        first = retrieved.sources[0]
        assert first.origin == "local" and first.location.endswith("france.md:1")
        assert "Paris is the capital" in first.text
        await answered(pilot, app)
        prompt = answer(app, 1).strip()  # the fake echoes what llama-cli was sent
        assert "[1] France" in prompt and prompt.endswith("Question: capital of France")
        assert app.chat.query_one("#sources").option_count == len(retrieved.sources)


@pytest.fixture
def web_provider(monkeypatch):
    """Web search answered by a StaticProvider (no internet in tests); pages on loopback."""
    from neuro_tui.chat import retrieval as retrieval_bridge
    from neuro_tui.retrieval import pipeline
    from neuro_tui.retrieval.web.provider import StaticProvider

    holder = {}
    monkeypatch.setattr(pipeline, "DuckDuckGoProvider", lambda: holder["provider"])
    retrieval_bridge.forget_retrievers()
    yield lambda provider: holder.__setitem__("provider", provider) or StaticProvider
    retrieval_bridge.forget_retrievers()


@pytest.fixture
def loopback_page():
    page = (b"<html><head><title>The Seine</title></head><body><article><h1>The Seine</h1>"
            b"<p>The Seine is a 777 km river flowing through Paris into the English Channel."
            b" Its banks in Paris are a UNESCO World Heritage Site.</p>" * 3 +
            b"</article></body></html>")

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(page)))
            self.end_headers()
            self.wfile.write(page)

        def log_message(self, *_args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/seine"
    server.shutdown()


async def test_web_sources_from_loopback_page(make_app, recorder, web_provider, loopback_page,
                                              tui_config, fake):
    from neuro_tui.retrieval.web.provider import StaticProvider, WebResult

    web_provider(StaticProvider([WebResult("The Seine", loopback_page)]))
    tui_config.values["allow_private"] = True
    fake(["{echo}"])
    app = make_app()
    async with app.run_test(size=(120, 36), message_hook=recorder) as pilot:
        await ready(pilot, app)
        await pilot.press("f8")
        await pilot.press(*"how long is the Seine river", "enter")
        await answered(pilot, app, timeout=30)
        notes = [str(n.message) for n in app._notifications]
        assert len(recorder.events(ev.SourcesFound)) == 1, notes
        [retrieved] = recorder.events(ev.SourcesFound)
        assert retrieved.sources and retrieved.sources[0].origin == "web", notes
        assert retrieved.sources[0].location == loopback_page
        assert "777 km" in retrieved.sources[0].text
        assert loopback_page in answer(app, 1)


async def test_web_toggle_shows_indicator_and_unavailable_web_is_reported(make_app, recorder,
                                                                           web_provider, fake):
    from neuro_tui.retrieval.web.provider import StaticProvider

    web_provider(StaticProvider([], fail="no network"))
    fake(["{echo}"])
    app = make_app()
    async with app.run_test(size=(120, 36), message_hook=recorder) as pilot:
        await ready(pilot, app)
        await pilot.press("f8")
        await pilot.pause(0.05)
        assert "WEB: queries leave this machine" in str(app.chat.query_one("#status").render())
        await pilot.press(*"latest news", "enter")
        await answered(pilot, app)
        assert any("web search unavailable" in str(n.message)
                   for n in app._notifications)
        assert answer(app, 1).strip() == "You said: latest news"
