"""Five loopback pages fetched + extracted together vs the slowest single page.

Real HTML from /usr/share/doc served by tests/loopback_site.py. Goal: the batch of 5 takes
<= 1.2x the slowest page on its own (fetches run concurrently, extraction in forkserver
children). Run with no added latency and with a server delay that stands in for a real
site's time-to-first-byte, since on loopback the network wait is otherwise zero.

    .venv/bin/python bench/bench_web.py [--latency 0.3] [--repeat 5]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from neuro_tui.retrieval.web.extract import warm_up  # noqa: E402
from neuro_tui.retrieval.web.guard import AddressGuard  # noqa: E402
from neuro_tui.retrieval.web.provider import StaticProvider, WebResult  # noqa: E402
from neuro_tui.retrieval.web.retriever import WebRetriever  # noqa: E402
from tests.loopback_site import LoopbackSite  # noqa: E402


def fetch_time(site: LoopbackSite, paths: list[str]) -> float:
    provider = StaticProvider([WebResult(p, site.url(p)) for p in paths])
    web = WebRetriever(provider, guard=AddressGuard(allowed=frozenset({("127.0.0.1",
                                                                        site.port)})))
    t0 = time.perf_counter()
    outcome = web.pages_for("bench", len(paths))
    elapsed = time.perf_counter() - t0
    assert len(outcome.pages) == len(paths), outcome.notes
    return elapsed


def run(latency: float, repeat: int) -> tuple[float, float, float]:
    with LoopbackSite(latency=latency) as site:
        paths = [f"/doc/{i}" for i in range(5)]
        singles = {p: statistics.median(fetch_time(site, [p]) for _ in range(repeat))
                   for p in paths}
        batch = statistics.median(fetch_time(site, paths) for _ in range(repeat))
        slowest = max(singles.values())
        sizes = ", ".join(f"{site.pages[i].name} {site.pages[i].stat().st_size // 1024} KB"
                          for i in range(5))
        print(f"latency {latency * 1000:.0f} ms: pages {sizes}")
        print("  single: " + ", ".join(f"{s * 1000:.0f} ms" for s in singles.values()))
        print(f"  batch of 5: {batch * 1000:.0f} ms; slowest single {slowest * 1000:.0f} ms; "
              f"ratio {batch / slowest:.2f}x (goal <= 1.2x)")
        return batch, slowest, batch / slowest


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--latency", type=float, default=0.3)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    warm_up()
    print(f"{os.cpu_count()} cores, load avg {os.getloadavg()[0]:.1f}")
    run(0.0, args.repeat)
    run(args.latency, args.repeat)


if __name__ == "__main__":
    main()
