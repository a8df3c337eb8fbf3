"""Live llama-cli session vs one llama-cli process per question (the neuro-bitnet design).

Same model, same 5 questions, same parameters, one run, on this machine:
  live     one LlamaSession; each question is one more turn in the running process
  respawn  for each question a fresh `llama-cli -cnv -st -p <history + question>`: the model
           is loaded again and the whole history is prefilled again
Per turn: TTFT (Enter, or spawn for respawn, to the first answer byte) and total time, and the
ratio live/respawn (goal: turn-5 TTFT ratio <= 0.2). Then our delivered tokens/s (tokens
after the first / time from first to last token, as read from the pty) vs llama-cli's own
eval rate from its perf lines, printed at exit (goal >= 0.99x).

  .venv/bin/python bench/bench_live_vs_respawn.py [--cli PATH] [--model PATH] [--threads 1]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import shlex
import sys
import time
from pathlib import Path

import pexpect

from neuro_tui.engine.events import AnswerText, Flavor, TurnStats
from neuro_tui.engine.params import GenerationParams, SessionSpec
from neuro_tui.engine.session import LlamaSession

QUESTIONS = ["What is the capital of France?", "And what is its population?",
             "Name three famous museums there.", "Which one is the oldest?",
             "Summarise our conversation in one sentence."]
SYSTEM = "You are a helpful assistant"


async def live(spec: SessionSpec) -> tuple[list[dict], dict, float]:
    session = LlamaSession(spec)
    await session.start()
    rows = []
    for question in QUESTIONS:
        stats = None
        async for event in session.ask(question):
            if isinstance(event, TurnStats):
                stats = event
            elif not isinstance(event, AnswerText):
                print("live:", event, file=sys.stderr)
        rows.append({"ttft_ms": stats.ttft_ms, "total_ms": stats.total_ms,
                     "tokens": stats.tokens, "tok_s": stats.tok_s,
                     "gen_span_s": (stats.tokens - 1) / stats.tok_s if stats.tok_s else 0.0})
    await session.close()
    return rows, session.perf(), session.stats.load_ms


def bare(spec: SessionSpec, log: Path) -> tuple[float, dict]:
    """The same llama-cli and turns read by a minimal pty loop (no parser, no asyncio):
    the most any reader could get out of this binary on this machine."""
    from neuro_tui.engine.args import build_argv
    from neuro_tui.engine.loglines import Perf, classify_line

    argv = build_argv(spec).argv
    child = pexpect.spawn("sh", ["-c", "exec " + shlex.join(argv) + " 2>" + str(log)],
                          env={**os.environ, "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8"})
    child.delaybeforesend = None
    child.expect_exact(b"\r\n> ", timeout=120)
    tokens = span = 0.0
    for question in QUESTIONS:
        child.send(question + "\r")
        buf, times, stopped = b"", [], False
        while True:
            data = child.read_nonblocking(65536, timeout=120)
            now = time.monotonic()
            if not times and b"\x1b[0m" not in buf + data:
                buf += data
                continue
            if not times and not buf.endswith(b"\x1b[0m"):
                data = (buf + data).split(b"\x1b[0m", 1)[1]
                buf = b"\x1b[0m"
            end = b"\x1b[1m\x1b[32m" in data
            if data.split(b"\r\n> ")[0].split(b"\x1b[1m")[0].strip(b"\r\n"):
                times.append(now)
            if end:
                break
            if len(times) >= spec.params.max_tokens and not stopped:
                child.sendintr()
                stopped = True
        count = min(len(times), spec.params.max_tokens)
        if count > 1:
            tokens += count - 1
            span += times[count - 1] - times[0]
    child.sendeof()
    child.expect(pexpect.EOF, timeout=30)
    child.close()
    perf = {}
    for line in log.read_text(errors="replace").splitlines():
        event = classify_line(line)
        if isinstance(event, Perf):
            perf[event.kind] = event
    return (tokens / span if span else 0.0), perf


def respawn(spec: SessionSpec) -> list[dict]:
    p = spec.params
    history: list[tuple[str, str]] = []
    rows = []
    for question in QUESTIONS:
        prompt = "".join(f"User: {q}\nAssistant: {a}\n" for q, a in history) + f"User: {question}"
        if not history:
            prompt = question
        argv = [str(spec.binary), "-m", str(spec.model), "-cnv", "-st", "-sys", SYSTEM,
                "-p", prompt, "-n", str(p.max_tokens), "-c", str(p.ctx_size),
                "-t", str(p.threads), "--temp", str(p.temperature), "-s", str(p.seed)]
        t0 = time.monotonic()
        child = pexpect.spawn("sh", ["-c", "exec " + shlex.join(argv) + " 2>/dev/null"],
                              env={**os.environ, "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8"})
        out, t_first, marker = b"", None, b"\r\nassistant\r\n"
        while True:
            try:
                data = child.read_nonblocking(65536, timeout=300)
            except pexpect.EOF:
                break
            out += data
            if t_first is None and marker in out and not out.endswith(marker):
                t_first = time.monotonic()
        total = time.monotonic() - t0
        child.close()
        answer = out.split(marker, 1)[-1].decode("utf-8", "replace").replace("\r\n", "\n")
        history.append((question, answer.strip()))
        rows.append({"ttft_ms": ((t_first or time.monotonic()) - t0) * 1000,
                     "total_ms": total * 1000})
    return rows


def main() -> int:
    from neuro_tui.engine import runtime_build

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cli", type=Path, help="llama-cli (old protocol; default: runtime 0.3.16)")
    ap.add_argument("--model", type=Path, help="GGUF (default: SmolLM2-135M-Instruct Q4_1)")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--max-tokens", type=int, default=48)
    ap.add_argument("--json", type=Path, help="also write the results here")
    args = ap.parse_args()
    cli = args.cli or runtime_build.installed_binaries(runtime_build.RUNTIMES["old"])["llama-cli"]
    if args.model is None:
        from neuro_tui.models import smollm2

        args.model = smollm2.ensure()
    params = GenerationParams(system_prompt=SYSTEM, threads=args.threads, seed=42,
                              temperature=0.7, max_tokens=args.max_tokens, ctx_size=4096)
    spec = SessionSpec(binary=cli, flavor=Flavor.UPSTREAM_CNV, model=args.model, params=params)
    live_rows, perf, load_ms = asyncio.run(live(spec))
    bare_rate, bare_perf = bare(spec, Path("/tmp/bench-bare-llama.log"))
    respawn_rows = respawn(spec)

    print(f"# live vs respawn, {args.model.name}, {cli}, -t {args.threads}, "
          f"max {args.max_tokens} tokens, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, "
          f"{platform.machine()} {os.cpu_count()} CPUs, load avg {os.getloadavg()[0]:.2f}")
    print(f"live load (spawn to first prompt): {load_ms:.0f} ms")
    print("turn | TTFT live ms | TTFT respawn ms | ratio | total live ms | total respawn ms"
          " | ratio")
    for i, (a, b) in enumerate(zip(live_rows, respawn_rows, strict=True), 1):
        print(f"{i} | {a['ttft_ms']:.0f} | {b['ttft_ms']:.0f} | "
              f"{a['ttft_ms'] / b['ttft_ms']:.3f} | {a['total_ms']:.0f} | {b['total_ms']:.0f} | "
              f"{a['total_ms'] / b['total_ms']:.3f}")
    ratio5 = live_rows[-1]["ttft_ms"] / respawn_rows[-1]["ttft_ms"]
    print(f"turn-5 TTFT ratio live/respawn = {ratio5:.3f} (goal <= 0.2): "
          f"{'MET' if ratio5 <= 0.2 else 'NOT MET'}")
    ours_tokens = sum(r["tokens"] - 1 for r in live_rows)
    ours_span = sum(r["gen_span_s"] for r in live_rows)
    ours = ours_tokens / ours_span if ours_span else 0.0
    ev = perf.get("eval")
    theirs = ev.count / (ev.ms / 1000) if ev and ev.ms else 0.0
    speed = ours / theirs if theirs else 0.0
    samp = perf.get("sampling")
    with_sampling = ev.count / ((ev.ms + (samp.ms if samp else 0)) / 1000) if ev else 0.0
    speed_s = ours / with_sampling if with_sampling else 0.0
    print(f"delivered tok/s: ours {ours:.2f} (LlamaSession, {ours_tokens} tokens after the "
          f"first / {ours_span:.2f} s first-to-last); bare pty reader {bare_rate:.2f}")
    print(f"llama-cli eval rate from its perf lines: {theirs:.2f} tok/s ({ev.count if ev else '?'}"
          f" runs / {ev.ms if ev else '?'} ms); sampling {samp.ms if samp else '?'} ms")
    print(f"ratio ours / llama-cli eval rate = {speed:.3f} (goal >= 0.99): "
          f"{'MET' if speed >= 0.99 else 'NOT MET'}")
    print(f"ratio ours / eval+sampling rate = {speed_s:.3f}; ratio ours / bare reader = "
          f"{ours / bare_rate if bare_rate else 0:.3f}; bare reader / eval rate = "
          f"{bare_rate / theirs if theirs else 0:.3f}")
    if args.json:
        args.json.write_text(json.dumps({"live": live_rows, "respawn": respawn_rows,
                                         "ratio_ttft_turn5": ratio5, "delivered_tok_s": ours,
                                         "llama_eval_tok_s": theirs, "speed_ratio": speed,
                                         "bare_reader_tok_s": bare_rate},
                                        indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
