"""`neuro-tui ask "question"`: one answer on stdout, for scripts (the seed's `neuro ask`).

Same engine, retrieval and config as the app: retrieval first (sources are known before
the answer), then one llama-cli conversation for one turn. Sources follow the answer as
`[n] title - path:line|URL`; `--timing` goes to stderr; `--json` prints one object.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys

from neuro_tui import config as config_mod
from neuro_tui.engine.events import AnswerText, SessionError, TurnStats
from neuro_tui.errors import GenerationError, MissingError, UsageError
from neuro_tui.retrieval.grounding import ground
from neuro_tui.textsafe import strip_controls


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("ask", help="answer one question on stdout (for scripts)")
    p.add_argument("question", help="the question; - reads it from stdin")
    p.add_argument("--model", help="model name or path to a .gguf (default: auto)")
    p.add_argument("--cli", help="path to llama-cli")
    p.add_argument("--stream", action="store_true", help="print the answer as it is generated")
    p.add_argument("--web", action="store_true", default=None,
                   help="search the web too (the question leaves the machine)")
    p.add_argument("--storage", help="Tantivy index folder to answer from")
    p.add_argument("--timing", action="store_true", help="load/TTFT/tokens/tok/s on stderr")
    p.add_argument("--json", action="store_true", help="one JSON object: answer, sources, timing")
    p.add_argument("--yes", "-y", action="store_true", help="download the model without asking")
    p.add_argument("--max-tokens", type=int, help="max tokens in the answer (default 512)")
    p.add_argument("--temperature", type=float, help="sampling temperature (default 0.7)")
    p.add_argument("--top-p", type=float, help="nucleus sampling (default 0.9)")
    p.add_argument("--ctx-size", type=int, help="context size (default 4096)")
    p.add_argument("--threads", type=int, help="CPU threads (default: automatic)")
    p.add_argument("--seed", type=int, help="random seed (default: random)")
    p.add_argument("--system", help="system prompt")
    p.add_argument("--verbose", "-v", action="store_true", help="say what is used, show the log")
    p.set_defaults(func=run)


def _question(args: argparse.Namespace) -> str:
    text = sys.stdin.read() if args.question == "-" else args.question
    if not text.strip():
        raise UsageError("the question is empty")
    return text.strip()


def _config(args: argparse.Namespace) -> config_mod.Config:
    return config_mod.load({
        "model": args.model, "cli": args.cli, "web": args.web, "storage": args.storage,
        "max_tokens": args.max_tokens, "temperature": args.temperature, "top_p": args.top_p,
        "ctx_size": args.ctx_size, "threads": args.threads, "system_prompt": args.system,
        "seed": args.seed,
    })


def _spec_with_download(cfg: config_mod.Config, yes: bool):
    """build_session_spec, downloading a registry model first when the user agrees."""
    from neuro_tui.launch import build_session_spec
    from neuro_tui.models import registry

    try:
        return build_session_spec(cfg)
    except MissingError as error:
        name = cfg.model if cfg.model != "auto" else None
        if not name or "is not downloaded" not in error.message:
            raise
        from neuro_tui.cli import model_cmd

        entry = registry.get(name)
        model_cmd.run_download(argparse.Namespace(
            name=entry.name, model_path=None, force=False, yes=yes, json=False,
            model_command="download"))
        return build_session_spec(cfg)


def _source_line(source) -> str:
    return strip_controls(f"[{source.number}] {source.title} - {source.location}")


async def _answer(args: argparse.Namespace, cfg: config_mod.Config, question: str) -> dict:
    from neuro_tui.engine.session import LlamaSession
    from neuro_tui.retrieval.pipeline import Retriever

    spec = _spec_with_download(cfg, args.yes)
    if args.verbose:
        print(f"model: {spec.model}\nllama-cli: {spec.binary} ({spec.flavor.value})",
              file=sys.stderr)
    prompt, sources, notes, plan = question, [], [], None
    retriever = Retriever.from_config(cfg)
    if retriever.enabled:
        spec, plan = await asyncio.to_thread(_plan, retriever, question, cfg, spec)
        prompt, sources, notes = plan.prompt, plan.sources, plan.notes
    for note in notes:
        print(f"neuro-tui: {strip_controls(note)}", file=sys.stderr)
    session = LlamaSession(spec)
    parts: list[str] = []
    stats: TurnStats | None = None
    try:
        await session.start()
        async for event in session.ask(prompt):
            if isinstance(event, AnswerText):
                parts.append(event.text)
                if args.stream and not args.json:
                    sys.stdout.write(strip_controls(event.text))
                    sys.stdout.flush()
            elif isinstance(event, TurnStats):
                stats = event
            elif isinstance(event, SessionError):
                if args.verbose:
                    print("\n".join(event.log_tail), file=sys.stderr)
                raise GenerationError(f"llama-cli failed: {event.message}")
    finally:
        await session.close()
    return {"answer": "".join(parts).strip(), "sources": sources, "stats": stats,
            "notes": notes, "model": str(spec.model), "plan": plan}


def _plan(retriever, question: str, cfg: config_mod.Config, spec):
    """Sources sized by prefill time (retrieval/prefill.py); the first cited question on a
    new llama-cli + model measures its prompt speed once (engine/tune.py)."""
    from neuro_tui.engine import tune
    from neuro_tui.launch import tuned
    from neuro_tui.retrieval.prefill import plan_turn

    threads, batch = int(cfg.threads), int(cfg.threads_batch)
    if cfg.auto_tune and tune.cached(spec.binary, spec.model, threads, batch) is None:
        print("neuro-tui: measuring this model's prompt speed once (a few seconds; "
              "`neuro-tui runtime tune` to redo)", file=sys.stderr)
        spec = tuned(spec, cfg, measure=True)
    plan = plan_turn(retriever, question, spec=spec,
                     tuning=tune.for_spec(spec, threads, batch),
                     prefill_seconds=cfg.prefill_seconds, ctx_size=cfg.ctx_size,
                     answer_tokens=cfg.max_tokens or 512, system_prompt=cfg.system_prompt)
    return spec, plan


def _plan_json(plan) -> dict | None:
    if plan is None:
        return None
    return {"prompt_tokens": plan.prompt_tokens, "source_tokens": plan.source_tokens,
            "budget_tokens": plan.budget_tokens, "expected_s": round(plan.expected_seconds, 3),
            "rate_tok_s": plan.rate_tok_s, "rate_measured": plan.rate_measured,
            "exact_tokens": plan.exact_tokens}


def run(args: argparse.Namespace) -> int:
    question = _question(args)
    cfg = _config(args)
    result = asyncio.run(_answer(args, cfg, question))
    stats: TurnStats | None = result["stats"]
    if args.json:
        print(json.dumps({
            "question": question, "answer": result["answer"], "model": result["model"],
            "sources": [{"number": s.number, "title": s.title, "location": s.location,
                         "origin": s.origin, "score": s.score,
                         "passage": s.passages[0].text if s.passages else ""}
                        for s in result["sources"]],
            "notes": result["notes"], "timing": stats.as_json() if stats else None,
            "prefill": _plan_json(result["plan"]),
            "grounding": ground(result["answer"], result["sources"]).as_json(),
        }, ensure_ascii=False))
        return 0
    if args.stream:
        print()
    else:
        print(strip_controls(result["answer"]))
    if result["sources"]:
        print("\nSources:")
        for source in result["sources"]:
            print(_source_line(source))
    if args.timing and stats:
        estimate = "" if stats.tokens_exact else " (estimated)"
        print(f"load {stats.load_ms or 0:.0f} ms | TTFT {stats.ttft_ms or 0:.0f} ms | "
              f"{stats.tokens} tokens{estimate} | {stats.tok_s or 0:.1f} tok/s", file=sys.stderr)
        if plan := result["plan"]:
            print(f"sources: {plan.source_tokens} prompt tokens (budget {plan.budget_tokens}), "
                  f"expected prefill {plan.expected_seconds:.2f} s at {plan.rate_tok_s:.0f} "
                  "tok/s", file=sys.stderr)
    return 0
