"""pty llama-cli vs a local llama-server: same model, same questions, one run (issue 15).

  pty     one LlamaSession (llama-cli over a pty), 5 turns
  server  one ServerSession with a llama-server it starts on 127.0.0.1, the same 5 turns
By default both binaries come from the same runtime dir (same llama.cpp build), so the
comparison is the engine path, not two llama.cpp versions. Per engine: load time (spawn to
first prompt / to /health ok + /v1/models), TTFT per turn, RSS of the llama process after
turn 5. For the server: delivered tokens/s vs llama-server's own `predicted_per_second`
(goal >= 0.99x), in two conventions, and prompt tokens read per turn (the prompt cache).

  .venv/bin/python bench/bench_server.py [--runtime DIR] [--model PATH] [--threads 1]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import sys
import time
from pathlib import Path

from neuro_tui.engine.endpoint import ServerSpec, parse_url
from neuro_tui.engine.events import AnswerText, TurnStats
from neuro_tui.engine.llama_server import LocalServer
from neuro_tui.engine.params import GenerationParams, SessionSpec
from neuro_tui.engine.server_engine import ServerSession
from neuro_tui.engine.session import LlamaSession

QUESTIONS = ["What is the capital of France?", "And what is its population?",
             "Name three famous museums there.", "Which one is the oldest?",
             "Summarise our conversation in one sentence."]


async def run_turns(session) -> list[dict]:
    rows = []
    for question in QUESTIONS:
        stats = None
        async for event in session.ask(question):
            if isinstance(event, TurnStats):
                stats = event
            elif not isinstance(event, AnswerText):
                print(f"{type(session).__name__}: {event}", file=sys.stderr)
        row = {"ttft_ms": stats.ttft_ms, "total_ms": stats.total_ms, "tokens": stats.tokens,
               "tok_s": stats.tok_s, "exact": stats.tokens_exact,
               "span_s": (stats.tokens - 1) / stats.tok_s if stats.tok_s else 0.0,
               "prompt_tokens": stats.prompt_tokens}
        timings = getattr(session, "last_timings", None)
        if timings:
            row.update(predicted_n=timings["predicted_n"], predicted_ms=timings["predicted_ms"],
                       reported_tok_s=timings["predicted_per_second"],
                       prompt_read=timings["prompt_n"])
        rows.append(row)
    session.sample_process()
    return rows


async def bench(runtime: Path, model: Path, params: GenerationParams) -> dict:
    from neuro_tui.engine.discovery import inspect

    cli = runtime / "bin" / "llama-cli"
    pty = LlamaSession(SessionSpec(binary=cli, flavor=inspect(cli, "bench").flavor,
                                   model=model, params=params))
    await pty.start()
    pty_rows = await run_turns(pty)
    pty_out = {"load_ms": pty.stats.load_ms, "rss": pty.stats.rss_bytes, "turns": pty_rows}
    await pty.close()
    launcher = LocalServer(runtime / "bin" / "llama-server", model, params)
    server = ServerSession(ServerSpec(parse_url(launcher.url), params=params), launcher=launcher)
    t0 = time.monotonic()
    await server.start()
    load_ms = (time.monotonic() - t0) * 1000
    server_rows = await run_turns(server)
    server_out = {"load_ms": load_ms, "health_ms": launcher.load_ms,
                  "rss": server.stats.rss_bytes, "turns": server_rows}
    await server.close()
    return {"pty": pty_out, "server": server_out}


def report(result: dict, args) -> None:
    pty, srv = result["pty"], result["server"]
    print(f"# pty llama-cli vs llama-server, {args.model.name}, {args.runtime.name}, "
          f"-t {args.threads}, max {args.max_tokens} tokens, seed {args.seed}; "
          f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {platform.machine()} "
          f"{os.cpu_count()} CPUs, load avg {os.getloadavg()[0]:.2f}")
    print(f"load: pty {pty['load_ms']:.0f} ms, server {srv['load_ms']:.0f} ms "
          f"(spawn to /health ok {srv['health_ms']:.0f} ms)")
    print("turn | TTFT pty ms | TTFT server ms | ratio | tokens pty | tokens server (exact) | "
          "prompt tokens read / total (server)")
    for i, (a, b) in enumerate(zip(pty["turns"], srv["turns"], strict=True), 1):
        print(f"{i} | {a['ttft_ms']:.0f} | {b['ttft_ms']:.0f} | {b['ttft_ms'] / a['ttft_ms']:.2f}"
              f" | ~{a['tokens']} | {b['tokens']} | {b.get('prompt_read')} / "
              f"{b['prompt_tokens']}")
    turns = srv["turns"]
    span = sum(t["span_s"] for t in turns)
    after_first = sum(t["tokens"] - 1 for t in turns)
    all_tokens = sum(t["tokens"] for t in turns)
    reported = sum(t["predicted_n"] for t in turns) / (sum(t["predicted_ms"] for t in turns)
                                                       / 1000)
    ours_n1 = after_first / span
    ours_n = all_tokens / span
    print(f"server reported (sum predicted_n / sum predicted_ms): {reported:.2f} tok/s")
    print(f"delivered, tokens after the first / first-to-last span (as the pty engine "
          f"counts): {ours_n1:.2f} tok/s = {ours_n1 / reported:.3f}x")
    print(f"delivered, all tokens / first-to-last span (llama-server's own convention: "
          f"predicted_n over predicted_ms): {ours_n:.2f} tok/s = {ours_n / reported:.3f}x "
          f"(goal >= 0.99: {'met' if ours_n / reported >= 0.99 else 'NOT met'})")
    pty_span = sum(t["span_s"] for t in pty["turns"])
    print(f"pty delivered (estimate, reads after the first / span): "
          f"{sum(t['tokens'] - 1 for t in pty['turns']) / pty_span:.2f} tok/s")
    mib = 1024 * 1024
    print(f"RSS after turn 5: llama-cli {pty['rss'] / mib:.0f} MiB, llama-server "
          f"{srv['rss'] / mib:.0f} MiB")


def main() -> int:
    from neuro_tui.engine.runtime_build import list_installed
    from neuro_tui.models import smollm2

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runtime", type=Path, help="runtime dir with bin/llama-cli and "
                    "bin/llama-server (default: the first installed that has both)")
    ap.add_argument("--model", type=Path, help="GGUF (default: SmolLM2-135M-Instruct Q4_1)")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--max-tokens", type=int, default=48)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--json", type=Path, help="also write the results here")
    args = ap.parse_args()
    if args.runtime is None:
        dirs = [bins["llama-server"].parent.parent for _spec, bins in list_installed()
                if "llama-server" in bins and "llama-cli" in bins]
        if not dirs:
            print("no runtime with both llama-cli and llama-server (neuro-tui runtime install)",
                  file=sys.stderr)
            return 1
        args.runtime = dirs[0]
    args.model = args.model or smollm2.ensure()
    params = GenerationParams(threads=args.threads, max_tokens=args.max_tokens,
                              seed=args.seed, ctx_size=2048)
    result = asyncio.run(bench(args.runtime, args.model, params))
    report(result, args)
    if args.json:
        args.json.write_text(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
