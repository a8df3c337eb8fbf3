"""Context policy: what to do before a turn when the conversation outgrows the context.

The three LM Studio offers (issue #16), chosen by `[chat] context_policy` or per chat
(`ChatService(context_policy=make_policy(name, config))`, or set `service.policy`):
`stop` refuses the turn at the limit and says what to do; `truncate-middle` (default)
restarts the engine with the first exchange and the newest turns that fit; `rolling` with
the newest turns that fit. Restart happens *before* the context wraps, so llama-cli never
drops tokens silently; the dropped turns are reported (TurnsDropped) and stay in the
transcript and the file. A resumed chat's recap is planned the same way, sized by the
prefill-time budget (`recap_plan`). KeepContext (never restart) is for tests and callers
that manage the context themselves. What is refused outright (empty after cleaning, a
message that cannot fit at all) is `refusal`, which ChatService.submit applies for every
flavor.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from neuro_tui.chat import keep_turns
from neuro_tui.chat.events import MessageRefused, Notice, TurnsDropped
from neuro_tui.chat.transcript import Transcript, Turn
from neuro_tui.engine.timing import TEMPLATE_TOKENS_PER_TURN, estimate_tokens
from neuro_tui.errors import UsageError

MIN_ANSWER_TOKENS = 64  # a message must leave at least this much room for its answer


POLICIES = ("stop", "truncate-middle", "rolling")
FULL = 0.9  # act when the turn would take the context past this (estimates run ~10 % low)
TARGET = 0.6  # a restart leaves the context this full at most, so it is not every turn
RESUME_TOK_S = 128.0  # prompt tok/s when nothing is measured (SmolLM2, one core: #16)


@dataclass(frozen=True)
class ContextDecision:
    """What before_turn decided: restart with `recap`, or refuse the turn (`refusal`)."""

    recap: str | None = None
    refusal: str | None = None
    events: tuple = ()  # TurnsDropped / Notice for the stream, in order


class ContextPolicy(Protocol):
    def before_turn(self, transcript: Transcript, turn: Turn, prompt: str,
                    ctx_used: int | None, ctx_size: int) -> str | ContextDecision | None:
        """None to send `prompt` as it is; a recap (str) or a ContextDecision with one: the
        service restarts the engine with it (a fresh context) before sending; a decision
        with a refusal: the turn fails with that line."""
        ...


class KeepContext:
    """The default: never restarts on its own."""

    def before_turn(self, transcript: Transcript, turn: Turn, prompt: str,
                    ctx_used: int | None, ctx_size: int) -> str | None:
        return None


def message_tokens(text: str, system_prompt: str) -> int:
    """Estimated context a message needs: its text, the system prompt, the template."""
    return estimate_tokens(text) + estimate_tokens(system_prompt) + 2 * TEMPLATE_TOKENS_PER_TURN


def fits(text: str, system_prompt: str, ctx_size: int) -> bool:
    return ctx_size <= 0 or message_tokens(text, system_prompt) + MIN_ANSWER_TOKENS <= ctx_size


def refusal(text: str, question: str, config, closed: bool = False) -> MessageRefused | None:
    """Why `text` (cleaned: `question`) cannot be sent at all, or None. Checked before
    anything reaches the engine, the same way for every flavor."""
    if closed:
        return MessageRefused("closed", "the chat is closed", text)
    if not question:
        why = ("message refused: nothing is left after removing control characters"
               if text.strip() else "message refused: it is empty")
        return MessageRefused("empty", why, text)
    ctx = int(getattr(config, "ctx_size", 0) or 0)
    system = str(getattr(config, "system_prompt", "") or "")
    if fits(question, system, ctx):
        return None
    tokens = message_tokens(question, system)
    return MessageRefused("too_long", (
        f"message refused: about {tokens} tokens, the context holds {ctx} "
        f"({len(question)} characters); add the text to the local index as a source "
        "instead (neuro-tui index FILE) and ask about it"), question, tokens, ctx)


class TurnPolicy:
    """stop | truncate-middle | rolling over one config (system prompt, answer room)."""

    def __init__(self, name: str | None, config, prefill_tok_s: float | None = None, *,
                 until_config_changes: bool = False) -> None:
        """name None: follow `config.context_policy` as it changes (model screen, palette).
        until_config_changes: `name` (a resumed chat's own) holds until the config's choice
        is set again (F10, the palette), then the config is followed: also when the value
        picked is the one the config already had (the user's explicit choice wins)."""
        chosen = name or _configured(config)
        if chosen not in POLICIES:
            raise UsageError(f"unknown context policy {chosen!r}: use one of "
                             + ", ".join(POLICIES), hint="[chat] context_policy")
        self._name, self.config = name, config
        self._seen = _choice(config) if until_config_changes and name else None
        self.prefill_tok_s = prefill_tok_s  # fixed by the caller; else measured or RESUME_TOK_S
        self.rate_used = (prefill_tok_s or RESUME_TOK_S, False)  # (tok/s, measured) last used
        self._pending: tuple = ()
        self.recap_turns = 0  # turns the last recap_plan holds (verbatim or as a question)

    @property
    def name(self) -> str:
        if self._seen is not None and _choice(self.config) != self._seen:
            self._name = self._seen = None  # the user chose another one: follow the config
        live = self._name or _configured(self.config)
        return live if live in POLICIES else "truncate-middle"

    def _reserve(self, ctx_size: int) -> int:
        answer = int(getattr(self.config, "max_tokens", 0) or 0)
        return min(answer, ctx_size // 4) if answer > 0 else ctx_size // 4

    def _system(self) -> int:
        return keep_turns.cost(str(getattr(self.config, "system_prompt", "") or ""))

    def before_turn(self, transcript, turn, prompt, ctx_used, ctx_size):
        if not ctx_size:
            return None
        need = estimate_tokens(prompt) + TEMPLATE_TOKENS_PER_TURN + self._reserve(ctx_size)
        used = ctx_used if ctx_used is not None else self._system()
        if used + need <= FULL * ctx_size:
            return None
        if self.name == "stop":
            line = (f"context full (about {used} of {ctx_size} tokens used, this turn needs "
                    f"~{need} more): start a new chat, fork from an earlier turn (Ctrl+S, f), "
                    "or switch the context policy (F10) to truncate-middle or rolling")
            return ContextDecision(refusal=line,
                                   events=(Notice(f"turn {turn.number} not sent: {line}",
                                                  "warning", turn.number),))
        budget = int(TARGET * ctx_size) - self._system() - need
        plan = keep_turns.plan(transcript.finished_turns, budget,
                               keep_first=self.name == "truncate-middle")
        return ContextDecision(recap=plan.recap,
                               events=self._said(plan, turn.number, "context"))

    def recap_plan(self, transcript, config=None, measured_tok_s: float | None = None
                   ) -> keep_turns.KeepPlan:
        """The recap of a fresh engine for this chat (resume, restart after a crash): the
        newest turns word for word, older ones by their question, within the prefill-time
        budget (at `measured_tok_s`, this model's measured prompt speed: engine/tune.py,
        else RESUME_TOK_S) and the context; its TurnsDropped/Notice wait for pop_events()."""
        config = config or self.config
        ctx = int(getattr(config, "ctx_size", 4096) or 4096)
        seconds = float(getattr(config, "prefill_seconds", 1.5) or 1.5)
        rate = self.prefill_tok_s or measured_tok_s or RESUME_TOK_S
        self.rate_used = (rate, not self.prefill_tok_s and bool(measured_tok_s))
        budget = min(int(seconds * rate),
                     int(TARGET * ctx) - self._system() - self._reserve(ctx))
        plan = keep_turns.plan(transcript.finished_turns, budget,
                               keep_first=self.name == "truncate-middle", summarise=True)
        self._pending = self._said(plan, None, "resume") if not plan.complete else ()
        self.recap_turns = len(plan.verbatim) + len(plan.summarised)
        return plan

    def pop_events(self) -> tuple:
        events, self._pending = self._pending, ()
        return events

    def _said(self, plan: keep_turns.KeepPlan, turn: int | None, reason: str) -> tuple:
        if plan.complete:
            return ()
        parts = [f"turns {keep_turns.spans(plan.verbatim)} word for word"] if plan.verbatim \
            else ["no earlier turn word for word"]
        if plan.summarised:
            parts.append(f"the questions of {keep_turns.spans(plan.summarised)}")
        if plan.dropped:
            parts.append(f"not {keep_turns.spans(plan.dropped)}")
        rate, measured = self.rate_used
        why = ("the context was full" if reason == "context"
               else "a resumed chat's recap is kept within the prefill-time budget ("
               f"{rate:.0f} prompt tok/s, {'measured' if measured else 'not measured'})")
        text = f"{why}: the model now sees {', '.join(parts)} ({self.name})"
        return (TurnsDropped(turn, plan.dropped, plan.summarised, plan.verbatim, self.name,
                             reason), Notice(text, "info", turn))


def _configured(config) -> str:
    return str(getattr(config, "context_policy", "") or "truncate-middle")


def _choice(config) -> tuple[str, int]:
    """The configured policy and how often it was set (Config.changes): picking the
    value it already had is a new choice too."""
    changes = getattr(config, "__dict__", {}).get("changes") or {}
    return _configured(config), changes.get("context_policy", 0)


def make_policy(name: str | None, config, prefill_tok_s: float | None = None, *,
                until_config_changes: bool = False):
    """The policy `name`, or (None) the one config names, followed as config changes."""
    return TurnPolicy(name, config, prefill_tok_s, until_config_changes=until_config_changes)


def measured_prefill_tok_s(spec, config) -> float | None:
    """This llama-cli + model's measured prompt speed (engine/tune.py's cache, never a new
    measurement), as chat/retrieval.py sizes sources; None when not measured or not a
    llama-cli (the server engine's spec has an endpoint, no binary to time)."""
    if spec is None or getattr(spec, "endpoint", None) is not None \
            or not getattr(spec, "binary", None) or not getattr(spec, "model", None):
        return None
    from neuro_tui.engine import tune

    try:
        tuning = tune.for_spec(spec, int(getattr(config, "threads", 0) or 0),
                               int(getattr(config, "threads_batch", 0) or 0))
    except (OSError, TypeError, ValueError):
        return None
    return tuning.prefill_tok_s if tuning.measured and tuning.prefill_tok_s > 0 else None
