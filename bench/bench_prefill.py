"""Prefill while typing (issue 15): TTFT of a cited answer, cold vs after warm(), vs plain.

Real llama-server on 127.0.0.1 (the one `engine start` would run) with SmolLM2. Each
round, in one conversation: a plain question; a cited question sent cold (sources +
question, nothing warmed); a cited question whose sources were warmed while "typing"
(warm() finished before Enter); and one where Enter comes 0.3 s into the warm (ask waits
for it: the wait counts). Every cited turn has its own sources (no reuse between them).
Goal: warmed cited TTFT <= 2x the plain turn's.

  .venv/bin/python bench/bench_prefill.py [--rounds 3] [--passages 12] [--threads 1]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import statistics
import sys
import time

from neuro_tui.engine.endpoint import ServerSpec, parse_url
from neuro_tui.engine.events import TurnStats
from neuro_tui.engine.llama_server import LocalServer, find_binary
from neuro_tui.engine.params import GenerationParams
from neuro_tui.engine.server_engine import ServerSession

TOPICS = ["the Loire", "the Danube", "the Rhine", "the Seine", "the Elbe", "the Po",
          "the Tagus", "the Vistula", "the Oder", "the Ebro", "the Rhone", "the Thames"]


def sources(kind: str, passages: int) -> str:
    lines = [f"[{i}] Notes on {topic} ({kind}, part {i}): it rises in the hills, passes "
             f"{i * 3 + len(kind)} towns and {i * 7} bridges, and its basin feeds farms, "
             "forests and a busy river port before it reaches the sea."
             for i, topic in enumerate((TOPICS * 4)[:passages], 1)]
    return "Answer from these sources, citing them as [n].\n" + "\n".join(lines) + "\n\n"


async def ttft(session, text: str) -> tuple[float, dict]:
    stats = None
    async for event in session.ask(text):
        if isinstance(event, TurnStats):
            stats = event
    if stats is None:
        raise RuntimeError(f"turn failed: {text[:40]!r}")
    return stats.ttft_ms, dict(session.last_timings or {}, prompt_tokens=stats.prompt_tokens)


async def run(args) -> dict[str, list]:
    params = GenerationParams(threads=args.threads, max_tokens=16, seed=42, ctx_size=4096)
    launcher = LocalServer(find_binary(), args.model, params)
    session = ServerSession(ServerSpec(parse_url(launcher.url), params=params),
                            launcher=launcher)
    await session.start()
    rows: dict[str, list] = {"plain": [], "cold": [], "warm": [], "early": []}
    try:
        for r in range(args.rounds):
            await session.restart(recap="")  # a new conversation each round
            await ttft(session, "Hello, who are you?")
            rows["plain"].append(await ttft(session, "Which river is the longest?"))
            rows["cold"].append(await ttft(session, sources(f"cold{r}", args.passages)
                                           + "Question: which river has most bridges?"))
            prefix = sources(f"warm{r}", args.passages)
            session.warm(prefix)
            await session._warmer.wait()  # the user paused long enough
            warm_ms = (session.last_warm or {}).get("wall_ms")
            ms, figures = await ttft(session, prefix + "Question: which one has a port?")
            rows["warm"].append((ms, dict(figures, warm_ms=warm_ms)))
            prefix = sources(f"early{r}", args.passages)
            session.warm(prefix)
            await asyncio.sleep(0.3)  # Enter while the warm is still reading
            rows["early"].append(await ttft(session, prefix + "Question: name one town."))
    finally:
        await session.close()
    return rows


def main() -> int:
    from pathlib import Path

    from neuro_tui.models import smollm2

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", type=Path)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--passages", type=int, default=12)
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args()
    args.model = args.model or smollm2.ensure()
    rows = asyncio.run(run(args))
    when = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    print(f"# prefill while typing, {args.model.name}, {args.passages} passages, -t "
          f"{args.threads}, {args.rounds} rounds; {when}, {platform.machine()} "
          f"{os.cpu_count()} CPUs, load avg {os.getloadavg()[0]:.2f}")
    med = {k: statistics.median(ms for ms, _ in v) for k, v in rows.items()}
    for kind, values in rows.items():
        detail = ", ".join(f"{ms:.0f} ms (read {f.get('prompt_n')}/{f.get('prompt_tokens')})"
                           for ms, f in values)
        print(f"{kind:5}: median TTFT {med[kind]:.0f} ms; {detail}")
    warms = [f["warm_ms"] for _, f in rows["warm"] if f.get("warm_ms")]
    if warms:
        print(f"warm request itself: median {statistics.median(warms):.0f} ms (while typing)")
    ratio = med["warm"] / med["plain"]
    print(f"warmed cited / plain = {ratio:.2f} (goal <= 2: {'met' if ratio <= 2 else 'NOT met'})"
          f"; cold cited / plain = {med['cold'] / med['plain']:.2f}; early Enter / plain = "
          f"{med['early'] / med['plain']:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
