"""How passages are ranked: BM25 plus a coordination bonus, then one result per file.

Plain BM25 over title/heading/body let a page whose title holds one frequent query word
("generator" in email.generator) fill the top 8 while the passage holding every word
(contextlib's "contextmanager decorator ... generator") was not shown. So each query
concept (a word, or a punctuated identifier such as `json.dumps` as a phrase) adds a
constant bonus, a share of the query's best BM25 score, for every passage that contains
it: passages matching more of the query come first, BM25 orders them within a tier.
The weights below were tuned on tests/golden/python_docs.toml (bench/bench_ranking.py).
"""

from __future__ import annotations

from dataclasses import dataclass

import tantivy

from neuro_tui.retrieval import query as lenient

FIELDS = ("title", "heading", "body")


@dataclass(frozen=True)
class Weights:
    title: float = 1.5  # tuned: 1.0-3.0 x 1.0-3.0 grid, see docs/benchmarks.md
    heading: float = 1.5
    body: float = 1.0
    coordination: float = 0.5  # bonus per matched concept, as a share of the best BM25 score

    @property
    def boosts(self) -> dict[str, float]:
        return {"title": self.title, "heading": self.heading, "body": self.body}


DEFAULT = Weights()


def concept_query(index: tantivy.Index, parts: list[str]) -> tantivy.Query:
    """Matches passages containing the concept in any field: a term, or a phrase of parts."""
    schema = index.schema
    if len(parts) == 1:
        per_field = [tantivy.Query.term_query(schema, f, parts[0]) for f in FIELDS]
    else:
        per_field = [tantivy.Query.phrase_query(schema, f, parts) for f in FIELDS]
    return tantivy.Query.boolean_query([(tantivy.Occur.Should, q) for q in per_field])


def passages(index: tantivy.Index, query: tantivy.Query) -> tantivy.Query:
    """`query`, restricted to passage documents (not the per-file bookkeeping ones)."""
    return tantivy.Query.boolean_query([
        (tantivy.Occur.Must, query),
        (tantivy.Occur.Must, tantivy.Query.term_query(index.schema, "doctype", "passage")),
    ])


def build(index: tantivy.Index, searcher: tantivy.Searcher, user_query: str,
          weights: Weights = DEFAULT) -> tuple[tantivy.Query, tantivy.Query] | None:
    """(ranking query, BM25 query for snippets), or None when nothing is searchable."""
    text = lenient.to_tantivy(user_query)
    if not text:
        return None
    bm25 = passages(index, index.parse_query(text, list(FIELDS), field_boosts=weights.boosts))
    groups = lenient.concepts(user_query)
    if len(groups) < 2 or weights.coordination <= 0:
        return bm25, bm25
    best = searcher.search(bm25, limit=1, count=False).hits
    if not best:
        return bm25, bm25
    bonus = weights.coordination * float(best[0][0])
    clauses = [(tantivy.Occur.Should, bm25)] + [
        (tantivy.Occur.Should, tantivy.Query.const_score_query(concept_query(index, g), bonus))
        for g in groups]
    ranked = tantivy.Query.boolean_query(clauses)
    return passages(index, ranked), bm25
