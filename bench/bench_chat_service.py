"""ChatService vs the bare engine: does the chat core cost delivered tokens/s or TTFT?

Same llama-cli, model, parameters and 5 questions (bench_live_vs_respawn's), run A B A B
in one session: A = LlamaSession alone (engine/), B = the same LlamaSession driven through
ChatService (queue, cleaning, Transcript.apply, events), read at the consumer. Per run:
TTFT (engine clock) and delivered tokens/s = tokens after the first / time from the first
to the last answer fragment as the consumer received it. Goal: ratio B/A >= 0.99.

  .venv/bin/python bench/bench_chat_service.py [--cli PATH] [--model PATH] [--threads 1]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_live_vs_respawn import QUESTIONS, SYSTEM  # noqa: E402

from neuro_tui.chat import events as ev  # noqa: E402
from neuro_tui.chat.service import ChatService  # noqa: E402
from neuro_tui.config import Config  # noqa: E402
from neuro_tui.engine.events import AnswerText, Flavor, TurnStats  # noqa: E402
from neuro_tui.engine.params import GenerationParams, SessionSpec  # noqa: E402
from neuro_tui.engine.session import LlamaSession  # noqa: E402


async def engine_alone(spec: SessionSpec) -> tuple[float, float]:
    session = LlamaSession(spec)
    await session.start()
    tokens = span = ttft = 0.0
    for question in QUESTIONS:
        first = last = None
        async for event in session.ask(question):
            if isinstance(event, AnswerText):
                last = time.monotonic()
                first = first or last
            elif isinstance(event, TurnStats):
                tokens += event.tokens - 1
                ttft += event.ttft_ms or 0
        span += (last - first) if first else 0
    await session.close()
    return tokens / span, ttft / len(QUESTIONS)


async def through_service(spec: SessionSpec) -> tuple[float, float]:
    config = Config()
    config.values.update(ctx_size=spec.params.ctx_size, system_prompt=SYSTEM, web=False,
                         storage="")
    service = ChatService(config, session_factory=lambda c: LlamaSession(spec), retriever=False)
    tokens = span = ttft = 0.0
    for question in QUESTIONS:
        first = last = None
        async for event in service.ask(question):
            if isinstance(event, ev.AnswerDelta):
                last = time.monotonic()
                first = first or last
            elif isinstance(event, ev.TurnEnded):
                tokens += event.stats["tokens"] - 1
                ttft += event.stats["ttft_ms"] or 0
        span += (last - first) if first else 0
    await service.close()
    return tokens / span, ttft / len(QUESTIONS)


class _Scripted:
    """An in-process engine that yields `n` fragments at once: the service's own cost."""

    def __init__(self, n: int):
        from neuro_tui.engine.timing import LiveStats

        self.n, self.spec, self.warnings, self.stats = n, None, [], LiveStats(ctx_size=0)

    async def start(self):
        pass

    async def close(self):
        pass

    async def ask(self, text):
        for i in range(self.n):
            yield AnswerText(f" tok{i}")
        yield TurnStats(1, None, None, self.n, False, None, None, None, 0, "eos")


async def per_fragment_cost(n: int = 10_000, blocks: int = 1) -> tuple[float, list[float]]:
    """Microseconds per fragment: engine events consumed bare, and through ChatService for
    each block of `n` fragments of one answer of `blocks * n` (flat: the same at the end)."""
    t0 = time.perf_counter()
    async for _ in _Scripted(n).ask("q"):
        pass
    bare = time.perf_counter() - t0
    config = Config()
    config.values.update(ctx_size=0, web=False, storage="")
    service = ChatService(config, session_factory=lambda c: _Scripted(n * blocks),
                          retriever=False)
    stamps, seen = [time.perf_counter()], 0
    async for event in service.ask("q"):
        if isinstance(event, ev.AnswerDelta):
            seen += 1
            if seen % n == 0:
                stamps.append(time.perf_counter())
    await service.close()
    return bare / n * 1e6, [(b - a) / n * 1e6
                            for a, b in zip(stamps, stamps[1:], strict=False)]


def main() -> int:
    from neuro_tui.engine import runtime_build
    from neuro_tui.models import smollm2

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cli", type=Path)
    ap.add_argument("--model", type=Path)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--max-tokens", type=int, default=48)
    ap.add_argument("--rounds", type=int, default=4, help="A B rounds (medians are compared)")
    ap.add_argument("--warmup", type=int, default=1,
                    help="engine runs first, not counted (the first run after idle was "
                         "~30%% slower: page cache, CPU clock)")
    args = ap.parse_args()
    cli = args.cli or runtime_build.installed_binaries(runtime_build.RUNTIMES["old"])["llama-cli"]
    params = GenerationParams(system_prompt=SYSTEM, threads=args.threads, seed=42,
                              temperature=0.7, max_tokens=args.max_tokens, ctx_size=4096)
    spec = SessionSpec(binary=cli, flavor=Flavor.UPSTREAM_CNV,
                       model=args.model or smollm2.ensure(), params=params)
    bare_us, served = asyncio.run(per_fragment_cost(blocks=10))
    print(f"per fragment (in-process engine): bare {bare_us:.1f} us; through ChatService "
          f"{served[0]:.1f} us for the first 10,000 of a 100,000-fragment answer, "
          f"{served[-1]:.1f} us for the last 10,000 (end/start {served[-1] / served[0]:.2f})",
          flush=True)
    for _ in range(args.warmup):
        rate, ttft = asyncio.run(engine_alone(spec))
        print(f"warm-up  delivered {rate:6.2f} tok/s  mean TTFT {ttft:5.0f} ms (not counted)",
              flush=True)
    rows = []
    for name, run in [("engine", engine_alone), ("service", through_service)] * args.rounds:
        rate, ttft = asyncio.run(run(spec))
        rows.append((name, rate, ttft))
        print(f"{name:8s} delivered {rate:6.2f} tok/s  mean TTFT {ttft:5.0f} ms", flush=True)
    eng = [r for n, r, _ in rows if n == "engine"]
    srv = [r for n, r, _ in rows if n == "service"]
    ratio = statistics.median(srv) / statistics.median(eng)
    pairs = [b / a for a, b in zip(eng, srv, strict=True)]
    print(f"# {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {cli}, -t {args.threads}, "
          f"{os.cpu_count()} CPUs, load avg {os.getloadavg()[0]:.2f}")
    print(f"ratio of medians service / engine delivered tok/s = {ratio:.3f} (goal >= 0.99): "
          f"{'MET' if ratio >= 0.99 else 'NOT MET'}; per round {min(pairs):.3f}-"
          f"{max(pairs):.3f} (the spread is the run-to-run noise)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
