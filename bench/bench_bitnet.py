"""bitnet.cpp's llama-cli vs upstream llama-cli 0.3.16 on the same SmolLM2 Q4_1 file, same run,
plus the tiny BitNet b1.58 I2_S model on bitnet.cpp (which only bitnet.cpp can load).

What it tells users: what running the bitnet.cpp runtime costs them on a model either one
loads. Rounds alternate the two binaries so machine load hits both alike; medians are
printed with the ratio bitnet/old. Per session: load (spawn to the first prompt), TTFT of
each turn, our delivered generation tok/s, and llama-cli's own prompt and generation
tokens/s from its perf lines (printed when it exits on Ctrl+C at the prompt). Default
threads (the app's: one fewer than the physical cores, here 1).

  .venv/bin/python bench/bench_bitnet.py [--rounds 3] [--old PATH] [--bitnet PATH]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import statistics
import tempfile
import time
from pathlib import Path

from neuro_tui.engine import bitnet_build, build_steps, runtime_build
from neuro_tui.engine.events import AnswerText, Flavor, TurnStats
from neuro_tui.engine.params import GenerationParams, SessionSpec, default_threads
from neuro_tui.engine.session import LlamaSession
from neuro_tui.models import smollm2

QUESTIONS = ["What is the capital of France?", "Name three fruits.",
             "Write two sentences about the sea."]
SHARED = Path(__file__).resolve().parents[2] / "shared"


async def one_session(binary: Path, flavor: Flavor, model: Path, logs: Path) -> dict:
    params = GenerationParams(threads=default_threads(), seed=42, temperature=0.7,
                              max_tokens=64, ctx_size=2048)
    session = LlamaSession(SessionSpec(binary=binary, flavor=flavor, model=model, params=params,
                                       log_dir=logs))
    await session.start()
    ttfts, rates, tokens = [], [], 0
    for question in QUESTIONS:
        async for event in session.ask(question):
            if isinstance(event, TurnStats):
                ttfts.append(event.ttft_ms)
                rates.append(event.tok_s)
                tokens += event.tokens
            elif not isinstance(event, AnswerText):
                print("  event:", event)
    session._proc.write_now(b"\x03")  # at the prompt: exit, printing the perf lines
    await session._proc.wait_exit(10)
    perf = session.perf()
    await session.close()

    def rate(kind: str) -> float:
        p = perf.get(kind)
        return p.count / (p.ms / 1000) if p and p.count and p.ms else float("nan")

    return {"load_ms": session.stats.load_ms, "ttft1_ms": ttfts[0],
            "ttft_later_ms": statistics.median(ttfts[1:]), "gen_tok_s": statistics.median(rates),
            "perf_prompt_tok_s": rate("prompt"), "perf_gen_tok_s": rate("eval"),
            "tokens": tokens}


def med(rows: list[dict], key: str) -> float:
    return statistics.median(r[key] for r in rows)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--old", type=Path)
    parser.add_argument("--bitnet", type=Path)
    args = parser.parse_args()
    old = args.old or runtime_build.build(runtime_build.RUNTIMES["old"])["llama-cli"]
    bitnet = args.bitnet or build_steps.installed_binaries(bitnet_build.SPEC).get("llama-cli")
    if bitnet is None:
        raise SystemExit("no bitnet.cpp runtime: neuro-tui runtime install --flavor bitnet")
    model = smollm2.ensure()
    tiny = SHARED / "models" / "tiny-bitnet-b1.58-i2_s.gguf"
    print(f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} | {platform.machine()} "
          f"{os.cpu_count()} CPUs | load avg {os.getloadavg()[0]:.1f} | threads "
          f"{default_threads()} | model {model.name}")
    rows: dict[str, list[dict]] = {"old": [], "bitnet": [], "tiny": []}
    with tempfile.TemporaryDirectory() as logs:
        for i in range(args.rounds):
            for name, binary, flavor, path in (("old", old, Flavor.OLD, model),
                                               ("bitnet", bitnet, Flavor.BITNET, model),
                                               ("tiny", bitnet, Flavor.BITNET, tiny)):
                if name == "tiny" and not tiny.is_file():
                    continue
                row = asyncio.run(one_session(binary, flavor, path, Path(logs)))
                rows[name].append(row)
                print(f"round {i + 1} {name:<6} " + " ".join(
                    f"{k}={v:.1f}" for k, v in row.items()))
    print(f"\nmedians over {args.rounds} rounds (load avg now {os.getloadavg()[0]:.1f})")
    print(f"{'measure':<20}{'old 0.3.16':>12}{'bitnet.cpp':>12}{'bitnet/old':>12}")
    for key in ("load_ms", "ttft1_ms", "ttft_later_ms", "gen_tok_s", "perf_prompt_tok_s",
                "perf_gen_tok_s"):
        a, b = med(rows["old"], key), med(rows["bitnet"], key)
        print(f"{key:<20}{a:>12.1f}{b:>12.1f}{b / a:>11.2f}x")
    if rows["tiny"]:
        print(f"tiny I2_S on bitnet.cpp: load {med(rows['tiny'], 'load_ms'):.0f} ms, "
              f"gen {med(rows['tiny'], 'gen_tok_s'):.1f} tok/s (ours), "
              f"{med(rows['tiny'], 'perf_gen_tok_s'):.1f} tok/s (llama-cli), prompt "
              f"{med(rows['tiny'], 'perf_prompt_tok_s'):.1f} tok/s")


if __name__ == "__main__":
    main()
