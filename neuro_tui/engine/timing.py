"""Per-turn timing measured in the engine, and llama-cli's own figures when it gives them.

Why estimates: llama-cli only says exact token counts in its perf lines, and those come at
exit (old protocol); the new protocol says rates, not counts. While a turn runs, one pty
read is about one token when the reader keeps up (see the protocol notes), so the read
count is the live estimate, labelled `tokens_exact=False`. Context use is tracked here
because llama-cli drops old tokens silently when the context fills; its parts are counted
exactly where the runtime allows it (`ctx_exact`, engine/context_count.py).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from neuro_tui.engine.events import ContextWarning, SessionState, TurnStats

CTX_WARN_FRACTION = 0.8  # warn when this much of the context is used
TEMPLATE_TOKENS_PER_TURN = 8  # chat-template tokens around each message (ChatML-like)


def estimate_tokens(text: str) -> int:
    """~4 characters per token for English BPE vocabularies; an estimate, never shown as exact."""
    return max(1, (len(text.encode("utf-8")) + 3) // 4) if text else 0


@dataclass
class LiveStats:
    """Implements engine.base.LiveStats: read it at any time (e.g. 4x a second)."""

    state: SessionState = SessionState.IDLE
    load_ms: float | None = None
    ttft_ms: float | None = None
    tokens: int = 0
    tokens_exact: bool = False
    tok_s: float | None = None
    prompt_tokens: int | None = None
    prompt_exact: bool = False  # counted by the model's tokenizer or the server
    ctx_used: int | None = None
    ctx_exact: bool = False  # every part of ctx_used counted (not estimated)
    ctx_size: int | None = None
    rss_bytes: int | None = None
    cpu_percent: float | None = None
    gen_tok_s_reported: float | None = None
    prompt_tok_s: float | None = None


class TurnClock:
    """One turn: Enter -> first answer byte -> each read with text -> back at the prompt."""

    def __init__(self, turn: int, stats: LiveStats, prompt_tokens: int):
        self.turn, self.stats = turn, stats
        self.t_send = time.monotonic()
        self.t_first: float | None = None
        self.t_last: float | None = None
        self.reads = 0
        stats.ttft_ms, stats.tokens, stats.tok_s, stats.tokens_exact = None, 0, None, False
        stats.prompt_tokens, stats.prompt_exact = prompt_tokens, False
        stats.gen_tok_s_reported = stats.prompt_tok_s = None

    def first_byte(self) -> None:
        if self.t_first is None:
            self.t_first = time.monotonic()
            self.stats.ttft_ms = (self.t_first - self.t_send) * 1000

    def text_read(self, tokens: int = 1) -> None:
        self.first_byte()
        self.t_last = time.monotonic()
        self._tokens(self.reads + tokens)

    def counted(self, tokens: int) -> None:
        """The answer's exact token count (its text through the model's tokenizer, at the end
        of the turn): replaces the read estimate, and the rate is taken over it."""
        self.stats.tokens_exact = True
        self._tokens(tokens)

    def _tokens(self, tokens: int) -> None:
        self.reads = self.stats.tokens = tokens
        if self.t_first is None or self.t_last is None:
            return
        elapsed = self.t_last - self.t_first
        if tokens > 1 and elapsed > 0:
            self.stats.tok_s = (tokens - 1) / elapsed  # tokens after the first / their time

    def finish(self, stop_reason: str) -> TurnStats:
        now = time.monotonic()
        s = self.stats
        return TurnStats(
            turn=self.turn, load_ms=s.load_ms, ttft_ms=s.ttft_ms, tokens=s.tokens,
            tokens_exact=s.tokens_exact, tok_s=s.tok_s, prompt_tokens=s.prompt_tokens,
            ctx_used=s.ctx_used, ctx_size=s.ctx_size, stop_reason=stop_reason,
            total_ms=(now - self.t_send) * 1000, prompt_tok_s=s.prompt_tok_s,
            gen_tok_s_reported=s.gen_tok_s_reported,
        )


class ContextTracker:
    """Tokens in llama-cli's context, part by part (system prompt, each message, each answer):
    estimated when sent, replaced by the exact count when one lands (engine/context_count.py)
    or by llama-cli's own total (the chat CLI's log); one warning before it wraps."""

    def __init__(self, stats: LiveStats, ctx_size: int, system_text: str):
        self.stats = stats
        stats.ctx_size = ctx_size
        self.parts: list[tuple[int, bool]] = []
        self.warned = False
        self.counter = None  # engine/context_count.ExactCounter where the runtime allows it
        self.part(estimate_tokens(system_text) + TEMPLATE_TOKENS_PER_TURN)

    def part(self, tokens: int, exact: bool = False) -> int:
        """A new part of the context; its index, for settle()."""
        self.parts.append((tokens, exact))
        self._sum()
        return len(self.parts) - 1

    def add(self, tokens: int) -> ContextWarning | None:
        self.part(tokens)
        return self.check()

    def settle(self, index: int, tokens: int) -> None:
        """The exact count of one part."""
        if 0 <= index < len(self.parts):
            self.parts[index] = (tokens, True)
            self._sum()

    def counted_all(self, tokens: int) -> None:
        """llama-cli said how many tokens its context holds: that is all of it."""
        self.parts = [(tokens, True)]
        self._sum()

    def check(self) -> ContextWarning | None:
        s = self.stats
        if not self.warned and s.ctx_size and (s.ctx_used or 0) >= CTX_WARN_FRACTION * s.ctx_size:
            self.warned = True
            return ContextWarning(ctx_used=s.ctx_used, ctx_size=s.ctx_size)
        return None

    def _sum(self) -> None:
        self.stats.ctx_used = sum(tokens for tokens, _ in self.parts)
        self.stats.ctx_exact = all(exact for _, exact in self.parts)


class ProcessProbe:
    """llama-cli's RSS and CPU% via psutil (None when the process is gone)."""

    def __init__(self, pid: int | None):
        self.proc = None
        try:
            import psutil

            self.proc = psutil.Process(pid) if pid else None
            if self.proc:
                self.proc.cpu_percent(None)  # prime: the next call measures since now
        except Exception:
            self.proc = None

    def cpu_seconds(self) -> float | None:
        """CPU time used so far: a silent llama-cli that still burns CPU is busy, not hung."""
        try:
            times = self.proc.cpu_times() if self.proc else None
        except Exception:
            return None
        return times.user + times.system if times else None

    def sample(self, stats: LiveStats) -> None:
        if self.proc is None:
            return
        try:
            with self.proc.oneshot():
                stats.rss_bytes = self.proc.memory_info().rss
                stats.cpu_percent = self.proc.cpu_percent(None)
        except Exception:
            stats.rss_bytes = stats.cpu_percent = None
            self.proc = None
