"""The chat as one model: a Transcript of Turns, changed only by `apply(event)`.

Why immutable: the TUI keeps it in a reactive (a new object is a change widgets see), the
service and the chat store read the same object, and `apply` is a pure function a test can
drive without an engine. Turn numbers are assigned by ChatService.submit alone (TurnQueued
carries them); `apply` never invents one.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from neuro_tui.chat.answer_text import AnswerField, grown
from neuro_tui.chat.events import (
    AnswerDelta,
    ChatEvent,
    Source,
    SourcesFound,
    TurnEnded,
    TurnQueued,
    TurnsDropped,
    TurnStatus,
    TurnStatusChanged,
)


@dataclass(frozen=True)
class Turn:
    number: int  # 1, 2, ... within the chat
    question: str
    answer: str = AnswerField()  # a str to readers; shared while it streams (answer_text.py)
    sources: tuple[Source, ...] = ()
    status: TurnStatus = TurnStatus.QUEUED
    stop_reason: str | None = None  # eos | max_tokens | interrupted | error
    stats: dict[str, Any] | None = None
    partial: bool = False  # cut off: crash, hang, or the app died before the turn ended
    error: str | None = None

    @property
    def finished(self) -> bool:
        return self.status.finished

    def source(self, number: int) -> Source | None:
        return next((s for s in self.sources if s.number == number), None)


@dataclass(frozen=True)
class Transcript:
    turns: tuple[Turn, ...] = ()
    chat_id: str = ""
    title: str = ""
    model: str = ""
    created: float = 0.0
    problems: tuple[str, ...] = field(default=(), compare=False)  # what loading skipped
    context_policy: str = ""  # the chat's own choice ("" = the config's), saved in its file
    drops: tuple[TurnsDropped, ...] = ()  # where turns left the model's view, saved too

    # -- reading -------------------------------------------------------------------------
    def at(self, number: int) -> Turn | None:
        """The turn with this number (None if there is none)."""
        for turn in reversed(self.turns):
            if turn.number == number:
                return turn
        return None

    @property
    def last(self) -> Turn | None:
        return self.turns[-1] if self.turns else None

    @property
    def next_number(self) -> int:
        return (self.turns[-1].number + 1) if self.turns else 1

    @property
    def pending(self) -> tuple[Turn, ...]:
        """Turns not finished yet, oldest first (the running one, then the queue)."""
        return tuple(t for t in self.turns if not t.finished)

    def drops_before(self, number: int) -> tuple[TurnsDropped, ...]:
        """The dropped-turn marks to show just before turn `number` (a resumed chat)."""
        return tuple(d for d in self.drops if drop_position(d) == number)

    @property
    def finished_turns(self) -> tuple[Turn, ...]:
        return tuple(t for t in self.turns if t.finished)

    # -- changing ------------------------------------------------------------------------
    def apply(self, event: ChatEvent) -> Transcript:
        """The transcript after `event` (self when the event does not change it)."""
        if isinstance(event, TurnQueued):
            return replace(self, turns=self.turns + (Turn(event.turn, event.question),))
        if isinstance(event, AnswerDelta):  # per token: no copy of the answer or the turns
            return self._update(event.turn, lambda t: _copy(
                t, _answer=grown(t.__dict__["_answer"], event.text),
                status=TurnStatus.GENERATING), fast=True)
        if isinstance(event, TurnStatusChanged):
            return self._update(event.turn, lambda t: replace(t, status=event.status))
        if isinstance(event, SourcesFound):
            return self._update(event.turn, lambda t: replace(t, sources=event.sources))
        if isinstance(event, TurnEnded):
            return self._update(event.turn, lambda t: replace(
                t, status=event.status, stop_reason=event.stop_reason, stats=event.stats,
                partial=event.partial, error=event.error))
        if isinstance(event, TurnsDropped):
            return replace(self, drops=self.drops + (event,))
        return self

    def with_meta(self, **changes: Any) -> Transcript:
        """chat_id, title, model or created changed (renames, a new model)."""
        return replace(self, **changes)

    def _update(self, number: int, change, fast: bool = False) -> Transcript:
        if fast and self.turns and self.turns[-1].number == number:  # the streaming turn
            return _copy(self, turns=(*self.turns[:-1], change(self.turns[-1])))
        turns = list(self.turns)
        for i in range(len(turns) - 1, -1, -1):
            if turns[i].number == number:
                turns[i] = change(turns[i])
                return replace(self, turns=tuple(turns))
        return self


def _copy(obj, **changes):
    """dataclasses.replace without __init__ (3x faster, and keeps a shared answer)."""
    new = object.__new__(type(obj))
    new.__dict__.update(obj.__dict__, **changes)
    return new


def drop_position(mark: TurnsDropped) -> int:
    """The turn a mark sits before: the turn the policy restarted for, or (a resume) the
    one after the newest turn the plan looked at."""
    if mark.turn is not None:
        return mark.turn
    return max(mark.dropped + mark.summarised + mark.kept, default=0) + 1
