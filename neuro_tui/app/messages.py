"""Messages the app's widgets post (past tense: they report what happened)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from textual.message import Message


class MessageSubmitted(Message):
    """The user pressed Enter in the chat input."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text


class AnswerStarted(Message):
    def __init__(self, turn: int) -> None:
        super().__init__()
        self.turn = turn


class AnswerStreamed(Message):
    """Answer text arrived. Fragments that arrive before the app handles this message are
    added to it (`extend`), so a fast producer costs one message per frame, not per token."""

    def __init__(self, turn: int, text: str) -> None:
        super().__init__()
        self.turn = turn
        self.parts = [text]
        self.consumed = False

    def extend(self, text: str) -> bool:
        """Add a fragment; False once the app has taken the text (post a new message)."""
        if self.consumed:
            return False
        self.parts.append(text)
        return True

    def take(self) -> str:
        self.consumed = True
        return "".join(self.parts)

    @property
    def text(self) -> str:
        return "".join(self.parts)


class AnswerFinished(Message):
    def __init__(self, turn: int, stop_reason: str, stats: dict[str, Any] | None) -> None:
        super().__init__()
        self.turn = turn
        self.stop_reason = stop_reason
        self.stats = stats


class SourcesRetrieved(Message):
    def __init__(self, turn: int, sources: list[Any]) -> None:
        super().__init__()
        self.turn = turn
        self.sources = sources


class SessionFailed(Message):
    """llama-cli crashed, hung, failed to load, or the model/runtime is missing."""

    def __init__(self, kind: str, message: str, log_tail: list[str] | None = None) -> None:
        super().__init__()
        self.kind = kind
        self.message = message
        self.log_tail = log_tail or []


class SessionLoaded(Message):
    """llama-cli loaded the model and is at its prompt."""


class CitationClicked(Message):
    """A `[n]` marker in answer `turn` was clicked."""

    def __init__(self, turn: int, number: int) -> None:
        super().__init__()
        self.turn = turn
        self.number = number


class SourceSelected(Message):
    def __init__(self, source: Any) -> None:
        super().__init__()
        self.source = source


class SourceOpened(Message):
    def __init__(self, source: Any) -> None:
        super().__init__()
        self.source = source


@dataclass
class SourceView:
    """What the UI shows of one retrieved source, whatever the retrieval module returns."""

    number: int
    title: str
    location: str  # path:line or URL
    score: float | None
    kind: str  # "local" | "web"
    text: str = ""
    before: str = ""
    after: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {"n": self.number, "title": self.title, "location": self.location,
                "score": self.score, "kind": self.kind, "text": self.text}
