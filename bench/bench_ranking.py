"""Ranking quality on a golden set: recall@5 and MRR by page, ours vs. before vs. SQLite FTS5.

Corpus: Debian's python3.11-doc HTML (`apt-get install python3.11-doc`), indexed whole with
the same code as `neuro-tui index DIR --recursive` (cached in /tmp between runs, rebuilt
when the files change). Golden set: tests/golden/python_docs.toml (50 queries, each with
the page a person would want). Three rankers over the same passages, top 10:

- before: plain BM25 over title/heading/body (boosts 2/1.5/1), no coordination, no
  per-file diversity: what `neuro-tui search` did before issue 14;
- fts5: SQLite FTS5 bm25 with the same column weights, OR of the query words;
- now: what LocalIndex.search does (coordination bonus, one hit per file).

`--tune` grid-searches the weights on the odd-numbered queries and reports the even ones
too, so the figures are not only fitted ones. Latency: p50/p99 of LocalIndex.search with
snippets over the golden queries plus sampled word pairs.

    .venv/bin/python bench/bench_ranking.py [--tune] [--storage DIR]
"""

from __future__ import annotations

import argparse
import os
import random
import re
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from neuro_tui.retrieval import query as lenient  # noqa: E402
from neuro_tui.retrieval import ranking  # noqa: E402
from neuro_tui.retrieval.indexer import index_paths, walk  # noqa: E402
from neuro_tui.retrieval.prepare import prepare  # noqa: E402
from neuro_tui.retrieval.search import LocalIndex, diversify, run_query  # noqa: E402
from tests.golden import golden  # noqa: E402

BEFORE = ranking.Weights(2.0, 1.5, 1.0, coordination=0.0)


def before_search(local: LocalIndex, q: str, k: int = 10) -> list[str]:
    """The pre-issue-14 LocalIndex.search: flat BM25, text copies dropped, no diversity."""
    seen, out = set(), []
    for hit in run_query(local.index, q, k * 2, weights=BEFORE):
        if hit.text not in seen:
            seen.add(hit.text)
            out.append(hit.path)
    return out[:k]


def weighted_search(local: LocalIndex, weights: ranking.Weights, q: str, k: int = 10):
    hits = run_query(local.index, q, 6 * k, weights=weights)
    return [h.path for h in diversify(hits, k)]


