"""Ranked passage search over an index folder, with highlighted snippets.

Readers never take the writer lock, so searching works while `neuro-tui index` runs in
another process (it sees the last commit). Every string returned is control-free.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import tantivy

from neuro_tui.retrieval import ranking, store
from neuro_tui.textsafe import strip_controls

SNIPPET_CHARS = 240
POOL = 60  # passages ranked (at least 6 per hit asked for): finds other files, counts folds
MAX_FOLDED = 5  # further passages of a file kept on its hit (all of them are counted)


@dataclass(frozen=True)
class Hit:
    key: str  # path#n (local) or url#n (web)
    path: str  # file path or URL
    title: str
    heading: str
    line_start: int
    line_end: int
    text: str  # the whole passage
    snippet: str  # the best fragment
    highlights: tuple[tuple[int, int], ...]  # character ranges in `snippet`
    score: float
    more: tuple[Hit, ...] = ()  # further passages of this file, best first ("+N more")
    more_count: int = 0  # further passages of this file among the best POOL (more is capped)


def run_query(index: tantivy.Index, user_query: str, limit: int, *,
              weights: ranking.Weights = ranking.DEFAULT) -> list[Hit]:
    """Passages of `index` (any index with the store's fields) best first; never raises
    on input. Not diversified: see `diversify` for one hit per file."""
    if limit <= 0:
        return []
    searcher = index.searcher()
    built = ranking.build(index, searcher, user_query, weights)
    if built is None:
        return []
    ranked, bm25 = built
    result = searcher.search(ranked, limit=limit, count=False)
    generator = tantivy.SnippetGenerator.create(searcher, bm25, index.schema, "body")
    generator.set_max_num_chars(SNIPPET_CHARS)
    return [_hit(searcher.doc(address), float(score), generator)
            for score, address in result.hits]


def _hit(doc: tantivy.Document, score: float, generator: tantivy.SnippetGenerator) -> Hit:
    snippet = generator.snippet_from_doc(doc)
    fragment = snippet.fragment()
    ranges = tuple((r.start, r.end) for r in snippet.highlighted())
    body = doc.get_first("body") or ""
    if not fragment:
        fragment, ranges = body[:SNIPPET_CHARS], ()
    shown, spans = _clean_fragment(fragment, ranges)
    return Hit(key=doc.get_first("key") or "", path=doc.get_first("path") or "",
               title=strip_controls(doc.get_first("title") or ""),
               heading=strip_controls(doc.get_first("heading") or ""),
               line_start=doc.get_first("line_start") or 0,
               line_end=doc.get_first("line_end") or 0,
               text=strip_controls(body), snippet=shown, highlights=spans, score=score)


def diversify(hits: list[Hit], limit: int) -> list[Hit]:
    """At most `limit` hits, each from a different file while other files match; further
    passages of a file fold under its best one (`more`, `more_count`). When fewer files
    match than `limit`, the best further passages fill the free places instead."""
    firsts: dict[str, Hit] = {}
    rest: list[Hit] = []
    for hit in hits:
        if hit.path not in firsts and len(firsts) < limit:
            firsts[hit.path] = hit
        else:
            rest.append(hit)
    spare = max(0, limit - len(firsts))
    fill, folded = rest[:spare], rest[spare:]
    by_file: dict[str, list[Hit]] = {}
    for hit in folded:
        by_file.setdefault(hit.path, []).append(hit)
    out = [replace(first, more=tuple(by_file.get(path, [])[:MAX_FOLDED]),
                   more_count=len(by_file.get(path, []))) for path, first in firsts.items()]
    return out + fill


def _clean_fragment(fragment: str, ranges) -> tuple[str, tuple[tuple[int, int], ...]]:
    """Strip control characters while keeping highlight ranges pointing at the same words.

    Ranges are byte offsets in tantivy-py's snippet API; map them to characters."""
    data = fragment.encode()
    out: list[str] = []
    spans: list[tuple[int, int]] = []
    cursor = 0
    for start, end in sorted(ranges):
        if start < cursor:
            continue
        out.append(strip_controls(data[cursor:start].decode(errors="ignore")))
        word = strip_controls(data[start:end].decode(errors="ignore"))
        begin = sum(len(p) for p in out)
        out.append(word)
        spans.append((begin, begin + len(word)))
        cursor = end
    out.append(strip_controls(data[cursor:].decode(errors="ignore")))
    return "".join(out), tuple(spans)


class LocalIndex:
    """A read-only handle on an index folder (cheap to keep open for a session)."""

    def __init__(self, storage: Path):
        self.storage = Path(storage).expanduser()
        self.index = store.open_index(self.storage, create=False)

    def search(self, user_query: str, limit: int = 10) -> list[Hit]:
        """The best passage of each of the `limit` best files, further passages folded
        under it; copies of the same text (e.g. identical files) shown once."""
        self.index.reload()  # see the indexer's latest commit
        return diversify(self.passages(user_query, max(POOL, 6 * limit)), limit)

    def passages(self, user_query: str, limit: int = 10) -> list[Hit]:
        """Best passages first, several per file allowed, copies of the same text once."""
        seen: set[str] = set()
        unique = []
        for hit in run_query(self.index, user_query, limit + limit // 2):
            if hit.text not in seen:
                seen.add(hit.text)
                unique.append(hit)
        return unique[:limit]

    def passage_count(self) -> int:
        self.index.reload()
        searcher = self.index.searcher()
        query = tantivy.Query.term_query(store.SCHEMA, "doctype", "passage")
        return searcher.search(query, limit=1, count=True).count
