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
POOL = 50  # passages ranked (at least 6 per hit asked for): finds other files, counts folds
MAX_FOLDED = 3  # further passages of a file kept on its hit (all of them are counted)


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


def candidates(index: tantivy.Index, user_query: str, limit: int,
               weights: ranking.Weights = ranking.DEFAULT):
    """([(score, stored document)], snippet generator): ranked, before any snippet work."""
    if limit <= 0:
        return [], None
    searcher = index.searcher()
    built = ranking.build(index, searcher, user_query, weights)
    if built is None:
        return [], None
    ranked, bm25 = built
    result = searcher.search(ranked, limit=limit, count=False)
    generator = tantivy.SnippetGenerator.create(searcher, bm25, index.schema, "body")
    generator.set_max_num_chars(SNIPPET_CHARS)
    return [(float(score), searcher.doc(address)) for score, address in result.hits], generator


def run_query(index: tantivy.Index, user_query: str, limit: int, *,
              weights: ranking.Weights = ranking.DEFAULT) -> list[Hit]:
    """Passages of `index` (any index with the store's fields) best first; never raises
    on input. Not diversified: see `diversify` for one hit per file."""
    found, generator = candidates(index, user_query, limit, weights)
    return [_hit(doc, score, generator) for score, doc in found]


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


def fold(items: list, limit: int, path) -> list[tuple[object, list]]:
    """(item, further items of its file) for at most `limit` items, each from a different
    file (`path(item)`) while other files match. When fewer files match than `limit`, the
    best further items fill the free places instead (with nothing folded under them)."""
    firsts: dict[str, object] = {}
    rest = []
    for item in items:
        if path(item) not in firsts and len(firsts) < limit:
            firsts[path(item)] = item
        else:
            rest.append(item)
    spare = max(0, limit - len(firsts))
    by_file: dict[str, list] = {}
    for item in rest[spare:]:
        by_file.setdefault(path(item), []).append(item)
    return [(first, by_file.get(key, [])) for key, first in firsts.items()] + [
        (item, []) for item in rest[:spare]]


def diversify(hits: list[Hit], limit: int) -> list[Hit]:
    """`fold` for ready hits: further passages go to `more` (capped), all are counted."""
    return [replace(first, more=tuple(rest[:MAX_FOLDED]), more_count=len(rest))
            for first, rest in fold(hits, limit, lambda h: h.path)]


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
        under it; copies of the same text (e.g. identical files) shown once. Snippets are
        made only for what is returned (the pool ranked to find files is much larger)."""
        self.index.reload()  # see the indexer's latest commit
        found, generator = candidates(self.index, user_query, max(POOL, 6 * limit))
        seen: set[str] = set()
        unique = []
        for score, doc in found:
            body = doc.get_first("body") or ""
            if body not in seen:
                seen.add(body)
                unique.append((score, doc))
        out = []
        for (score, doc), rest in fold(unique, limit, lambda item: item[1].get_first("path")):
            more = tuple(_hit(d, s, generator) for s, d in rest[:MAX_FOLDED])
            out.append(replace(_hit(doc, score, generator), more=more, more_count=len(rest)))
        return out

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
