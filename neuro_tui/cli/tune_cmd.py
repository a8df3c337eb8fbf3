"""`neuro-tui runtime tune`: measure prompt speed and choose threads for llama-cli + model.

Runs by itself once per llama-cli + model + thread setting (`[generation] auto_tune`); this
command measures again (after a hardware or load change) or shows what is cached.
"""

from __future__ import annotations

import argparse
import json

from neuro_tui import config as config_mod


def attach(subparsers: argparse._SubParsersAction) -> None:
    """Add `tune` under the `runtime` command (runtime_cmd.py builds that command)."""
    runtime = subparsers.choices.get("runtime")
    actions = [a for a in getattr(runtime, "_actions", ())
               if isinstance(a, argparse._SubParsersAction)]
    if not actions:
        return
    p = actions[0].add_parser("tune", help="measure prompt speed; choose threads (-t, -tb)")
    p.add_argument("--model", help="model name or path to a .gguf (default: auto)")
    p.add_argument("--cli", help="path to llama-cli")
    p.add_argument("--show", action="store_true", help="print the cached result, measure nothing")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from dataclasses import asdict

    from neuro_tui.engine import tune
    from neuro_tui.launch import build_session_spec
    from neuro_tui.textsafe import strip_controls

    cfg = config_mod.load({"model": args.model, "cli": args.cli})
    spec = build_session_spec(cfg)
    threads, batch = int(cfg.threads), int(cfg.threads_batch)
    if args.show:
        result = tune.cached(spec.binary, spec.model, threads, batch)
        if result is None:
            print("not measured yet for this llama-cli + model: run `neuro-tui runtime tune`")
            return 1
    else:
        if not args.json:
            print(f"measuring {spec.model.name} on {spec.binary} (a few seconds)...", flush=True)
        result = tune.calibrate(spec.binary, spec.flavor, spec.model, threads, batch)
    if args.json:
        print(json.dumps({"binary": str(spec.binary), "model": str(spec.model),
                          **asdict(result)}, indent=2))
        return 0
    for trial in result.trials:
        outcome = trial.problem or (f"prompt {trial.prefill_tok_s:.0f} tok/s, "
                                    f"generation {trial.gen_tok_s:.0f} tok/s")
        print(f"  -t {trial.threads} -tb {trial.threads_batch}: {strip_controls(outcome)}")
    print(f"chosen: {result.line()}")
    budget = cfg.prefill_seconds * result.prefill_tok_s
    print(f"source budget: {cfg.prefill_seconds:g} s x {result.prefill_tok_s:.0f} tok/s = "
          f"{budget:.0f} prompt tokens")
    return 0
