"""Cited answers: TTFT without sources, with the old packing, with the prefill-time budget.

One run, same questions, same index, same model and llama-cli (issue #13):
  plain   the question alone
  fill    today's packing before #13 (Retriever.context: passages until the context is full)
  budget  retrieval/prefill.plan_turn: windows within prefill_seconds x measured tok/s
For each question a fresh llama-cli conversation per mode (modes interleaved, so load
changes on a shared machine hit all three), answers cut at 8 tokens: only TTFT matters.
The calibration (engine/tune.py) runs first, in the same run, and gives the rate.
Prints median TTFT per mode and its ratio to plain (goal budget <= 10x), the prompt tokens
(exact, llama-tokenize, when installed), the share of golden questions whose gold page is in
the packed context (all questions; goal >= 90%), and the hidden-cost check: TTFT against
plain + source tokens / measured rate (goal <= 1.2x).

  .venv/bin/python bench/bench_rag.py [--cli PATH] [--model PATH] [--storage DIR]
      [--golden tests/golden/python_docs.toml] [--ttft-questions 10] [--prefill-seconds 1.5]
"""

from __future__ import annotations

import argparse
import asyncio
import platform
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from neuro_tui.engine import tokenize, tune  # noqa: E402
from neuro_tui.engine.discovery import choose  # noqa: E402
from neuro_tui.engine.events import TurnStats  # noqa: E402
from neuro_tui.engine.params import GenerationParams, SessionSpec  # noqa: E402
from neuro_tui.engine.session import LlamaSession  # noqa: E402
from neuro_tui.models import smollm2  # noqa: E402
from neuro_tui.retrieval.indexer import index_paths  # noqa: E402
from neuro_tui.retrieval.pipeline import Retriever  # noqa: E402
from neuro_tui.retrieval.prefill import plan_turn  # noqa: E402
from tests.golden import golden  # noqa: E402

SYSTEM = "You are a helpful assistant"
OWN_GOLDEN = ROOT / "bench" / "rag_golden.toml"


def gold_in(sources, item, corpus: Path) -> bool:
    return any(golden.page_of(s.path, corpus) in item.pages for s in sources)


async def ttft(spec: SessionSpec, prompt: str) -> float | None:
    session = LlamaSession(spec)
    stats = None
    try:
        await session.start()
        async for event in session.ask(prompt):
            if isinstance(event, TurnStats):
                stats = event
    finally:
        await session.close()
    return stats.ttft_ms / 1000 if stats and stats.ttft_ms else None


def med(values) -> float:
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else float("nan")


