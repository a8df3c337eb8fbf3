"""An in-process ChatSession for UI tests until/unless the real LlamaSession is wanted.

It follows the protocol in neuro_tui/engine/base.py: start() loads (optionally slowly),
ask() yields AnswerText fragments then TurnStats, interrupt() stops the answer.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path

from neuro_tui.engine.events import AnswerText, Flavor, SessionError, SessionState, TurnStats
from neuro_tui.engine.params import GenerationParams, SessionSpec


@dataclass
class Stats:
    state: SessionState = SessionState.IDLE
    load_ms: float | None = None
    ttft_ms: float | None = None
    tokens: int = 0
    tokens_exact: bool = False
    tok_s: float | None = None
    prompt_tokens: int | None = None
    ctx_used: int | None = None
    ctx_size: int | None = 4096
    rss_bytes: int | None = 100 * 2**20
    cpu_percent: float | None = 12.0


class StandInSession:
    def __init__(self, answers: list[str] | None = None, *, load_s: float = 0.0,
                 token_delay: float = 0.0, fail_load: str | None = None,
                 crash_after: int | None = None, log_path: Path | None = None,
                 hold_after: int | None = None):
        self.spec = SessionSpec(Path("/opt/llama/bin/llama-cli"), Flavor.OLD,
                                Path("/models/SmolLM2-135M-Instruct.Q4_1.gguf"),
                                GenerationParams(threads=1, seed=1))
        self.answers = list(answers or ["Hello! How can I help?"])
        self.asked: list[str] = []
        self.load_s, self.token_delay = load_s, token_delay
        self.fail_load, self.crash_after = fail_load, crash_after
        self.stats = Stats()
        self.hold_after = hold_after  # stop producing mid-answer (a frozen "streaming" state)
        self.holding = asyncio.Event()
        self.load_gate: asyncio.Event | None = None  # set() it to finish loading
        self._stop = False
        self.log_path = log_path

    @property
    def state(self) -> SessionState:
        return self.stats.state

    async def start(self) -> None:
        self.stats.state = SessionState.LOADING
        await asyncio.sleep(self.load_s)
        if self.load_gate is not None:
            await self.load_gate.wait()
        if self.fail_load:
            self.stats.state = SessionState.CRASHED
            raise RuntimeError(self.fail_load)
        self.stats.load_ms = 123.0
        self.stats.state = SessionState.READY

    async def ask(self, text: str):
        if not text.strip():
            raise ValueError("empty message")
        self.asked.append(text)
        answer = self.answers[(len(self.asked) - 1) % len(self.answers)]
        self._stop = False
        self.stats.state = SessionState.GENERATING
        self.stats.ttft_ms, self.stats.tokens = 42.0, 0
        pieces = [answer[i:i + 4] for i in range(0, len(answer), 4)]
        for n, piece in enumerate(pieces):
            if self._stop:
                break
            if self.hold_after is not None and n == self.hold_after:
                self.holding.set()
                while not self._stop:
                    await asyncio.sleep(0.05)
                break
            if self.crash_after is not None and n >= self.crash_after:
                self.stats.state = SessionState.CRASHED
                yield SessionError("llama-cli exited with signal 11", "crash", signal=11,
                                   log_tail=["ggml: segfault"], partial=True)
                return
            self.stats.tokens = n + 1
            self.stats.tok_s = 25.0
            yield AnswerText(piece)
            await asyncio.sleep(self.token_delay)
        stopped = self._stop
        self.stats.state = SessionState.STOPPED if stopped else SessionState.READY
        self.stats.tokens_exact = True
        self.stats.ctx_used = 50 * len(self.asked)
        yield TurnStats(len(self.asked), 123.0, 42.0, self.stats.tokens, True, 25.0, 12,
                        self.stats.ctx_used, 4096, "interrupted" if stopped else "eos")

    async def interrupt(self) -> None:
        self._stop = True

    async def restart(self, recap: str | None = None) -> None:
        await self.start()

    async def close(self) -> None:
        self.stats.state = SessionState.CLOSED
