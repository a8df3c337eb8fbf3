"""What the user sees while llama-cli reads the prompt (it prints nothing meanwhile).

From the prefill plan of the turn (chat/retrieval.py `plan_figures`: prompt tokens and the
seconds expected at this model's measured prompt speed) and the wall time since the prompt
was sent, a countdown: "reading sources: 812 tokens, ~3.1 s left". The status line and the
timing overlay show it from TurnStatusChanged(PREFILL) until the first answer text.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field


@dataclass(frozen=True)
class PrefillClock:
    turn: int
    tokens: int
    expected_s: float
    measured: bool = True  # False: the rate is the conservative default, not measured here
    started: float = field(default_factory=time.monotonic)

    @classmethod
    def from_plan(cls, turn: int, plan: dict | None) -> PrefillClock | None:
        """None when the turn had no plan (no sources asked for) or nothing to read."""
        if not plan or not plan.get("prompt_tokens"):
            return None
        return cls(turn, int(plan["prompt_tokens"]), float(plan.get("expected_s") or 0.0),
                   bool(plan.get("rate_measured", True)))

    def elapsed(self, now: float | None = None) -> float:
        return (time.monotonic() if now is None else now) - self.started

    def line(self, now: float | None = None) -> str:
        elapsed = self.elapsed(now)
        left = self.expected_s - elapsed
        head = f"reading sources: {self.tokens} tokens, "
        if left >= 0.05:
            guess = "" if self.measured else " (rate not measured yet)"
            return f"{head}~{left:.1f} s left{guess} · Esc stops"
        return (f"{head}longer than the ~{self.expected_s:.1f} s expected "
                f"({elapsed:.1f} s so far) · Esc stops")
