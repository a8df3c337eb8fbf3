"""How long the end of a turn takes on llama-cli 0.3.16: last answer text to TurnStats.

A bare `\\n> ` may be model text, so it used to be confirmed by a 0.3 s quiet spell. Two
things end a turn sooner now: 0.3.16's colour-first end (its prompt colour, printed
directly, before its log thread's last `\\n` and `\\n> `) is taken as the end itself
(engine/answer_scan.py), and during the spell the kernel is asked whether llama-cli is
blocked reading its terminal (engine/prompt_probe.py), which is how a Ctrl+C'd answer ends.
Alternating rounds, same session, same seed: main against both off (the quiet spell),
for answers the model ended and answers cut at 24 tokens (our Ctrl+C). Prints per turn
the median end of turn and TTFT, the ratios, and the load average before and after. What
is left on main is mostly the answer's exact count (llama-tokenize, bench_context_count.py).

  .venv/bin/python bench/bench_turn_end.py [--rounds 3] [--threads 1]
"""

from __future__ import annotations

import asyncio
import os
import statistics
import sys
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_live_vs_respawn as base  # noqa: E402
from turn_times import old_cli_spec, turn_times  # noqa: E402

from neuro_tui.engine import answer_scan, prompt_probe, turn  # noqa: E402
from neuro_tui.engine.params import SessionSpec  # noqa: E402

QUESTIONS = base.QUESTIONS + ["Name three colours.", "Say hello in French.",
                              "Write a haiku about rain."]


async def run(spec: SessionSpec, fast: bool) -> list[tuple[float, float]]:
    answer_scan.GREEN_FIRST_ENDS = fast
    turn.waiting_for_input = prompt_probe.waiting_for_input if fast else (lambda pid: None)
    try:
        return await turn_times(spec, QUESTIONS)
    finally:
        answer_scan.GREEN_FIRST_ENDS = True
        turn.waiting_for_input = prompt_probe.waiting_for_input


def report(name: str, spec: SessionSpec, rounds: int) -> None:
    asyncio.run(run(spec, True))  # warm-up, uncounted
    runs: dict[bool, list] = {True: [], False: []}
    for _ in range(rounds):
        for fast in (False, True):
            runs[fast].append(asyncio.run(run(spec, fast)))
    print(f"\n{name}: {rounds} rounds, median ms   end of turn quiet / main / ratio"
          "     TTFT quiet / main / ratio")
    for number in range(len(QUESTIONS)):
        old, new = ([r[number] for r in runs[k]] for k in (False, True))
        e_old, e_new = (statistics.median(x[1] for x in v) for v in (old, new))
        t_old, t_new = (statistics.median(x[0] for x in v) for v in (old, new))
        print(f"  turn {number + 1}   {e_old:8.0f} {e_new:6.0f} {e_new / e_old:6.2f}"
              f"        {t_old:8.0f} {t_new:6.0f} {t_new / t_old:6.2f}")
    all_old = statistics.median(x[1] for r in runs[False] for x in r)
    all_new = statistics.median(x[1] for r in runs[True] for x in r)
    print(f"  all turns: end of turn {all_old:.0f} -> {all_new:.0f} ms ({all_new / all_old:.2f}x)")


def main() -> None:
    spec, rounds = old_cli_spec(__doc__, base.SYSTEM, max_tokens=0)
    print(f"load average before: {os.getloadavg()}")
    report("answers the model ended", spec, rounds)
    cut = replace(spec, params=replace(spec.params, max_tokens=24))
    report("answers cut at 24 tokens (Ctrl+C)", cut, rounds)
    print(f"\nload average after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
