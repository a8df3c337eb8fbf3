"""The real LlamaSession driving the scripted fake llama-cli (tests/fakes) over a pty.

The binary (a wrapper) and a placeholder model sit at fixed paths so screens that show them
(the model pane) are the same on every machine. `pin_clock` replaces the wall-clock figures
(load time, TTFT, tok/s, RSS, CPU) and the token estimate (which depends on how the pty
chunked the output) with fixed ones, for snapshots only: a scripted binary cannot make
those deterministic.
"""

from __future__ import annotations

import dataclasses
import json
import os
from pathlib import Path

from neuro_tui.engine.events import Flavor, TurnStats
from neuro_tui.engine.params import SessionSpec
from neuro_tui.engine.session import LlamaSession

FAKE = Path(__file__).resolve().parent.parent / "fakes" / "fake-llama-cli"
FIXED = Path("/tmp/neuro-tui-test-bin")
BINARY = FIXED / "llama-cli"
MODEL = FIXED / "SmolLM2-135M-Instruct.Q4_1.gguf"
FAKE_ENV = ("FAKE_ANSWERS", "FAKE_TOKEN_DELAY", "FAKE_PREFILL_DELAY", "FAKE_LOAD_DELAY",
            "FAKE_EXIT_ON_LOAD", "FAKE_CRASH_AFTER", "FAKE_CRASH_TURN", "FAKE_HANG_AFTER",
            "FAKE_PAUSE_AFTER")


def install_fixed_paths() -> None:
    FIXED.mkdir(parents=True, exist_ok=True)
    wrapper = f'#!/bin/sh\nexec "{FAKE}" "$@"\n'
    if not BINARY.is_file() or BINARY.is_symlink() or BINARY.read_text() != wrapper:
        BINARY.unlink(missing_ok=True)
        tmp = BINARY.with_suffix(f".{os.getpid()}")
        tmp.write_text(wrapper)
        tmp.chmod(0o755)
        tmp.replace(BINARY)
    if not MODEL.exists():
        MODEL.write_bytes(b"GGUF" + bytes(60))


def script(monkeypatch, answers: list[str] | None = None, **env) -> None:
    """Set what the fake llama-cli will do (inherited by the child at spawn time)."""
    for name in FAKE_ENV:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("FAKE_ANSWERS", json.dumps(answers or ["Hello! How can I help?"]))
    monkeypatch.setenv("FAKE_TOKEN_DELAY", "0.002")
    monkeypatch.setenv("FAKE_PREFILL_DELAY", "0.01")
    monkeypatch.setenv("FAKE_LOAD_DELAY", "0.02")
    for key, value in env.items():
        monkeypatch.setenv(f"FAKE_{key.upper()}", str(value))


class FakeCliSession(LlamaSession):
    """LlamaSession itself; only `pin_clock` differs (a test switch for snapshots)."""

    pin_clock = False

    async def ask(self, text: str):
        async for event in super().ask(text):
            if self.pin_clock and isinstance(event, TurnStats):
                event = dataclasses.replace(event, load_ms=180.0, ttft_ms=42.0, tok_s=25.0,
                                            total_ms=1000.0, tokens=24)
            yield event

    def sample_process(self) -> None:
        if not getattr(self, "_pinned", False):  # snapshots keep the pinned RSS/CPU
            super().sample_process()

    def pin_live_stats(self) -> None:
        self._pinned = True
        s = self.stats
        s.load_ms, s.ttft_ms, s.tok_s, s.rss_bytes, s.cpu_percent = 180.0, 42.0, 25.0, \
            200 * 2**20, 12.0
        s.tokens, s.ctx_used, s.prompt_tokens = 24, 51, 8


def session_for(config, log_dir: Path, *, pin_clock: bool = False,
                hang_timeout_s: float = 120.0) -> FakeCliSession:
    params = dataclasses.replace(config.generation_params(), threads=1, seed=1)
    session = FakeCliSession(SessionSpec(BINARY, Flavor.OLD, MODEL, params, log_dir=log_dir,
                                         hang_timeout_s=hang_timeout_s))
    session.pin_clock = pin_clock
    return session
