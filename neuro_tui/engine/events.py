"""What a llama-cli conversation reports, as plain data (no UI, no I/O)."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum


class Flavor(str, Enum):  # noqa: UP042 - str() and f-strings keep their meaning
    """The three interactive protocols (docs/architecture.md, "Three llama-cli protocols")."""

    BITNET = "bitnet"  # bitnet.cpp fork of upstream's main.cpp: -cnv, -p is the system prompt
    # upstream main.cpp in conversation mode (-cnv, -sys): llama-cli up to late 2025, then
    # the `llama-completion` program (0.3.16's llama-cli, 0.3.36's llama-completion)
    UPSTREAM_CNV = "old"
    # upstream's chat CLI built on the server internals (0.3.36's llama-cli): no -cnv
    UPSTREAM_CHAT = "new"
    # The values stay "old"/"new": they are in runtime folder names, the flavor cache and
    # `runtime list`. Aliases for code not renamed yet (main's protocol.py, tune.py):
    # remove once nothing uses them.
    OLD = "old"
    NEW = "new"


class SessionState(str, Enum):  # noqa: UP042
    IDLE = "idle"  # not started
    LOADING = "loading"
    READY = "ready"
    PREFILL = "prefill"  # message sent, no answer byte yet
    GENERATING = "generating"
    STOPPED = "stopped"  # answer interrupted by the user, back at the prompt
    CRASHED = "crashed"
    CLOSED = "closed"


@dataclass(frozen=True)
class AnswerText:
    """A fragment of answer text, control sequences already stripped."""

    text: str


@dataclass(frozen=True)
class TurnStats:
    """Timing of one turn; `tokens_exact` is False while `tokens` is an estimate."""

    turn: int
    load_ms: float | None
    ttft_ms: float | None
    tokens: int
    tokens_exact: bool
    tok_s: float | None
    prompt_tokens: int | None
    ctx_used: int | None
    ctx_size: int | None
    stop_reason: str  # "eos" | "max_tokens" | "interrupted" | "error"
    total_ms: float | None = None
    prompt_tok_s: float | None = None  # from the new protocol's per-turn line
    gen_tok_s_reported: float | None = None  # llama-cli's own generation rate, when it says it

    def as_json(self) -> dict:
        return {
            "turn": self.turn,
            "load_ms": self.load_ms,
            "ttft_ms": self.ttft_ms,
            "tokens": self.tokens,
            "tokens_exact": self.tokens_exact,
            "tok_s": self.tok_s,
            "prompt_tokens": self.prompt_tokens,
            "ctx_used": self.ctx_used,
            "ctx_size": self.ctx_size,
        }


@dataclass(frozen=True)
class SessionError:
    """llama-cli crashed, hung, or failed to load; `partial` marks a cut-off answer."""

    message: str
    kind: str  # "crash" | "hang" | "load" | "missing" | "context"
    exit_code: int | None = None
    signal: int | None = None
    log_tail: list[str] = field(default_factory=list)
    partial: bool = False


@dataclass
class Exchange:
    """One finished (or cut-off) turn as the engine and the recap see it."""

    user: str
    answer: str
    partial: bool = False  # cut off by a crash/hang (interrupts and max_tokens are not)


@dataclass(frozen=True)
class ContextWarning:
    """Context use is near the ctx size: older turns will be dropped silently by llama-cli."""

    ctx_used: int
    ctx_size: int


@dataclass(frozen=True)
class EngineNotice:
    """Something the user should read that is not an answer (e.g. "server busy, retrying")."""

    message: str


Event = AnswerText | TurnStats | SessionError | ContextWarning | EngineNotice
