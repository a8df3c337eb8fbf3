"""What bench_context_count.py and bench_turn_end.py share: a 0.3.16 llama-cli session spec
from the usual flags, and one session's per-turn TTFT and end of turn."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from neuro_tui.engine.events import AnswerText, Flavor, TurnStats
from neuro_tui.engine.params import GenerationParams, SessionSpec
from neuro_tui.engine.session import LlamaSession


def old_cli_spec(description: str, system: str, max_tokens: int) -> tuple[SessionSpec, int]:
    """(spec, rounds) from --cli/--model/--threads/--rounds: 0.3.16 and SmolLM2 by default,
    temperature 0, the same seed every run."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--cli", type=Path, default=None)
    parser.add_argument("--model", type=Path, default=None)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    from neuro_tui.engine import runtime_build
    from neuro_tui.models import smollm2

    cli = args.cli or runtime_build.installed_binaries(runtime_build.RUNTIMES["old"])["llama-cli"]
    model = args.model or smollm2.ensure()
    params = GenerationParams(system_prompt=system, ctx_size=4096, threads=args.threads,
                              max_tokens=max_tokens, seed=42, temperature=0.0)
    return SessionSpec(cli, Flavor.UPSTREAM_CNV, model, params), args.rounds


async def turn_times(spec: SessionSpec, questions: list[str], check=None
                     ) -> list[tuple[float, float]]:
    """(TTFT ms, end of turn ms: last answer text to TurnStats) per question, one session;
    `check(session)` runs before it closes."""
    session = LlamaSession(spec)
    await session.start()
    rows = []
    for question in questions:
        last = time.monotonic()
        async for event in session.ask(question):
            if isinstance(event, AnswerText):
                last = time.monotonic()
            elif isinstance(event, TurnStats):
                rows.append((event.ttft_ms, (time.monotonic() - last) * 1000))
    if check is not None:
        check(session)
    await session.close()
    return rows
