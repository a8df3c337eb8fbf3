"""Web passages for a question: search, fetch, extract, then rank passages locally.

Only pages that were fetched and extracted are ever cited; the search provider's own
snippets are not (peers cite snippets of pages they never read). Failures become short
notes for the UI ("web search unavailable: ...", "skipped <url>: too big") and the answer
goes on with whatever was retrieved.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import tantivy

from neuro_tui.retrieval import store
from neuro_tui.retrieval.chunking import chunk_text
from neuro_tui.retrieval.search import Hit, run_query
from neuro_tui.retrieval.web.extract import ExtractedPage, extract_pages
from neuro_tui.retrieval.web.fetch import FetchedPage, FetchLimits, fetch_all
from neuro_tui.retrieval.web.guard import AddressGuard, guard_from_config
from neuro_tui.retrieval.web.provider import (
    SearchProvider,
    WebSearchUnavailable,
    provider_from_config,
)
from neuro_tui.textsafe import one_line


@dataclass
class WebOutcome:
    hits: list[Hit] = field(default_factory=list)
    pages: list[ExtractedPage] = field(default_factory=list)  # fetched and extracted
    notes: list[str] = field(default_factory=list)  # what went wrong, for the user


class WebRetriever:
    """Keeps extracted pages for the session, so a follow-up question costs no refetch."""

    def __init__(self, provider: SearchProvider, *, guard: AddressGuard | None = None,
                 limits: FetchLimits | None = None, extract_timeout: float = 10.0):
        self.provider = provider
        self.guard = guard or AddressGuard()
        self.limits = limits or FetchLimits()
        self.extract_timeout = extract_timeout
        self.cache: dict[str, ExtractedPage] = {}

    @classmethod
    def from_config(cls, config) -> WebRetriever:
        """`[web] provider`, `searxng_url` and `allow_private_hosts`: one guard for the
        search request and every page fetched."""
        guard = guard_from_config(config)
        return cls(provider_from_config(config, guard), guard=guard)

    def pages_for(self, question: str, results: int) -> WebOutcome:
        outcome = WebOutcome()
        try:
            found = self.provider.search(question, results)
        except WebSearchUnavailable as error:
            outcome.notes.append(str(error))
            return outcome
        urls = list(dict.fromkeys(r.url for r in found))
        fetched = fetch_all([u for u in urls if u not in self.cache], self.guard, self.limits)
        todo = []
        for url, page in fetched.items():
            if isinstance(page, FetchedPage):
                todo.append((page.html, url))
            else:
                outcome.notes.append(f"skipped {one_line(url, 120)}: {page}")
        for url, page in extract_pages(todo, self.extract_timeout).items():
            if isinstance(page, ExtractedPage) and page.text.strip():
                self.cache[url] = page
            else:
                reason = page if isinstance(page, str) else "no readable text"
                outcome.notes.append(f"skipped {one_line(url, 120)}: {reason}")
        outcome.pages = [self.cache[u] for u in urls if u in self.cache]
        return outcome

    def search(self, question: str, results: int = 3, passages: int = 6) -> WebOutcome:
        """Fetch up to `results` pages and return their best `passages` for the question."""
        outcome = self.pages_for(question, results)
        outcome.hits = rank_passages(outcome.pages, question, passages)
        return outcome


def rank_passages(pages: list[ExtractedPage], question: str, limit: int) -> list[Hit]:
    """BM25 over the pages' passages, in a throwaway in-memory Tantivy index."""
    if not pages:
        return []
    index = tantivy.Index(store.SCHEMA)
    writer = index.writer(15_000_000, 1)
    for page in pages:
        for chunk in chunk_text(page.text, "markdown"):
            writer.add_document(tantivy.Document(
                key=f"{page.url}#{chunk.n}", path=page.url, doctype="passage", title=page.title,
                heading=chunk.heading, body=chunk.text, line_start=chunk.line_start,
                line_end=chunk.line_end))
    writer.commit()
    writer.wait_merging_threads()
    index.reload()
    return run_query(index, question, limit)
