"""The contract between the engine and whoever drives it (TUI, `ask`, `chat --plain`).

`LlamaSession` in engine/session.py implements it over a pexpect pty; tests and the TUI's
snapshot fixtures may drive any object that satisfies this Protocol.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Protocol

from neuro_tui.engine.events import Event, SessionState
from neuro_tui.engine.params import SessionSpec


class LiveStats(Protocol):
    """Figures that change during a turn; read them at any time (e.g. 4x a second)."""

    state: SessionState
    load_ms: float | None
    ttft_ms: float | None
    tokens: int  # of the current/last answer (estimate while generating)
    tokens_exact: bool
    tok_s: float | None
    prompt_tokens: int | None
    prompt_exact: bool  # prompt_tokens is counted, not estimated
    ctx_used: int | None
    ctx_exact: bool  # ctx_used is counted, not estimated, in every part
    ctx_size: int | None
    rss_bytes: int | None
    cpu_percent: float | None


class ChatSession(Protocol):
    spec: SessionSpec

    @property
    def state(self) -> SessionState: ...

    @property
    def stats(self) -> LiveStats: ...

    @property
    def log_path(self) -> Path | None:
        """llama-cli's own stderr log (startup lines, perf lines) for the log view."""
        ...

    async def start(self) -> None:
        """Spawn llama-cli and wait for the first prompt marker; raises on load failure."""
        ...

    def ask(self, text: str) -> AsyncIterator[Event]:
        """Send one user message; yields AnswerText fragments, then one TurnStats (or a
        SessionError). Raises ValueError for an empty message. Fragments may still hold
        control characters: the chat core cleans every engine's text once (textsafe)."""
        ...

    async def interrupt(self) -> None:
        """Stop the current answer (Ctrl+C semantics); the process stays alive."""
        ...

    async def restart(self, recap: str | None = None) -> None:
        """Start a fresh process; `recap` summarises earlier turns in the system prompt
        ("" for none). On a session never started, this starts it with that recap
        (ChatService resumes a saved chat this way). Never put the recap on a command
        line (`ps` shows it to every local user)."""
        ...

    async def close(self) -> None:
        """End the process cleanly (EOF/SIGHUP, then kill); never leaves an orphan."""
        ...