def build_fts5(corpus: Path, db: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(db)
    conn.execute("CREATE VIRTUAL TABLE p USING fts5(title, heading, body, path UNINDEXED, "
                 "tokenize='unicode61')")
    with conn:
        for path in walk([corpus], recursive=True):
            item = prepare(path, None, 16 << 20)
            conn.executemany("INSERT INTO p VALUES (?,?,?,?)",
                             [(item.title, h, text, item.path) for _n, h, text, *_ in item.chunks])
    return conn


def fts5_search(conn: sqlite3.Connection, q: str, k: int = 10) -> list[str]:
    terms = [t for t in lenient.tokens(q) if t not in lenient.STOPWORDS] or lenient.tokens(q)
    if not terms:
        return []
    match = " OR ".join(f'"{t}"' for t in dict.fromkeys(terms))
    rows = conn.execute("SELECT path FROM p WHERE p MATCH ? ORDER BY bm25(p, 2.0, 1.5, 1.0) "
                        "LIMIT ?", (match, k)).fetchall()
    return [r[0] for r in rows]


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


def subset(gold: golden.GoldenSet, parity: int) -> golden.GoldenSet:
    return golden.GoldenSet(gold.corpus, gold.package, gold.queries[parity::2])


def tune(local: LocalIndex, gold: golden.GoldenSet) -> None:
    """The grid the weights were picked from: all 50 queries, then the pick on each half."""
    def score(w, subset_=gold):
        return golden.evaluate(lambda q: weighted_search(local, w, q), subset_)

    titles, coords = (1.0, 1.5, 2.0, 3.0), (0.0, 0.25, 0.5, 1.0, 2.0)
    print("MRR (recall@5) on all queries, heading 1.5; rows coordination, columns title:")
    print("  coord  " + "".join(f"title {t:<8}" for t in titles))
    for c in coords:
        cells = [score(ranking.Weights(t, 1.5, 1.0, c)) for t in titles]
        print(f"  {c:<5}  " + "".join(f"{x.mrr:.3f} ({x.recall:.2f})".ljust(14) for x in cells))
    pick = ranking.DEFAULT
    heads = [(h, score(ranking.Weights(pick.title, h, 1.0, pick.coordination)))
             for h in (1.0, 1.5, 2.0, 3.0)]
    print("  heading sweep at the pick: " + ", ".join(f"{h}: {x.mrr:.3f}" for h, x in heads))
    for name, part in (("odd", subset(gold, 0)), ("even", subset(gold, 1))):
        print(f"  pick on the {name} half: {score(pick, part).line('').strip()}")


def latency(search, gold: golden.GoldenSet, n: int = 300) -> list[float]:
    rng = random.Random(14)
    words = [w for item in gold.queries for w in re.findall(r"[A-Za-z_]{4,14}", item.q)]
    queries = [g.q for g in gold.queries]
    queries += [" ".join(rng.sample(words, 2)) for _ in range(n - len(queries))]
    for q in queries[:20]:
        search(q)
    out = []
    for q in queries:
        t0 = time.perf_counter()
        search(q)
        out.append((time.perf_counter() - t0) * 1000)
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tune", action="store_true")
    parser.add_argument("--storage", default=str(Path(tempfile.gettempdir()) / "bench-ranking"))
    args = parser.parse_args()
    gold = golden.load()
    if not gold.corpus.is_dir():
        sys.exit(f"{gold.corpus} is missing: apt-get install {gold.package}")
    t0 = time.perf_counter()
    report = index_paths(Path(args.storage) / "index", [gold.corpus], recursive=True)
    local = LocalIndex(Path(args.storage) / "index")
    print(f"corpus {gold.corpus}: {local.passage_count()} passages ({report.added} files added, "
          f"{report.unchanged} unchanged, {time.perf_counter() - t0:.1f} s); "
          f"{len(gold.queries)} golden queries; load avg {os.getloadavg()[0]:.1f} on "
          f"{os.cpu_count()} cores")
    if args.tune:
        tune(local, gold)
    with tempfile.TemporaryDirectory() as tmp:
        conn = build_fts5(gold.corpus, Path(tmp) / "fts5.db")
        results = {
            "before (flat BM25)": golden.evaluate(lambda q: before_search(local, q), gold),
            "sqlite fts5 bm25": golden.evaluate(lambda q: fts5_search(conn, q), gold),
            "now (coordination+diverse)": golden.evaluate(
                lambda q: [h.path for h in local.search(q, 10)], gold),
        }
    for name, scores in results.items():
        print(scores.line(name))
    now = results["now (coordination+diverse)"]
    misses = [(g.q, r) for g, r in zip(gold.queries, now.ranks, strict=True) if r != 1]
    print("now, gold page not first: " + ("; ".join(f"{q!r} at {r or '>10'}" for q, r in misses)
                                          or "none"))
    ms = latency(lambda q: local.search(q, 10), gold)
    before_ms = latency(lambda q: run_query(local.index, q, 20, weights=BEFORE), gold)
    p99 = pct(ms, 99)
    for name, values in (("now: LocalIndex.search", ms), ("before: flat BM25 top 20", before_ms)):
        print(f"query latency {name:26s} p50 {statistics.median(values):.2f} ms  p99 "
              f"{pct(values, 99):.2f} ms  (top 10 with snippets, {len(values)} queries)")
    ratio = statistics.median(ms) / statistics.median(before_ms)
    print(f"latency ratio now/before: p50 {ratio:.2f}x, p99 {p99 / pct(before_ms, 99):.2f}x; "
          f"load avg now {os.getloadavg()[0]:.1f}")
    met = now.recall >= 0.95 and now.mrr >= 0.9 and p99 <= 10
    print(f"goal recall@5 >= 0.95, MRR >= 0.9, p99 <= 10 ms: {'met' if met else 'NOT met'}; "
          f"MRR ratio now/before {now.mrr / results['before (flat BM25)'].mrr:.2f}x, "
          f"now/fts5 {now.mrr / results['sqlite fts5 bm25'].mrr:.2f}x")


if __name__ == "__main__":
    main()
