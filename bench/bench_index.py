"""Index build and query latency: Tantivy (what we ship) vs SQLite FTS5 (baseline), same run.

Corpus: the Python stdlib sources (no site-packages) + /usr/share/doc, cut into the same
~2 KB passages for both engines. Reports build MB/s and docs/s (passages -> index), the
end-to-end `index_paths` rate (walk, read, extract, chunk, index), and top-10 query
latency p50/p99 *with snippets* for ~300 queries (golden + sampled word pairs).

    .venv/bin/python bench/bench_index.py [--quick]
"""

from __future__ import annotations

import argparse
import os
import random
import re
import shutil
import sqlite3
import statistics
import sys
import sysconfig
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from neuro_tui.retrieval import store  # noqa: E402
from neuro_tui.retrieval.indexer import IndexReport, _apply, index_paths, walk  # noqa: E402
from neuro_tui.retrieval.loaders import kind_for  # noqa: E402
from neuro_tui.retrieval.prepare import prepare  # noqa: E402
from neuro_tui.retrieval.query import tokens  # noqa: E402
from neuro_tui.retrieval.search import run_query  # noqa: E402

GOLDEN = ["merge multiple sorted inputs into a single sorted output", "shlex.split POSIX",
          "namedtuple factory function", "ZipFile extractall", "asyncio.gather return_exceptions",
          "SMTP send_message", "textwrap dedent", "Debian Python policy", "fs.readFile encoding",
          "C++ addons", "thread-safe function", "std::vector", "don't", "GNU General Public"]


def corpus_roots(quick: bool) -> list[Path]:
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    skip = {"site-packages", "dist-packages"} | ({"test"} if quick else set())
    roots = sorted(p for p in stdlib.iterdir() if p.name not in skip)
    return roots + ([] if quick else [Path("/usr/share/doc")])


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


def build_tantivy(prepared, folder: Path) -> float:
    t0 = time.perf_counter()
    index = store.open_index(folder, create=True)
    writer = store.open_writer(index, folder, 2)
    report = IndexReport()
    for item in prepared:
        _apply(writer, item, None, report)
    writer.commit()
    writer.wait_merging_threads()
    return time.perf_counter() - t0


def build_fts5(prepared, db: Path) -> tuple[float, sqlite3.Connection]:
    t0 = time.perf_counter()
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("CREATE VIRTUAL TABLE p USING fts5(title, heading, body, path UNINDEXED, "
                 "line_start UNINDEXED, tokenize='unicode61')")
    with conn:
        for item in prepared:
            conn.executemany("INSERT INTO p VALUES (?,?,?,?,?)",
                             [(item.title, h, text, item.path, ls)
                              for _n, h, text, ls, _le in item.chunks])
    conn.execute("INSERT INTO p(p) VALUES('optimize')")
    conn.commit()
    return time.perf_counter() - t0, conn


def fts5_query(conn: sqlite3.Connection, user_query: str) -> list:
    terms = tokens(user_query)
    if not terms:
        return []
    match = " OR ".join(f'"{t}"' for t in terms)
    return conn.execute(
        "SELECT path, line_start, snippet(p, 2, '[', ']', '…', 40), bm25(p, 2.0, 1.5, 1.0) "
        "FROM p WHERE p MATCH ? ORDER BY bm25(p, 2.0, 1.5, 1.0) LIMIT 10", (match,)).fetchall()


def sample_queries(prepared, n: int) -> list[str]:
    rng = random.Random(42)
    words = [w for item in rng.sample(prepared, min(400, len(prepared))) for _n, _h, text, *_ in
             item.chunks[:2] for w in re.findall(r"[A-Za-z_]{4,14}", text)]
    return GOLDEN + [" ".join(rng.sample(words, 2)) for _ in range(n - len(GOLDEN))]


def time_queries(fn, queries: list[str]) -> list[float]:
    for q in queries[:20]:
        fn(q)  # warm caches
    out = []
    for q in queries:
        t0 = time.perf_counter()
        fn(q)
        out.append((time.perf_counter() - t0) * 1000)
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="stdlib without tests only")
    parser.add_argument("--queries", type=int, default=300)
    args = parser.parse_args()
    roots = corpus_roots(args.quick)
    tmp = Path(tempfile.mkdtemp(prefix="bench-index-"))
    try:
        cpu0 = os.times()
        t0 = time.perf_counter()
        report = index_paths(tmp / "e2e", roots, recursive=True)
        e2e = time.perf_counter() - t0
        cpu1 = os.times()
        files = list(walk(roots, recursive=True))
        by_kind: dict[str, float] = {}
        prepared = []
        for f in files:
            t0 = time.perf_counter()
            item = prepare(f, None, 16 << 20)
            kind = kind_for(f) + (".gz" if f.endswith(".gz") else "")
            by_kind[kind] = by_kind.get(kind, 0.0) + time.perf_counter() - t0
            if item.chunks:
                prepared.append(item)
        prep_s = sum(by_kind.values())
        text_mb = sum(len(c[2].encode()) for p in prepared for c in p.chunks) / 1e6
        docs = sum(len(p.chunks) for p in prepared)
        tan_s = build_tantivy(prepared, tmp / "tantivy")
        fts_s, conn = build_fts5(prepared, tmp / "fts5.db")
        index = store.open_index(tmp / "tantivy", create=False)
        queries = sample_queries(prepared, args.queries)
        tan_ms = time_queries(lambda q: run_query(index, q, 10), queries)
        fts_ms = time_queries(lambda q: fts5_query(conn, q), queries)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    cpu = cpu1.user + cpu1.system - cpu0.user - cpu0.system
    print(f"corpus: {len(files)} files, {report.bytes / 1e6:.1f} MB on disk, "
          f"{text_mb:.1f} MB of passage text, {docs} passages; load avg {os.getloadavg()[0]:.1f}"
          f" on {os.cpu_count()} cores")
    print(f"end-to-end index_paths: {e2e:.1f} s wall ({cpu:.1f} s CPU in the parent): "
          f"{report.bytes / 1e6 / e2e:.1f} MB/s on disk, {text_mb / e2e:.1f} MB/s of text, "
          f"{report.added / e2e:.0f} files/s")
    print(f"  read+extract+chunk alone (1 process): {prep_s:.1f} s; by kind: " + ", ".join(
        f"{k} {v:.1f} s" for k, v in sorted(by_kind.items(), key=lambda kv: -kv[1])[:6]))
    for name, secs in (("tantivy", tan_s), ("sqlite fts5", fts_s)):
        print(f"build {name:12s}: {secs:6.2f} s  {text_mb / secs:6.1f} MB/s  "
              f"{docs / secs:8.0f} docs/s")
    print(f"build ratio fts5/tantivy: {fts_s / tan_s:.2f}x")
    for name, ms in (("tantivy", tan_ms), ("sqlite fts5", fts_ms)):
        print(f"query {name:12s}: p50 {statistics.median(ms):6.2f} ms  p99 {pct(ms, 99):6.2f} ms"
              f"  max {max(ms):6.2f} ms  (top 10 with snippets, {len(ms)} queries)")
    met = pct(tan_ms, 99) <= 10 and docs >= 40000
    print(f"query p99 ratio fts5/tantivy: {pct(fts_ms, 99) / pct(tan_ms, 99):.2f}x; goal p99 <= "
          f"10 ms at >= 40k passages: {'met' if met else 'NOT met'}")


if __name__ == "__main__":
    main()
