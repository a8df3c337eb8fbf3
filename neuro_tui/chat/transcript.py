"""The chat as one model: a Transcript of Turns, changed only by `apply(event)`.

Why immutable: the TUI keeps it in a reactive (a new object is a change widgets see), the
service and the chat store read the same object, and `apply` is a pure function a test can
drive without an engine. Turn numbers are assigned by ChatService.submit alone (TurnQueued
carries them); `apply` never invents one.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from neuro_tui.chat.events import (
    AnswerDelta,
    ChatEvent,
    Source,
    SourcesFound,
    TurnEnded,
    TurnQueued,
    TurnStatus,
    TurnStatusChanged,
)


@dataclass(frozen=True)
class Turn:
    number: int  # 1, 2, ... within the chat
    question: str
    answer: str = ""
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

    @property
    def finished_turns(self) -> tuple[Turn, ...]:
        return tuple(t for t in self.turns if t.finished)

    # -- changing ------------------------------------------------------------------------
    def apply(self, event: ChatEvent) -> Transcript:
        """The transcript after `event` (self when the event does not change it)."""
        if isinstance(event, TurnQueued):
            return replace(self, turns=self.turns + (Turn(event.turn, event.question),))
        if isinstance(event, AnswerDelta):
            return self._update(event.turn, lambda t: replace(
                t, answer=t.answer + event.text, status=TurnStatus.GENERATING))
        if isinstance(event, TurnStatusChanged):
            return self._update(event.turn, lambda t: replace(t, status=event.status))
        if isinstance(event, SourcesFound):
            return self._update(event.turn, lambda t: replace(t, sources=event.sources))
        if isinstance(event, TurnEnded):
            return self._update(event.turn, lambda t: replace(
                t, status=event.status, stop_reason=event.stop_reason, stats=event.stats,
                partial=event.partial, error=event.error))
        return self

    def with_meta(self, **changes: Any) -> Transcript:
        """chat_id, title, model or created changed (renames, a new model)."""
        return replace(self, **changes)

    def _update(self, number: int, change) -> Transcript:
        turns = list(self.turns)
        for i in range(len(turns) - 1, -1, -1):
            if turns[i].number == number:
                turns[i] = change(turns[i])
                return replace(self, turns=tuple(turns))
        return self
