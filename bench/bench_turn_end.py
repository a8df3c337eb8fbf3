"""How long the end of a turn takes on llama-cli 0.3.16: last answer text to TurnStats.

0.3.16 prints its prompt colour directly but its last "\\n" and "\\n> " through its log
thread, so most turns end colour first. Before engine/answer_scan.py trusted that order,
such an end was confirmed by a 0.3 s quiet spell. Alternating rounds, same session, same
seed: the colour-first end trusted (main) against the quiet spell (baseline). Prints per
turn the median end of turn and TTFT, the ratios, and the load average before and after.
The part left on main is the answer's exact count (llama-tokenize, bench_context_count.py).

  .venv/bin/python bench/bench_turn_end.py [--rounds 3] [--threads 1]
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

from neuro_tui.engine import answer_scan  # noqa: E402
from neuro_tui.engine.params import SessionSpec  # noqa: E402

QUESTIONS = base.QUESTIONS + ["Name three colours.", "Say hello in French.",
                              "Write a haiku about rain."]


async def run(spec: SessionSpec, trusted: bool) -> list[tuple[float, float]]:
    answer_scan.GREEN_FIRST_ENDS = trusted
    try:
        return await turn_times(spec, QUESTIONS)
    finally:
        answer_scan.GREEN_FIRST_ENDS = True


def main() -> None:
    spec, rounds = old_cli_spec(__doc__, base.SYSTEM, max_tokens=0)
    print(f"load average before: {os.getloadavg()}")
    asyncio.run(run(spec, True))  # warm-up, uncounted
    runs: dict[bool, list] = {True: [], False: []}
    for _ in range(rounds):
        for trusted in (False, True):
            runs[trusted].append(asyncio.run(run(spec, trusted)))
    print(f"\n{rounds} rounds, median ms   end of turn quiet / main / ratio"
          "     TTFT quiet / main / ratio")
    for turn in range(len(QUESTIONS)):
        old, new = ([r[turn] for r in runs[k]] for k in (False, True))
        e_old, e_new = (statistics.median(x[1] for x in v) for v in (old, new))
        t_old, t_new = (statistics.median(x[0] for x in v) for v in (old, new))
        print(f"  turn {turn + 1}   {e_old:8.0f} {e_new:6.0f} {e_new / e_old:6.2f}"
              f"        {t_old:8.0f} {t_new:6.0f} {t_new / t_old:6.2f}")
    all_old = statistics.median(x[1] for r in runs[False] for x in r)
    all_new = statistics.median(x[1] for r in runs[True] for x in r)
    print(f"  all turns: end of turn {all_old:.0f} -> {all_new:.0f} ms ({all_new / all_old:.2f}x)")
    print(f"\nload average after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
