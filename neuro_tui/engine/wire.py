"""What the stream parser (protocol.py) reports: plain data, one class per kind of event."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Ready:
    """The first prompt marker: the model is loaded."""


@dataclass(frozen=True)
class FirstByte:
    """The first answer byte of this turn arrived (TTFT)."""


@dataclass(frozen=True)
class Text:
    text: str


@dataclass(frozen=True)
class AnswerBytes:
    """This read carried answer bytes (newlines too, or bytes the parser still holds): about
    `tokens` tokens, for live counts and the max-tokens stop."""

    tokens: int = 1


@dataclass(frozen=True)
class Speeds:
    """New protocol's `[ Prompt: X t/s | Generation: Y t/s ]` line."""

    prompt_tok_s: float
    gen_tok_s: float


@dataclass(frozen=True)
class TurnEnd:
    """Back at the prompt."""


@dataclass(frozen=True)
class MaybeEnd:
    """Uncoloured `\\r\\n> `: the end, unless more bytes follow (call confirm_end())."""


@dataclass(frozen=True)
class CursorQuery:
    """The child asked for the cursor position (`ESC[6n`) and blocks until answered."""
