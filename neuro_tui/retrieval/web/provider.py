"""Who we ask for result URLs: DuckDuckGo by default, a static list in tests.

A provider only proposes URLs; nothing is cited until the page was fetched and extracted.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from neuro_tui.textsafe import one_line


@dataclass(frozen=True)
class WebResult:
    title: str
    url: str
    snippet: str = ""  # the provider's own snippet: shown nowhere as a citation


class WebSearchUnavailable(Exception):
    """The provider failed (rate limit, timeout, no network); the answer goes on without it."""


class SearchProvider(Protocol):
    name: str

    def search(self, query: str, limit: int) -> list[WebResult]:
        """Up to `limit` results; raises WebSearchUnavailable on any provider failure."""
        ...


class DuckDuckGoProvider:
    """ddgs (the renamed duckduckgo-search) restricted to its "duckduckgo" backend."""

    name = "duckduckgo"

    def __init__(self, timeout: int = 5, region: str = "us-en"):
        self.timeout = timeout
        self.region = region

    def search(self, query: str, limit: int) -> list[WebResult]:
        from ddgs import DDGS
        from ddgs.exceptions import DDGSException

        try:
            rows = DDGS(timeout=self.timeout).text(query, max_results=limit, backend="duckduckgo",
                                                   region=self.region)
        except DDGSException as error:  # RatelimitException, TimeoutException, "No results"
            raise WebSearchUnavailable(f"web search unavailable: {one_line(str(error), 160)}"
                                       ) from None
        return [WebResult(one_line(r.get("title", "")), r["href"], one_line(r.get("body", ""), 400))
                for r in rows if r.get("href", "").startswith(("http://", "https://"))][:limit]


class StaticProvider:
    """Fixed results (or a function of the query): tests and the loopback benchmarks."""

    name = "static"

    def __init__(self, results: list[WebResult] | Callable[[str], list[WebResult]],
                 fail: str | None = None):
        self._results = results
        self._fail = fail

    def search(self, query: str, limit: int) -> list[WebResult]:
        if self._fail:
            raise WebSearchUnavailable(f"web search unavailable: {self._fail}")
        rows = self._results(query) if callable(self._results) else self._results
        return list(rows)[:limit]
