"""Generation parameters, and how many threads to use by default."""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path

from neuro_tui.engine.events import Flavor

DEFAULT_SYSTEM_PROMPT = "You are a helpful assistant"


def default_threads() -> int:
    """Physical cores we may use, minus one for the UI and the system, capped at 8.

    llama.cpp's workers spin-wait: with as many threads as cores on a busy 2-vCPU machine,
    `-t 2` was measured 10x slower than `-t 1`. Leaving a core free keeps both the answer
    and the app's streaming smooth; `threads` in the config overrides it.
    """
    try:
        import psutil

        cores = psutil.cpu_count(logical=False) or os.cpu_count() or 1
    except Exception:  # pragma: no cover - psutil is a dependency, but never fail here
        cores = os.cpu_count() or 1
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else cores
    return max(1, min(cores, usable, 9) - 1)


@dataclass(frozen=True)
class GenerationParams:
    system_prompt: str = DEFAULT_SYSTEM_PROMPT
    temperature: float = 0.7
    top_p: float = 0.9
    top_k: int = 40
    repeat_penalty: float = 1.1
    repeat_last_n: int = 64
    seed: int = -1
    ctx_size: int = 4096
    threads: int = field(default_factory=default_threads)
    threads_batch: int = 0  # prompt (batch) threads, -tb; 0 = llama.cpp's default (= threads)
    max_tokens: int = 512  # per answer; <= 0 means no limit
    batch_size: int = 512
    extra_args: tuple[str, ...] = ()

    def with_(self, **changes) -> GenerationParams:
        return replace(self, **changes)


@dataclass(frozen=True)
class SessionSpec:
    """Everything needed to spawn one llama-cli conversation."""

    binary: Path
    flavor: Flavor
    model: Path
    params: GenerationParams = field(default_factory=GenerationParams)
    hang_timeout_s: float = 120.0  # no byte for this long while answering = hung
    load_timeout_s: float = 300.0
    log_dir: Path | None = None
