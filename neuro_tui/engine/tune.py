"""Measure prompt speed and choose llama-cli's threads (`-t`, `-tb`) on this machine.

Why measured: on this 2-core machine, reading a 2,173-token prompt took 16.6 s at
`-t 1 -tb 1` and 9.5 s at `-tb 2` when idle, but with the other core busy `-tb 2` was 3.4x
slower and `-t 2` 10x slower. No fixed default is right for every load, and the source
budget (retrieval/budget.py) needs this model's prompt tok/s here.

A calibration is one or two short one-shot runs of the same llama-cli on a fixed prompt
(~160 SmolLM2 tokens, `-n 16`): the low setting (a core left free) and, when more cores
are usable, all of them. Each run gives llama.cpp's own "prompt eval" (batch threads) and
"eval" (generation threads) rates, so two runs decide both `-tb` and `-t`. More threads
must win by 15% to be chosen (generation on every core: by 50%). A run slower than 1.5x
the first is stopped (it lost). Results are cached in `<cache>/tune.json` per binary +
model (path, size, mtime) + thread settings + usable cores; any change measures again.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

from neuro_tui import paths
from neuro_tui.atomic import write_private
from neuro_tui.engine.events import Flavor
from neuro_tui.engine.params import SessionSpec, default_threads
from neuro_tui.engine.tune_trial import PROMPT, Trial, run_trial, trial_argv

__all__ = ["PROMPT", "Trial", "Tuning", "apply", "cached", "calibrate", "default_tuning",
           "degraded", "for_spec", "observed", "run_trial", "trial_argv"]

CONSERVATIVE_PREFILL_TOK_S = 60.0  # before any measurement: a small budget, a fast answer
WIN_MARGIN = 1.15
# Generation on every core must win by more: idle, -t 2 generated 1.22x faster than -t 1
# here (196 vs 159 tok/s), but with the other core busy it was 10x slower (spin-waiting
# workers). Prompt reading gains more (2x idle at -tb 2) and the budget follows the load.
ALL_CORES_GEN_MARGIN = 1.5


@dataclass(frozen=True)
class Tuning:
    threads: int
    threads_batch: int
    prefill_tok_s: float  # at threads_batch: what the source budget divides by
    gen_tok_s: float
    chars_per_token: float | None  # of PROMPT on this model's tokenizer (for estimates)
    measured: bool = True  # False = the conservative default, nothing measured yet
    seconds: float = 0.0  # calibration wall time
    when: str = ""
    trials: tuple[Trial, ...] = field(default=())

    def line(self) -> str:
        if not self.measured:
            return (f"-t {self.threads} (default; not measured yet), prompt speed assumed "
                    f"{self.prefill_tok_s:.0f} tok/s")
        return (f"-t {self.threads} -tb {self.threads_batch}: prompt {self.prefill_tok_s:.0f} "
                f"tok/s, generation {self.gen_tok_s:.0f} tok/s (measured {self.when}, "
                f"{self.seconds:.1f} s)")


def _file_id(path: Path) -> list:
    try:
        st = Path(path).stat()
        return [str(Path(path).resolve()), st.st_size, st.st_mtime_ns]
    except OSError:
        return [str(path), None, None]


def usable_cores() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (
        os.cpu_count() or 1)


def cache_key(binary: Path, model: Path, threads: int = 0, threads_batch: int = 0) -> str:
    """What a measurement depends on; `threads`/`threads_batch` are the configured values
    (0 = automatic)."""
    return json.dumps({"binary": _file_id(binary), "model": _file_id(model), "t": threads,
                       "tb": threads_batch, "cores": usable_cores()}, sort_keys=True)


def cache_file() -> Path:
    return paths.cache_dir() / "tune.json"


def _load_all() -> dict:
    try:
        data = json.loads(cache_file().read_text())
        return data if isinstance(data, dict) else {}
    except (OSError, ValueError):
        return {}


def cached(binary: Path, model: Path, threads: int = 0, threads_batch: int = 0) -> Tuning | None:
    entry = _load_all().get(cache_key(binary, model, threads, threads_batch))
    if not isinstance(entry, dict):
        return None
    try:
        trials = tuple(Trial(**t) for t in entry.pop("trials", ()))
        return Tuning(**entry, trials=trials)
    except TypeError:  # written by another version
        return None


def store(binary: Path, model: Path, threads: int, threads_batch: int, tuning: Tuning) -> None:
    data = _load_all()
    data[cache_key(binary, model, threads, threads_batch)] = asdict(tuning)
    target = cache_file()
    target.parent.mkdir(parents=True, exist_ok=True)
    write_private(target, json.dumps(data, indent=1))


def default_tuning(threads: int = 0, threads_batch: int = 0) -> Tuning:
    t = threads or default_threads()
    return Tuning(t, threads_batch or t, CONSERVATIVE_PREFILL_TOK_S, 0.0, None, measured=False)


def calibrate(binary: Path, flavor: Flavor, model: Path, threads: int = 0,
              threads_batch: int = 0, *, save: bool = True) -> Tuning:
    """Measure and cache; `threads`/`threads_batch` fixed by the user are kept as they are."""
    started = time.monotonic()
    low, high = default_threads(), max(default_threads(), usable_cores())
    settings = [(threads or low, threads_batch or low)]
    if high != low and not (threads and threads_batch):
        settings.append((threads or high, threads_batch or high))
    trials: list[Trial] = []
    with tempfile.TemporaryDirectory(prefix="neuro-tune-") as tmp:
        prompt_file = Path(tmp) / "prompt.txt"
        prompt_file.write_text(PROMPT)
        for t, tb in settings:
            timeout = 60.0 if not trials else max(2.0, 1.5 * trials[0].wall_s)
            trials.append(run_trial(trial_argv(binary, flavor, model, prompt_file, t, tb),
                                    t, tb, timeout))
    first = trials[0]
    if first.problem:
        raise RuntimeError(f"calibration run failed: {first.problem}")
    best_tb = max(trials, key=lambda r: r.prefill_tok_s * (1 if r is first else 1 / WIN_MARGIN))
    gen_margin = ALL_CORES_GEN_MARGIN if high >= usable_cores() else WIN_MARGIN
    best_t = max(trials, key=lambda r: r.gen_tok_s * (1 if r is first else 1 / gen_margin))
    chars = len(PROMPT) / max(1, first.prompt_tokens - 1)  # minus BOS
    tuning = Tuning(best_t.threads, best_tb.threads_batch, round(best_tb.prefill_tok_s, 1),
                    round(best_t.gen_tok_s, 1), round(chars, 3), True,
                    round(time.monotonic() - started, 2),
                    time.strftime("%Y-%m-%d %H:%M", time.localtime()), tuple(trials))
    if save:
        store(binary, model, threads, threads_batch, tuning)
    return tuning


def for_spec(spec: SessionSpec, threads: int = 0, threads_batch: int = 0, *,
             measure: bool = False) -> Tuning:
    """The cached tuning for this runtime + model + settings; with `measure`, calibrate when
    there is none (a few seconds, once); else the conservative default."""
    found = cached(spec.binary, spec.model, threads, threads_batch)
    if found is None and measure:
        try:
            found = calibrate(spec.binary, spec.flavor, spec.model, threads, threads_batch)
        except RuntimeError:
            found = None
    return found or default_tuning(threads, threads_batch)


def apply(spec: SessionSpec, tuning: Tuning, *, auto_threads: bool = True,
          auto_batch: bool = True) -> SessionSpec:
    """The spec with the chosen threads where the user left them automatic."""
    params = spec.params
    if auto_threads and tuning.measured:
        params = params.with_(threads=tuning.threads)
    if auto_batch and tuning.measured:
        params = params.with_(threads_batch=tuning.threads_batch)
    return replace(spec, params=params)


def observed(tuning: Tuning, prompt_tokens: int, ttft_s: float, *, weight: float = 0.5,
             min_tokens: int = 64) -> Tuning:
    """The prompt speed updated from a real turn (its prompt tokens / TTFT), so budgets and
    "~X s left" follow the machine's load between calibrations. In memory only: the cache
    keeps the calibration. Short prompts say more about latency than speed: ignored."""
    if prompt_tokens < min_tokens or ttft_s <= 0:
        return tuning
    rate = prompt_tokens / ttft_s
    blended = rate if not tuning.measured else (1 - weight) * tuning.prefill_tok_s + weight * rate
    return replace(tuning, prefill_tok_s=round(blended, 1), measured=True)


def degraded(calibrated: Tuning, current: Tuning, factor: float = 0.5) -> bool:
    """True when real turns read at under `factor` of the calibrated speed: the load changed
    (threads chosen on idle cores suffer most), so calibrate again between turns."""
    return calibrated.measured and current.prefill_tok_s < factor * calibrated.prefill_tok_s
