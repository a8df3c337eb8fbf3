"""Who we ask for result URLs: DuckDuckGo by default, your own SearXNG, a static list in tests.

A provider only proposes URLs; nothing is cited until the page was fetched and extracted.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol
from urllib.parse import urlencode, urlsplit

from neuro_tui.errors import UsageError
from neuro_tui.retrieval.web.fetch import FetchError, FetchLimits, fetch
from neuro_tui.retrieval.web.guard import AddressGuard
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


SEARXNG_LIMITS = FetchLimits(connect_timeout=5.0, read_timeout=8.0, deadline=10.0,
                             max_bytes=2 * 1024 * 1024, content_types=("application/json",))


class SearxngProvider:
    """A SearXNG instance's JSON API (`/search?q=...&format=json`), fetched through the same
    guard as pages: an intranet instance needs `[web] allow_private_hosts`."""

    name = "searxng"

    def __init__(self, url: str, guard: AddressGuard | None = None,
                 limits: FetchLimits = SEARXNG_LIMITS):
        parts = urlsplit(url.strip())
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise UsageError(f"[web] searxng_url = {url!r} is not an http(s) URL",
                             hint="for example: searxng_url = \"http://searx.lan:8080\"")
        base = url.strip().rstrip("/")
        self.endpoint = base if base.endswith("/search") else base + "/search"
        self.guard = guard or AddressGuard()
        self.limits = limits

    def search(self, query: str, limit: int) -> list[WebResult]:
        where = f"SearXNG at {one_line(self.endpoint, 120)}"
        url = self.endpoint + "?" + urlencode({"q": query, "format": "json", "pageno": 1})
        try:
            page = fetch(url, self.guard, self.limits)
        except FetchError as error:
            text = str(error)
            if text in ("HTTP 403", "content type text/html not allowed"):
                text += ": enable its JSON API (add json to search.formats in settings.yml)"
            raise WebSearchUnavailable(f"web search unavailable: {where}: {text}") from None
        try:
            rows = json.loads(page.html).get("results", [])
        except (ValueError, AttributeError):
            raise WebSearchUnavailable(f"web search unavailable: {where} did not answer JSON"
                                       ) from None
        out = []
        for row in rows if isinstance(rows, list) else []:
            link = row.get("url", "") if isinstance(row, dict) else ""
            if isinstance(link, str) and link.startswith(("http://", "https://")):
                out.append(WebResult(one_line(str(row.get("title") or link)), link,
                                     one_line(str(row.get("content") or ""), 400)))
        return out[:limit]


PROVIDERS = ("duckduckgo", "searxng")


def provider_from_config(config, guard: AddressGuard | None = None) -> SearchProvider:
    """`[web] provider` (duckduckgo | searxng) and `searxng_url`, or a UsageError."""
    name = str(getattr(config, "web_provider", "duckduckgo") or "duckduckgo").strip().lower()
    if name == "duckduckgo":
        return DuckDuckGoProvider()
    if name == "searxng":
        url = str(getattr(config, "searxng_url", "") or "")
        if not url.strip():
            raise UsageError("[web] provider = \"searxng\" needs [web] searxng_url",
                             hint="for example: searxng_url = \"http://127.0.0.1:8888\"")
        return SearxngProvider(url, guard)
    raise UsageError(f"[web] provider = {name!r} is not one of {', '.join(PROVIDERS)}")
