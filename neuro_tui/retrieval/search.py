"""Ranked passage search over an index folder, with highlighted snippets.

Readers never take the writer lock, so searching works while `neuro-tui index` runs in
another process (it sees the last commit). Every string returned is control-free.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import tantivy

from neuro_tui.retrieval import query as lenient
from neuro_tui.retrieval import store
from neuro_tui.textsafe import strip_controls

FIELDS = ["title", "heading", "body"]
BOOSTS = {"title": 2.0, "heading": 1.5, "body": 1.0}
SNIPPET_CHARS = 240


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


def run_query(index: tantivy.Index, user_query: str, limit: int, *,
              passages_only: bool = True) -> list[Hit]:
    """Search `index` (any index with FIELDS) for what the user typed; never raises on input."""
    text = lenient.to_tantivy(user_query)
    if not text or limit <= 0:
        return []
    parsed = index.parse_query(text, FIELDS, field_boosts=BOOSTS)
    if passages_only:
        parsed = tantivy.Query.boolean_query([
            (tantivy.Occur.Must, parsed),
            (tantivy.Occur.Must, tantivy.Query.term_query(index.schema, "doctype", "passage")),
        ])
    searcher = index.searcher()
    result = searcher.search(parsed, limit=limit, count=False)
    generator = tantivy.SnippetGenerator.create(searcher, parsed, index.schema, "body")
    generator.set_max_num_chars(SNIPPET_CHARS)
    hits = []
    for score, address in result.hits:
        doc = searcher.doc(address)
        snippet = generator.snippet_from_doc(doc)
        fragment = snippet.fragment()
        ranges = tuple((r.start, r.end) for r in snippet.highlighted())
        body = doc.get_first("body") or ""
        if not fragment:
            fragment, ranges = body[:SNIPPET_CHARS], ()
        hits.append(Hit(
            key=doc.get_first("key") or "", path=doc.get_first("path") or "",
            title=strip_controls(doc.get_first("title") or ""),
            heading=strip_controls(doc.get_first("heading") or ""),
            line_start=doc.get_first("line_start") or 0, line_end=doc.get_first("line_end") or 0,
            text=strip_controls(body), snippet=_clean_fragment(fragment, ranges)[0],
            highlights=_clean_fragment(fragment, ranges)[1], score=float(score)))
    return hits


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
        """Best passages first; copies of the same text (e.g. identical files) shown once."""
        self.index.reload()  # see the indexer's latest commit
        seen: set[str] = set()
        unique = []
        for hit in run_query(self.index, user_query, limit * 2):
            if hit.text not in seen:
                seen.add(hit.text)
                unique.append(hit)
        return unique[:limit]

    def passage_count(self) -> int:
        self.index.reload()
        searcher = self.index.searcher()
        query = tantivy.Query.term_query(store.SCHEMA, "doctype", "passage")
        return searcher.search(query, limit=1, count=True).count
