"""Indexing workers: spawned + die-with-parent (what we ship since issue #12) vs the
forkserver pool it replaced (baseline), same run, same corpus, alternating.

Corpus: the Python stdlib folder (site-packages included when it lies inside), indexed
from scratch each run with `index_paths` (walk, read, hash, chunk, index; 2 workers).
Prints wall seconds per run and the median ratio ours/baseline (< 1 is faster).

    .venv/bin/python bench/bench_index_workers.py [--runs 3]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import sysconfig
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from neuro_tui.retrieval import workers  # noqa: E402
from neuro_tui.retrieval.indexer import index_paths  # noqa: E402


def one(method: str, corpus: Path) -> float:
    workers.START_METHOD = method
    storage = Path(tempfile.mkdtemp(prefix=f"bench-{method}-"))
    try:
        started = time.perf_counter()
        report = index_paths(storage, [corpus], recursive=True, workers=2)
        seconds = time.perf_counter() - started
        print(f"  {method:10} {seconds:6.2f} s  {report.added} files, {report.bytes / 1e6:.1f} MB")
        return seconds
    finally:
        shutil.rmtree(storage, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    corpus = Path(sysconfig.get_paths()["stdlib"])
    times: dict[str, list[float]] = {"spawn": [], "forkserver": []}
    for _ in range(args.runs):
        for method in times:
            times[method].append(one(method, corpus))
    ours, base = (statistics.median(times[m]) for m in ("spawn", "forkserver"))
    print(f"median: spawn {ours:.2f} s, forkserver {base:.2f} s, ratio {ours / base:.2f}x")


if __name__ == "__main__":
    main()
