"""The counts and clocks of one server answer: TTFT and a live rate from the stream's
deltas, replaced by the server's exact figures (llama-server `timings`, OpenAI `usage`)
when they arrive with the last chunk. Apart from the turn's reading loop
(engine/server_turn.py) because it is pure bookkeeping on LiveStats: no I/O.
"""

from __future__ import annotations

import time

from neuro_tui.engine.events import SessionState, TurnStats
from neuro_tui.engine.openai_stream import Chunk


class Figures:
    """Counts and clocks of one answer; exact numbers replace the estimates when they come."""

    def __init__(self, session, turn: int):
        self.session, self.turn = session, turn
        self.t_send = time.monotonic()
        self.t_first = self.t_last = None
        self.deltas = 0
        self.timings = self.usage = None
        self.finish = None
        s = session.stats
        s.ttft_ms, s.tokens, s.tok_s, s.tokens_exact = None, 0, None, False
        s.gen_tok_s_reported = s.prompt_tok_s = None

    def text(self) -> None:
        now = time.monotonic()
        s = self.session.stats
        if self.t_first is None:
            self.t_first = now
            s.ttft_ms = (now - self.t_send) * 1000
            s.state = SessionState.GENERATING
        self.t_last, self.deltas = now, self.deltas + 1
        s.tokens = self.deltas
        if self.deltas > 1 and now > self.t_first:
            s.tok_s = (self.deltas - 1) / (now - self.t_first)

    def chunk(self, chunk: Chunk) -> None:
        self.timings = chunk.timings or self.timings
        self.usage = chunk.usage or self.usage
        self.finish = chunk.finish or self.finish

    def finish_stats(self, stop_reason: str) -> TurnStats:
        s, t, u = self.session.stats, self.timings or {}, self.usage or {}
        exact = t.get("predicted_n", u.get("completion_tokens"))
        if isinstance(exact, int):
            s.tokens, s.tokens_exact = exact, True
            if self.t_first is not None and self.t_last and self.t_last > self.t_first:
                s.tok_s = max(exact - 1, 0) / (self.t_last - self.t_first) or s.tok_s
        prompt = u.get("prompt_tokens")
        if not isinstance(prompt, int) and isinstance(t.get("prompt_n"), int):
            prompt = t["prompt_n"] + int(t.get("cache_n") or 0)
        if isinstance(prompt, int):
            s.prompt_tokens, s.prompt_exact = prompt, True
            s.ctx_used = prompt + s.tokens
            s.ctx_exact = s.tokens_exact  # the server's own counts, both halves
        s.gen_tok_s_reported = t.get("predicted_per_second")
        s.prompt_tok_s = t.get("prompt_per_second")
        self.session.last_timings, self.session.last_usage = self.timings, self.usage
        now = time.monotonic()
        return TurnStats(
            turn=self.turn, load_ms=s.load_ms, ttft_ms=s.ttft_ms, tokens=s.tokens,
            tokens_exact=s.tokens_exact, tok_s=s.tok_s, prompt_tokens=s.prompt_tokens,
            ctx_used=s.ctx_used, ctx_size=s.ctx_size, stop_reason=stop_reason,
            total_ms=(now - self.t_send) * 1000, prompt_tok_s=s.prompt_tok_s,
            gen_tok_s_reported=s.gen_tok_s_reported)
