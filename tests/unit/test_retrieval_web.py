"""Web retrieval against real HTTP on loopback: real pages, hostile pages, the SSRF guard.

The guard allows exactly the test server's (127.0.0.1, port); a second loopback server on
another port stands for "anything else on this machine" and must stay unreachable.
"""

from __future__ import annotations

import time

import pytest

from neuro_tui.retrieval.pipeline import Retriever
from neuro_tui.retrieval.web.extract import extract_pages
from neuro_tui.retrieval.web.fetch import FetchError, FetchLimits, fetch
from neuro_tui.retrieval.web.guard import AddressGuard
from neuro_tui.retrieval.web.provider import DuckDuckGoProvider, StaticProvider, WebResult
from neuro_tui.retrieval.web.retriever import WebRetriever
from tests.loopback_site import BIG_PAGE, LoopbackSite, real_pages

pytestmark = pytest.mark.skipif(len(real_pages()) < 2, reason="needs HTML in /usr/share/doc")


@pytest.fixture(scope="module")
def sites():
    with LoopbackSite() as other, LoopbackSite(other_port=other.port) as site:
        yield site, other


@pytest.fixture
def guard(sites):
    site, _ = sites
    return AddressGuard(allowed=frozenset({("127.0.0.1", site.port)}))


def results(site, *paths):
    return StaticProvider([WebResult(p, site.url(p)) for p in paths])


def test_real_pages_are_fetched_extracted_ranked_and_cited(sites, guard):
    site, _ = sites
    web = WebRetriever(results(site, "/doc/0", "/doc/1"), guard=guard)
    ctx = Retriever(web=web).context("Which Python versions does the Debian policy support?")
    assert ctx.sources, ctx.notes
    assert all(s.origin == "web" and s.path.startswith(site.url("/doc/")) for s in ctx.sources)
    assert ctx.sources[0].path == site.url("/doc/0")  # the Python policy page ranks first
    assert "Python" in ctx.sources[0].passage
    assert f"[1] {ctx.sources[0].title} ({site.url('/doc/0')})" in ctx.prompt


def test_hostile_pages_become_notes_never_sources(sites, guard):
    site, _ = sites
    hostile = ["/huge", "/loop", "/redirect-local", "/redirect-metadata", "/binary", "/drip"]
    web = WebRetriever(results(site, "/escapes", *hostile), guard=guard,
                       limits=FetchLimits(deadline=3.0, read_timeout=2.0))
    started = time.monotonic()
    ctx = Retriever(web=web, web_results=10).context("What port does the zebra protocol use?")
    assert time.monotonic() - started < 8
    assert [s.path for s in ctx.sources] == [site.url("/escapes")]
    passage = ctx.sources[0].passage
    assert "7777" in passage and "\x1b" not in passage and "\x07" not in passage
    assert "pwned" not in ctx.sources[0].title and "\x1b" not in ctx.prompt
    assert "bold red" in passage and "not markup" in passage  # literal text (UI escapes it)
    notes = {note.split(": ", 1)[0]: note for note in ctx.notes}
    for path, reason in [("/huge", "too big"), ("/loop", "redirects"),
                         ("/redirect-local", "refused: 127.0.0.1"),
                         ("/redirect-metadata", "refused: 169.254.169.254"),
                         ("/binary", "content type application/octet-stream"),
                         ("/drip", "deadline")]:
        assert reason in notes[f"skipped {site.url(path)}"], (path, notes)


def test_guard_refuses_loopback_unless_this_exact_server_is_allowed(sites):
    site, other = sites
    with pytest.raises(FetchError, match="refused"):
        fetch(site.url("/doc/0"), AddressGuard(), FetchLimits())
    only_site = AddressGuard(allowed=frozenset({("127.0.0.1", site.port)}))
    with pytest.raises(FetchError, match="refused"):
        fetch(other.url("/doc/0"), only_site, FetchLimits())
    assert fetch(other.url("/doc/0"), AddressGuard(allow_private=True), FetchLimits()).html


def test_session_cache_avoids_refetching(sites, guard):
    site, _ = sites
    web = WebRetriever(results(site, "/doc/2"), guard=guard)
    web.search("path join", 1)
    before = site.hits["/doc/2"]
    outcome = web.search("path join", 1)
    assert site.hits["/doc/2"] == before and outcome.hits


def test_ddgs_failure_is_a_visible_note_and_the_answer_goes_on(monkeypatch):
    from ddgs.ddgs import DDGS  # the real class (ddgs.DDGS is a lazy proxy)
    from ddgs.exceptions import RatelimitException

    def limited(self, query, **kwargs):
        raise RatelimitException("202 Ratelimit")

    monkeypatch.setattr(DDGS, "text", limited)
    ctx = Retriever(web=WebRetriever(DuckDuckGoProvider())).context("what is tantivy?")
    assert ctx.notes == ["web search unavailable: 202 Ratelimit"]
    assert ctx.prompt == "what is tantivy?" and ctx.sources == []


@pytest.mark.skipif(not BIG_PAGE.is_file(), reason="needs Node's api/all.html")
def test_pathological_page_is_killed_at_the_timeout():
    small = real_pages()[0].read_text(errors="replace")
    started = time.monotonic()
    out = extract_pages([(BIG_PAGE.read_text(errors="replace"), "http://big"),
                         (small, "http://small")], timeout=2.0)
    assert time.monotonic() - started < 4
    assert out["http://big"] == "extraction timed out after 2 s"
    assert "Python" in out["http://small"].text
