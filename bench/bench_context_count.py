"""What exact context counting (engine/context_count.py) costs a turn on llama-cli 0.3.16.

The live half of bench_live_vs_respawn.py (one LlamaSession, its 5 questions; then the same
with code-heavy questions), run in alternating rounds with the counter on and off (off =
no llama-tokenize found: the estimate), same session, same seed. Prints per turn the median
TTFT (Enter to first answer byte: the counts must not delay it) and the end of turn (last
answer text to TurnStats: where the answer's count is awaited), ratios on/off, and the load
average before and after.

  .venv/bin/python bench/bench_context_count.py [--rounds 3] [--threads 1]
"""

from __future__ import annotations

import asyncio
import os
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_live_vs_respawn as base  # noqa: E402
from turn_times import old_cli_spec, turn_times  # noqa: E402

from neuro_tui.engine import context_count  # noqa: E402
from neuro_tui.engine.params import SessionSpec  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
CODE = [(REPO / "neuro_tui" / "engine" / name).read_text()[1000:1600]
        for name in ("markers.py", "turn.py", "args.py", "ptyproc.py", "protocol.py")]
CODE_QUESTIONS = [f"What does this code do?\n{c}" for c in CODE]


async def run(spec: SessionSpec, questions: list[str], exact: bool) -> list[tuple[float, float]]:
    real = context_count.tokenize_binary
    context_count.tokenize_binary = real if exact else (lambda cli: None)

    def check(session) -> None:
        assert session.stats.ctx_exact is exact, "the counter was not what this run asked"

    try:
        return await turn_times(spec, questions, check)
    finally:
        context_count.tokenize_binary = real


def main() -> None:
    spec, rounds = old_cli_spec(__doc__, base.SYSTEM, max_tokens=64)
    print(f"load average before: {os.getloadavg()}")
    for name, questions in (("bench questions", base.QUESTIONS), ("code", CODE_QUESTIONS)):
        asyncio.run(run(spec, questions, True))  # warm-up, uncounted
        runs: dict[bool, list] = {True: [], False: []}
        for _ in range(rounds):
            for exact in (False, True):
                runs[exact].append(asyncio.run(run(spec, questions, exact)))
        print(f"\n{name} ({rounds} rounds, median ms)   TTFT off / on / ratio"
              "     end of turn off / on")
        for turn in range(len(questions)):
            off = [r[turn] for r in runs[False]]
            on = [r[turn] for r in runs[True]]
            t_off, t_on = (statistics.median(x[0] for x in v) for v in (off, on))
            e_off, e_on = (statistics.median(x[1] for x in v) for v in (off, on))
            print(f"  turn {turn + 1}   {t_off:8.0f} {t_on:8.0f} {t_on / t_off:6.2f}"
                  f"        {e_off:6.0f} {e_on:6.0f}")
    print(f"\nload average after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
