"""What the ChatService reports, as frozen dataclasses (past tense or a state: no I/O, no UI).

Every consumer (the TUI's ChatScreen, `ask`, `chat --plain`, tests) sees the same stream;
`Transcript.apply` turns the turn events into the chat model. Text in events is already
cleaned (textsafe): consumers print or render it as plain text, never as markup.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Any


class TurnStatus(str, Enum):  # noqa: UP042 - str() and f-strings keep their meaning
    QUEUED = "queued"  # accepted, waiting for the engine (loading, or another answer)
    RETRIEVING = "retrieving"  # searching the local index / the web
    PREFILL = "prefill"  # sent to the model, no answer text yet
    GENERATING = "generating"
    DONE = "done"  # ended by the model (eos) or by max_tokens
    STOPPED = "stopped"  # the user stopped it
    FAILED = "failed"  # llama-cli crashed/hung/refused, or the app died mid-answer

    @property
    def finished(self) -> bool:
        return self in (TurnStatus.DONE, TurnStatus.STOPPED, TurnStatus.FAILED)


@dataclass(frozen=True)
class Source:
    """One numbered source of one turn: `[number]` in the prompt and in the answer."""

    number: int
    title: str
    location: str  # "path:line" or URL, control-free, for display
    origin: str = "local"  # "local" | "web"
    score: float | None = None
    text: str = ""  # the best passage
    before: str = ""  # the source's other passages, before and after it
    after: str = ""
    path: str = ""  # file path or URL, exactly (to open it)

    def as_json(self) -> dict[str, Any]:
        return {"n": self.number, "title": self.title, "location": self.location,
                "origin": self.origin, "score": self.score, "text": self.text,
                "before": self.before, "after": self.after, "path": self.path}


# -- engine lifecycle ---------------------------------------------------------------------
@dataclass(frozen=True)
class EngineStarting:
    """A llama-cli (or server) is being started; `restart` when one ran before."""

    model: str
    runtime: str  # binary path or server URL
    flavor: str
    ctx_size: int
    restart: bool = False


@dataclass(frozen=True)
class EngineReady:
    """The engine is at its prompt; queued turns are sent now."""

    model: str
    runtime: str
    flavor: str
    ctx_size: int
    load_ms: float | None
    warnings: tuple[str, ...] = ()  # parameters not passed, and why
    notice: str | None = None  # e.g. "restarted; given a recap of 3 earlier turns"


@dataclass(frozen=True)
class EngineFailed:
    """The engine could not start, or died. kind: missing | load | crash | hang.
    Queued turns wait; `ChatService.restart()` tries again."""

    kind: str
    message: str
    hint: str | None = None
    log_tail: tuple[str, ...] = ()
    error: Exception | None = field(default=None, compare=False, repr=False)  # CLI exit codes


@dataclass(frozen=True)
class EngineClosed:
    """close() finished: the stream ends after this event."""


# -- turns ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class TurnQueued:
    turn: int
    question: str  # cleaned: what the model will read (before retrieval adds sources)
    waiting: int = 0  # turns ahead of it


@dataclass(frozen=True)
class MessageRefused:
    """Nothing was queued. reason: "empty" (nothing left after cleaning) | "too_long"
    (cannot fit the context: `tokens` estimated vs `ctx_size`) | "closed"."""

    reason: str
    message: str  # one line to show the user
    text: str = ""  # the refused text (e.g. to offer adding a long paste to the index)
    tokens: int | None = None
    ctx_size: int | None = None


@dataclass(frozen=True)
class TurnStatusChanged:
    turn: int
    status: TurnStatus  # RETRIEVING, PREFILL or GENERATING


@dataclass(frozen=True)
class SourcesFound:
    turn: int
    sources: tuple[Source, ...]
    notes: tuple[str, ...] = ()  # e.g. "web search unavailable: ..."
    plan: dict | None = None  # prefill figures (chat/retrieval.py plan_figures), if planned


@dataclass(frozen=True)
class AnswerDelta:
    turn: int
    text: str


@dataclass(frozen=True)
class ContextFilling:
    """Context use passed 80 %: llama-cli will silently drop the oldest tokens."""

    turn: int
    ctx_used: int
    ctx_size: int


@dataclass(frozen=True)
class TurnEnded:
    """The last event of a turn. stop_reason: eos | max_tokens | interrupted | error."""

    turn: int
    status: TurnStatus  # DONE, STOPPED or FAILED
    stop_reason: str
    stats: dict[str, Any] | None = None  # engine TurnStats.as_json()
    partial: bool = False  # the answer was cut off (crash, hang, killed app)
    error: str | None = None


@dataclass(frozen=True)
class Notice:
    """Something to tell the user that is not an error of a turn. level: info|warning|error."""

    text: str
    level: str = "info"
    turn: int | None = None
    log_tail: tuple[str, ...] = field(default=())


@dataclass(frozen=True)
class TurnsDropped:
    """The context policy restarted the engine (or a resumed chat started) with a recap
    that leaves turns out of the model's view. They stay in the transcript and the file;
    the chat pane marks them. reason: "context" (before `turn`, the context was full) |
    "resume". policy: stop | truncate-middle | rolling."""

    turn: int | None
    dropped: tuple[int, ...]  # not told to the model at all
    summarised: tuple[int, ...] = ()  # told as their question only
    kept: tuple[int, ...] = ()  # told word for word
    policy: str = ""
    reason: str = "context"


ChatEvent = (EngineStarting | EngineReady | EngineFailed | EngineClosed | TurnQueued
             | MessageRefused | TurnStatusChanged | SourcesFound | AnswerDelta | ContextFilling
             | TurnEnded | Notice | TurnsDropped)
