"""Fast resume on llama-cli (issue 16): the first new turn after resuming a chat vs the
live turn 21, same run, real llama-cli + SmolLM2.

1. A live 20-turn chat (one process), then turn 21 live: its TTFT is the baseline.
2. That chat resumed (new process, recap sized by the prefill-time budget, policy
   truncate-middle), and the same chat made 2x and 4x longer (its turns repeated): time
   from resume to the first token (load, which includes reading the recap, + TTFT).
3. The same resumes with the old whole-history recap (KeepContext: build_recap, up to a
   quarter of the context): what resuming cost before.
Goal: the budgeted resume does not grow with the chat's length.

    .venv/bin/python bench/bench_resume.py [--turns 20] [--ctx 4096] [--engine server]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from neuro_tui import config as config_mod  # noqa: E402
from neuro_tui.chat import events as ev  # noqa: E402
from neuro_tui.chat.keep_turns import cost  # noqa: E402
from neuro_tui.chat.policy import KeepContext, make_policy  # noqa: E402
from neuro_tui.chat.service import ChatService  # noqa: E402
from neuro_tui.chat.transcript import Transcript  # noqa: E402
from tests.conftest import _REAL_MODELS_DIR, _REAL_RUNTIME_ROOT  # noqa: E402

QUESTION = "Name one more fruit, in one word."


async def turn(service: ChatService, question: str) -> tuple[float, float]:
    """(ms from now to the first token, TTFT ms as llama-cli's turn measured it)."""
    t0, first = time.perf_counter(), None
    async for event in service.ask(question):
        if isinstance(event, ev.AnswerDelta) and first is None:
            first = (time.perf_counter() - t0) * 1000
        if isinstance(event, ev.TurnEnded):
            ttft = (event.stats or {}).get("ttft_ms") or 0.0
    return first or 0.0, ttft


def longer(transcript: Transcript, times: int) -> Transcript:
    turns, n = [], 0
    for _ in range(times):
        for t in transcript.turns:
            n += 1
            turns.append(replace(t, number=n))
    return replace(transcript, turns=tuple(turns))


async def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--turns", type=int, default=20)
    ap.add_argument("--ctx", type=int, default=4096)
    ap.add_argument("--engine", choices=("llama-cli", "server"), default="llama-cli",
                    help="server: llama-server's saved slot vs live (bench/resume_server.py)")
    args = ap.parse_args()
    if args.engine == "server":
        from bench import resume_server
        from neuro_tui.models import smollm2

        server = next(_REAL_RUNTIME_ROOT.glob("old-0.3.16/bin/llama-server"))
        return await resume_server.run(args, smollm2.ensure(_REAL_MODELS_DIR), server,
                                       QUESTION)
    from neuro_tui.models import smollm2

    cli = next(_REAL_RUNTIME_ROOT.glob("old-0.3.16/bin/llama-cli"))
    config = config_mod.load({"cli": str(cli), "model": str(smollm2.ensure(_REAL_MODELS_DIR)),
                              "threads": 1, "seed": 42, "max_tokens": 24, "ctx_size": args.ctx,
                              "web": False, "storage": ""})
    live = ChatService(config, context_policy=KeepContext())
    for i in range(args.turns):
        await turn(live, f"Question {i + 1}: name a fruit and say one thing about it.")
    live_first, live_ttft = await turn(live, QUESTION)
    chat = Transcript(turns=live.transcript.turns[:args.turns])
    await live.close()
    print(f"live turn {args.turns + 1}: first token {live_first:.0f} ms (TTFT {live_ttft:.0f})")
    rows = []
    for times in (1, 2, 4):
        for name, policy in (("budget", make_policy("truncate-middle", config)),
                             ("whole", KeepContext())):
            resumed = ChatService(config, transcript=longer(chat, times), context_policy=policy)
            t0 = time.perf_counter()
            first, ttft = await turn(resumed, QUESTION)
            total = (time.perf_counter() - t0) * 1000
            resumed.transcript = longer(chat, times)  # the recap it started with, measured
            recap_tokens = cost(resumed.recap())  # rate (the session's spec exists now)
            rate = getattr(policy, "rate_used", None)
            load = resumed.session.stats.load_ms or 0.0
            await resumed.close()
            rows.append((times * args.turns, name, recap_tokens, load, ttft, total))
            print(f"resume {times * args.turns:3d} turns, {name:6s} recap ~{recap_tokens:4d} "
                  f"tok: load {load:5.0f} ms, TTFT {ttft:4.0f} ms, resume->first token "
                  f"{total:5.0f} ms ({total / live_first:.1f}x live)"
                  + (f"; budget at {rate[0]:.0f} tok/s ({'measured' if rate[1] else 'fixed'})"
                     if rate else ""))
    budget = [r[5] for r in rows if r[1] == "budget"]
    print(f"budgeted resume, longest/shortest chat: {budget[-1] / budget[0]:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
