"""Grounding cost: marks for a ~500-token answer citing 8 sources (goal: under 20 ms).

Sources: 8 real files of the Python stdlib, cut by the indexer's chunker into passages (3
per source, like a context). Answer: sentences until ~500 tokens (the prompt estimate),
each citing one or two sources, half made of words from the cited passage (should be
supported), half of words from another source (should not be). Baseline in the same
run: the other way the issue allows, BM25 of each sentence against the sources in a
throwaway in-memory Tantivy index (what web/retriever.py does for web pages).

    .venv/bin/python bench/bench_grounding.py
"""

from __future__ import annotations

import itertools
import os
import random
import statistics
import sys
import sysconfig
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import tantivy  # noqa: E402

from neuro_tui.retrieval import store  # noqa: E402
from neuro_tui.retrieval.chunking import chunk_text  # noqa: E402
from neuro_tui.retrieval.context import estimate_tokens  # noqa: E402
from neuro_tui.retrieval.grounding import ground, split_sentences  # noqa: E402
from neuro_tui.retrieval.search import run_query  # noqa: E402

FILES = ["heapq.py", "shlex.py", "textwrap.py", "json/__init__.py", "zipfile.py",
         "smtplib.py", "contextlib.py", "functools.py"]


def sources() -> dict[int, list[str]]:
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    out = {}
    for n, name in enumerate(FILES, 1):
        chunks = chunk_text((stdlib / name).read_text(encoding="utf-8"), "python")
        out[n] = [c.text for c in chunks[1:4]]
    return out


def answer(srcs: dict[int, list[str]], rng: random.Random, tokens: int = 500) -> str:
    sentences: list[str] = []
    for i in itertools.count():
        if estimate_tokens(" ".join(sentences)) >= tokens:
            break
        n = rng.randint(1, len(srcs))
        donor = n if i % 2 == 0 else (n % len(srcs)) + 1
        pool = " ".join(srcs[donor]).split()
        words = rng.sample(pool, min(12, len(pool)))
        cite = f"[{n}]" if i % 5 else f"[{n}, {(n % len(srcs)) + 1}]"
        sentences.append(" ".join(words).replace("[", "(").replace("]", ")") + f" {cite}.")
    return " ".join(sentences)


def bm25_marks(srcs: dict[int, list[str]], text: str) -> list:
    index = tantivy.Index(store.SCHEMA)
    writer = index.writer(15_000_000, 1)
    for n, passages in srcs.items():
        for i, body in enumerate(passages):
            writer.add_document(tantivy.Document(key=f"{n}#{i}", path=str(n), doctype="passage",
                                                 title="", heading="", body=body, line_start=0,
                                                 line_end=0))
    writer.commit()
    index.reload()
    return [run_query(index, text[a:b], 3) for a, b in split_sentences(text)]


def timed(fn, runs: int) -> list[float]:
    fn()
    out = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t0) * 1000)
    return out


def main() -> None:
    rng = random.Random(14)
    srcs = sources()
    text = answer(srcs, rng)
    result = ground(text, srcs)
    verdicts = [c.verdict for s in result.sentences for c in s.citations]
    ours = timed(lambda: ground(text, srcs), 200)
    base = timed(lambda: bm25_marks(srcs, text), 20)
    p99 = sorted(ours)[int(round(0.99 * (len(ours) - 1)))]
    print(f"answer: {len(text)} chars, ~{estimate_tokens(text)} tokens, "
          f"{len(result.sentences)} cited sentences, {len(srcs)} sources x 3 passages "
          f"({sum(len(t) for v in srcs.values() for t in v)} chars); load avg "
          f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print("marks: " + ", ".join(f"{v} {verdicts.count(v)}" for v in dict.fromkeys(verdicts)))
    print(f"grounding.ground (word overlap): p50 {statistics.median(ours):.2f} ms  "
          f"p99 {p99:.2f} ms  (200 runs)")
    print(f"baseline, BM25 per sentence in an in-memory Tantivy index: p50 "
          f"{statistics.median(base):.2f} ms (20 runs); ratio baseline/ours "
          f"{statistics.median(base) / statistics.median(ours):.1f}x")
    print(f"goal under 20 ms per answer: {'met' if p99 < 20 else 'NOT met'}")


if __name__ == "__main__":
    main()
