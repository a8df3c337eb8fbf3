"""One calibration run: llama-cli one-shot on a fixed prompt, read llama.cpp's perf lines.

Used by engine/tune.py, which chooses threads from two of these runs and caches the result.
"""

from __future__ import annotations

import re
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from neuro_tui.engine.events import Flavor

PROMPT = (
    "The lighthouse keeper climbed the stairs every evening before sunset, carrying a lamp, "
    "a notebook and a flask of tea. From the gallery he could see the whole bay: fishing boats "
    "returning with the tide, gulls circling the harbour wall, and the dark line of the forest "
    "beyond the dunes. He wrote down the wind, the clouds and the colour of the water, because "
    "the old keeper had done so for forty years and the records were useful to the sailors. "
    "On clear nights the beam reached twenty miles out to sea, and ships far away answered "
    "with a short signal to say that they had seen it. In winter the storms came from the "
    "west, the windows rattled, and the light had to be kept burning until morning. "
    "Summarise the keeper's evening in one sentence."
)
_PROMPT_EVAL = re.compile(r"prompt eval time =\s*([\d.]+) ms /\s*(\d+) tokens")
_EVAL = re.compile(r"\seval time =\s*([\d.]+) ms /\s*(\d+) runs")


@dataclass(frozen=True)
class Trial:
    threads: int
    threads_batch: int
    prefill_tok_s: float  # 0 when the run was stopped or failed
    gen_tok_s: float
    prompt_tokens: int
    wall_s: float
    problem: str = ""


def trial_argv(binary: Path, flavor: Flavor, model: Path, prompt_file: Path, t: int,
               tb: int) -> list[str]:
    exe = Path(binary)
    if flavor is Flavor.NEW and (completion := exe.with_name("llama-completion")).is_file():
        exe, flavor = completion, Flavor.OLD  # the chat CLI has no one-shot mode
    argv = [str(exe), "-m", str(model), "-f", str(prompt_file), "-n", "16", "-c", "1024",
            "-t", str(t), "-tb", str(tb), "--temp", "0", "-s", "1"]
    return argv + (["-no-cnv"] if flavor is not Flavor.BITNET else [])


def run_trial(argv: list[str], t: int, tb: int, timeout_s: float) -> Trial:
    started = time.monotonic()
    try:
        run = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                             errors="replace", timeout=timeout_s)
    except subprocess.TimeoutExpired:
        return Trial(t, tb, 0.0, 0.0, 0, time.monotonic() - started,
                     f"stopped after {timeout_s:.1f} s (slower)")
    except OSError as error:
        return Trial(t, tb, 0.0, 0.0, 0, 0.0, str(error))
    wall = time.monotonic() - started
    prompt, gen = _PROMPT_EVAL.search(run.stderr), _EVAL.search(run.stderr)
    if run.returncode != 0 or not prompt:
        tail = (run.stderr.strip().splitlines() or ["no output"])[-1]
        return Trial(t, tb, 0.0, 0.0, 0, wall, f"exit {run.returncode}: {tail}")
    ms, tokens = float(prompt.group(1)), int(prompt.group(2))
    gen_rate = int(gen.group(2)) / float(gen.group(1)) * 1000 if gen and float(
        gen.group(1)) > 0 else 0.0
    return Trial(t, tb, tokens / ms * 1000 if ms > 0 else 0.0, gen_rate, tokens, wall)
