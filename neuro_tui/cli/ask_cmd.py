"""`neuro-tui ask "question"`: one answer on stdout, for scripts (the seed's `neuro ask`).

A thin consumer of the ChatService, like the app: one turn (retrieval first, so sources
are known before the answer), no loop of its own. Sources follow the answer as
`[n] title - path:line|URL`; `--timing` goes to stderr; `--json` prints one object.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys

from neuro_tui import config as config_mod
from neuro_tui.cli.engine_cmd import add_engine_flags, engine_flags
from neuro_tui.errors import GenerationError, MissingError, NeuroError, UsageError
from neuro_tui.retrieval.grounding import ground


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
    add_engine_flags(p)
    p.set_defaults(func=run)


def _question(args: argparse.Namespace) -> str:
    if args.question == "-":
        from neuro_tui.cli.stdin_text import decode

        text = decode(sys.stdin.buffer.read(), "stdin")
    else:
        text = args.question
    if not text.strip():
        raise UsageError("the question is empty")
    return text.strip()


def _config(args: argparse.Namespace) -> config_mod.Config:
    return config_mod.load({
        "model": args.model, "cli": args.cli, "web": args.web, "storage": args.storage,
        "max_tokens": args.max_tokens, "temperature": args.temperature, "top_p": args.top_p,
        "ctx_size": args.ctx_size, "threads": args.threads, "system_prompt": args.system,
        "seed": args.seed, **engine_flags(args),
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


def _session(cfg: config_mod.Config, yes: bool):
    """The engine for `cfg` (engine/factory.py); llama-cli downloads a registry model first."""
    from neuro_tui.engine.factory import build_session

    if cfg.engine != "llama-cli":
        return build_session(cfg)
    from neuro_tui.engine.session import LlamaSession

    return LlamaSession(_spec_with_download(cfg, yes))


def _source_line(source) -> str:
    return f"[{source.number}] {source.title} - {source.location}"  # cleaned where it entered


async def _answer(args: argparse.Namespace, cfg: config_mod.Config, question: str) -> dict:
    """One turn through the ChatService: the same loop as the app and `chat --plain`."""
    from neuro_tui.chat import events as ev
    from neuro_tui.chat.service import ChatService

    service = ChatService(cfg, session_factory=lambda c: _session(c, args.yes))
    what = "llama-cli" if cfg.engine == "llama-cli" else "the server engine"
    failure: NeuroError | None = None
    notes: list[str] = []
    plan: dict | None = None
    held: str | None = None  # an error Notice that may be the failed turn's own error
    try:
        async for event in service.ask(question):
            if held is not None and not (isinstance(event, ev.TurnEnded) and event.error == held):
                print(f"neuro-tui: {held}", file=sys.stderr)  # not repeated by the failure
            held = None
            if isinstance(event, ev.EngineStarting) and args.verbose:
                print(f"model: {event.model}\n{what}: {event.runtime} ({event.flavor})",
                      file=sys.stderr)
            elif isinstance(event, ev.MessageRefused):
                failure = UsageError(event.message)
            elif isinstance(event, ev.EngineFailed):
                if args.verbose:
                    print("\n".join(event.log_tail), file=sys.stderr)
                failure = event.error if isinstance(event.error, NeuroError) else (
                    GenerationError(f"{what} failed: {event.message}"))
            elif isinstance(event, ev.SourcesFound):
                notes += event.notes
                plan = event.plan
            elif isinstance(event, ev.Notice) and event.level == "error":
                held = event.text
            elif isinstance(event, ev.Notice):
                print(f"neuro-tui: {event.text}", file=sys.stderr)
            elif isinstance(event, ev.AnswerDelta) and args.stream and not args.json:
                sys.stdout.write(event.text)
                sys.stdout.flush()
            elif isinstance(event, ev.TurnEnded) and event.error and failure is None:
                failure = GenerationError(f"{what} failed: {event.error}")
    finally:
        await service.close()
    if failure is not None:
        raise failure
    turn = service.transcript.last
    spec = service.session.spec if service.session is not None else None
    return {"answer": turn.answer.strip(), "sources": list(turn.sources), "stats": turn.stats,
            "notes": notes, "model": str(spec.model) if spec else "", "plan": plan}


def run(args: argparse.Namespace) -> int:
    question = _question(args)
    cfg = _config(args)
    result = asyncio.run(_answer(args, cfg, question))
    stats: dict | None = result["stats"]
    if args.json:
        print(json.dumps({
            "question": question, "answer": result["answer"], "model": result["model"],
            "sources": [{"number": s.number, "title": s.title, "location": s.location,
                         "origin": s.origin, "score": s.score, "passage": s.text}
                        for s in result["sources"]],
            "notes": result["notes"], "timing": stats, "prefill": result["plan"],
            "grounding": ground(result["answer"], {
                s.number: [p for p in (s.before, s.text, s.after) if p]
                for s in result["sources"]}).as_json(),
        }, ensure_ascii=False))
        return 0
    if args.stream:
        print()
    else:
        print(result["answer"])
    if result["sources"]:
        print("\nSources:")
        for source in result["sources"]:
            print(_source_line(source))
    if args.timing and stats:
        estimate = "" if stats.get("tokens_exact") else " (estimated)"
        print(f"load {stats.get('load_ms') or 0:.0f} ms | TTFT {stats.get('ttft_ms') or 0:.0f} ms"
              f" | {stats.get('tokens')} tokens{estimate} | {stats.get('tok_s') or 0:.1f} tok/s",
              file=sys.stderr)
        if plan := result["plan"]:
            print(f"sources: {plan['source_tokens']} prompt tokens (budget "
                  f"{plan['budget_tokens']}), expected prefill {plan['expected_s']:.2f} s at "
                  f"{plan['rate_tok_s']:.0f} tok/s", file=sys.stderr)
    return 0