def estimate_error(retriever, gold, counter, chars_per_token: float | None) -> None:
    """Characters-per-token estimates against llama-tokenize, over the windows the budget
    packer would consider for every golden question (the texts whose counts matter)."""
    from neuro_tui.retrieval.budget import candidates

    texts = [c.window.text for item in gold.queries
             for c in candidates(item.q, *retriever.hits(item.q)[:2])[0]]
    real = counter.count_many(texts)
    for name, est in (("measured chars/token", chars_per_token),
                      ("fallback chars/token", tokenize.estimate_chars_per_token(chars_per_token)),
                      ("default chars/token", tokenize.DEFAULT_CHARS_PER_TOKEN)):
        if not est:
            continue
        counts = tokenize.Estimate(est).count_many(texts)
        errors = sorted((e - r) / r for e, r in zip(counts, real, strict=True) if r)
        pick = [errors[min(len(errors) - 1, int(f * len(errors)))] for f in (0.5, 0.1, 0.9)]
        print(f"estimate {name} {est:.2f} vs llama-tokenize on {len(errors)} windows: "
              f"median {pick[0]:+.0%}, p10 {pick[1]:+.0%}, p90 {pick[2]:+.0%}, "
              f"total {sum(counts) / sum(real) - 1:+.0%}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--cli")
    ap.add_argument("--model")
    ap.add_argument("--storage", type=Path, default=Path("/tmp/neuro-bench-rag-index"))
    ap.add_argument("--golden", type=Path, default=golden.PYTHON_DOCS)
    ap.add_argument("--ttft-questions", type=int, default=10)
    ap.add_argument("--prefill-seconds", type=float, default=1.5)
    ap.add_argument("--ctx-size", type=int, default=4096)
    ap.add_argument("--tokens-only", action="store_true",
                    help="only measure the chars/token estimate against llama-tokenize")
    args = ap.parse_args()
    gold = golden.load(args.golden if args.golden.is_file() else OWN_GOLDEN)
    candidate = choose(args.cli)
    model = Path(args.model) if args.model else smollm2.target_path()
    print(f"# bench_rag  {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}  "
          f"{platform.node()} {platform.machine()}, {tune.usable_cores()} cores")
    print(f"llama-cli {candidate.path} ({candidate.flavor.value}), model {model.name}")
    if not (args.storage / "meta.json").exists():
        started = time.monotonic()
        report = index_paths(args.storage, [gold.corpus], recursive=True)
        print(f"indexed {gold.corpus}: {report.passages} passages in "
              f"{time.monotonic() - started:.1f} s")
    tuning = tune.calibrate(candidate.path, candidate.flavor, model, save=False)
    print(f"calibration: {tuning.line()}")
    counter = tokenize.counter_for(candidate.path, model, tuning.chars_per_token)
    print(f"token counts: {counter.name}")
    retriever = Retriever(args.storage)
    if counter.exact:
        estimate_error(retriever, gold, counter, tuning.chars_per_token)
    if args.tokens_only:
        return 0
    params = GenerationParams(system_prompt=SYSTEM, ctx_size=args.ctx_size, max_tokens=8,
                              temperature=0.0, seed=1, threads=tuning.threads,
                              threads_batch=tuning.threads_batch)
    spec = SessionSpec(candidate.path, candidate.flavor, model, params)
    rows = []
    for n, item in enumerate(gold.queries):
        fill = retriever.context(item.q, ctx_size=args.ctx_size, answer_tokens=512,
                                 system_prompt=SYSTEM)
        plan = plan_turn(retriever, item.q, spec=spec, tuning=tuning, counter=counter,
                         prefill_seconds=args.prefill_seconds, ctx_size=args.ctx_size,
                         answer_tokens=512, system_prompt=SYSTEM)
        fill_tokens, plain_tokens = counter.count_many([fill.prompt, item.q])
        row = {"q": item.q, "fill_gold": gold_in(fill.sources, item, gold.corpus),
               "budget_gold": gold_in(plan.sources, item, gold.corpus),
               "fill_tokens": fill_tokens, "plain_tokens": plain_tokens,
               "budget_tokens": plan.prompt_tokens, "source_tokens": plan.source_tokens}
        if n < args.ttft_questions:
            row["plain"] = asyncio.run(ttft(spec, item.q))
            row["budget"] = asyncio.run(ttft(spec, plan.prompt))
            row["fill"] = asyncio.run(ttft(spec, fill.prompt))
            if row["plain"] is not None and row["budget"]:
                predicted = row["plain"] + plan.source_tokens / tuning.prefill_tok_s
                row["hidden"] = row["budget"] / predicted
            if row["fill"] and row["budget"] and row["plain"] is not None:
                moment = fill_tokens / max(row["fill"] - row["plain"], 1e-3)
                row["hidden_now"] = row["budget"] / (row["plain"] + plan.source_tokens / moment)
            shown = {k: "-" if row[k] is None else f"{row[k]:.3f}s"
                     for k in ("plain", "budget", "fill")}  # no answer byte (EOS first)
            print(f"  {n + 1:2d} plain {shown['plain']}  budget {shown['budget']} "
                  f"({plan.prompt_tokens} tok)  fill {shown['fill']} ({fill_tokens} tok)  "
                  f"gold {int(row['budget_gold'])}/{int(row['fill_gold'])}  {item.q[:40]}")
        rows.append(row)
    timed = [r for r in rows if "plain" in r]
    plain, budget, fill = (med(r[k] for r in timed) for k in ("plain", "budget", "fill"))
    share = {k: sum(r[f"{k}_gold"] for r in rows) / len(rows) for k in ("budget", "fill")}
    print(f"\nTTFT median over {len(timed)} questions: plain {plain:.3f} s, budget "
          f"{budget:.3f} s ({budget / plain:.1f}x plain; goal <= 10x), fill {fill:.2f} s "
          f"({fill / plain:.1f}x)")
    print(f"prompt tokens median: plain {med(r['plain_tokens'] for r in rows):.0f}, budget "
          f"{med(r['budget_tokens'] for r in rows):.0f} (sources "
          f"{med(r['source_tokens'] for r in rows):.0f}; budget "
          f"{args.prefill_seconds:g} s x {tuning.prefill_tok_s:.0f} tok/s), fill "
          f"{med(r['fill_tokens'] for r in rows):.0f}")
    print(f"gold page in packed context ({len(rows)} questions, {args.golden.name}): budget "
          f"{share['budget']:.0%} (goal >= 90%), fill {share['fill']:.0%}")
    hidden = [r["hidden"] for r in timed if r.get("hidden")]
    print(f"TTFT / (plain + source tokens / calibrated rate): median {med(hidden):.2f}, max "
          f"{max(hidden, default=float('nan')):.2f} (goal <= 1.2)")
    now = [r["hidden_now"] for r in timed if r.get("hidden_now")]
    print(f"TTFT / (plain + source tokens / rate of the same question's fill run): median "
          f"{med(now):.2f}, max {max(now, default=float('nan')):.2f} (load changes between "
          "calibration and turn show up in the first figure, not in this one)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
