"""`[web] provider = "searxng"` and `[web] allow_private_hosts`, on real loopback HTTP: a
SearXNG-shaped server (its JSON API) proposing real pages served by a second loopback
server. With the switch off the guard refuses both, as it refuses any loopback address."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest

from neuro_tui import config as config_mod
from neuro_tui.errors import UsageError
from neuro_tui.retrieval.pipeline import Retriever
from neuro_tui.retrieval.web.guard import AddressGuard
from neuro_tui.retrieval.web.provider import (
    DuckDuckGoProvider,
    SearxngProvider,
    StaticProvider,
    WebResult,
    WebSearchUnavailable,
    provider_from_config,
)
from neuro_tui.retrieval.web.retriever import WebRetriever
from tests.loopback_site import LoopbackSite, real_pages

pytestmark = pytest.mark.skipif(len(real_pages()) < 2, reason="needs HTML in /usr/share/doc")
QUESTION = "Which Python versions does the Debian policy support?"


class FakeSearxng:
    """Answers /search?q=...&format=json like SearXNG; `mode` picks a failure to show."""

    def __init__(self):
        self.results: list[dict] = []
        self.mode = "json"
        self.queries: list[dict] = []
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:
                pass

            def do_GET(self) -> None:  # noqa: N802
                parts = urlsplit(self.path)
                owner.queries.append({k: v[0] for k, v in parse_qs(parts.query).items()})
                status, ctype, body = owner.answer(parts.path)
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def answer(self, path: str) -> tuple[int, str, bytes]:
        if path != "/search":
            return 404, "text/plain", b"not found"
        if self.mode == "html-only":  # SearXNG's default settings: JSON format disabled
            return 403, "text/html", b"<h1>403 Forbidden</h1>"
        if self.mode == "garbage":
            return 200, "application/json", b"{not json"
        body = {"query": self.queries[-1].get("q"), "number_of_results": len(self.results),
                "results": self.results, "answers": [], "suggestions": []}
        return 200, "application/json", json.dumps(body).encode()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def searx():
    server = FakeSearxng()
    yield server
    server.close()


@pytest.fixture(scope="module")
def site():
    with LoopbackSite() as pages:
        yield pages


def web_config(searx, tmp_path, **extra):
    return config_mod.load({"web": True}, path=tmp_path / "none.toml", environ={
        "NEURO_TUI_WEB_PROVIDER": "searxng", "NEURO_TUI_SEARXNG_URL": searx.url,
        **{f"NEURO_TUI_{k.upper()}": v for k, v in extra.items()}})


def test_searxng_on_an_allowed_private_host_finds_real_pages(searx, site, tmp_path):
    searx.results = [{"url": site.url("/doc/0"), "title": "Python policy", "content": "x"},
                     {"url": "ftp://old.example/x", "title": "not http"},
                     {"url": site.url("/doc/1"), "title": "Second", "content": "y"}]
    cfg = web_config(searx, tmp_path, allow_private_hosts="true")
    web = WebRetriever.from_config(cfg)
    assert isinstance(web.provider, SearxngProvider) and web.guard.allow_private
    ctx = Retriever(web=web).context(QUESTION)
    assert searx.queries == [{"q": QUESTION, "format": "json", "pageno": "1"}]
    assert ctx.sources and ctx.sources[0].path == site.url("/doc/0"), ctx.notes
    assert all(s.origin == "web" for s in ctx.sources)
    assert site.hits["/doc/0"] == 1


def test_switch_off_refuses_the_loopback_searxng_and_says_which_switch(searx, tmp_path):
    cfg = web_config(searx, tmp_path)
    ctx = Retriever(web=WebRetriever.from_config(cfg)).context(QUESTION)
    assert ctx.sources == [] and searx.queries == []  # no request left the guard
    assert len(ctx.notes) == 1 and "SearXNG at" in ctx.notes[0]
    assert "127.0.0.1, a private or local address" in ctx.notes[0]
    assert "allow_private_hosts = true" in ctx.notes[0]


def test_switch_off_refuses_loopback_pages_whoever_proposes_them(tmp_path):
    with LoopbackSite() as pages:
        provider = StaticProvider([WebResult("policy", pages.url("/doc/0"))])
        cfg = config_mod.load(path=tmp_path / "none.toml", environ={})
        web = WebRetriever(provider, guard=WebRetriever.from_config(cfg).guard)
        outcome = web.search(QUESTION)
        assert outcome.hits == [] and pages.hits["/doc/0"] == 0
        assert "refused" in outcome.notes[0] and "allow_private_hosts" in outcome.notes[0]


def test_switch_on_still_refuses_metadata_and_link_local(searx, site, tmp_path):
    searx.results = [{"url": "http://169.254.169.254/latest/meta-data/", "title": "meta"},
                     {"url": site.url("/redirect-metadata"), "title": "redirect"},
                     {"url": "http://[fe80::1]:80/", "title": "link-local"}]
    cfg = web_config(searx, tmp_path, allow_private_hosts="1")
    ctx = Retriever(web=WebRetriever.from_config(cfg), web_results=5).context(QUESTION)
    assert ctx.sources == []
    assert len(ctx.notes) == 3 and all("refused" in n or "resolve" in n for n in ctx.notes)


@pytest.mark.parametrize("mode, says", [("html-only", "enable its JSON API"),
                                        ("garbage", "did not answer JSON")])
def test_searxng_failures_are_clear_notes(searx, mode, says):
    searx.mode = mode
    provider = SearxngProvider(searx.url, AddressGuard(allow_private=True))
    with pytest.raises(WebSearchUnavailable, match=says):
        provider.search("anything", 3)


def test_provider_choice_and_bad_settings(tmp_path):
    def cfg(**env):
        return config_mod.load(path=tmp_path / "none.toml", environ=env)

    assert isinstance(provider_from_config(cfg()), DuckDuckGoProvider)
    with pytest.raises(UsageError, match="not one of duckduckgo, searxng"):
        provider_from_config(cfg(NEURO_TUI_WEB_PROVIDER="bing"))
    with pytest.raises(UsageError, match="needs \\[web\\] searxng_url"):
        provider_from_config(cfg(NEURO_TUI_WEB_PROVIDER="searxng"))
    with pytest.raises(UsageError, match="not an http"):
        provider_from_config(cfg(NEURO_TUI_WEB_PROVIDER="searxng",
                                 NEURO_TUI_SEARXNG_URL="searx.lan:8080"))
    toml = tmp_path / "config.toml"
    toml.write_text('[web]\nprovider = "searxng"\nsearxng_url = "http://10.0.0.5:8080/"\n'
                    'allow_private_hosts = true\n')
    web = WebRetriever.from_config(config_mod.load(path=toml, environ={}))
    assert web.provider.endpoint == "http://10.0.0.5:8080/search" and web.guard.allow_private
