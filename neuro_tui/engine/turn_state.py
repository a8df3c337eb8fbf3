"""What one llama-cli turn works on: the TurnState the session hands over, and the small
public session API (TurnHost) a turn may call back. No other session member is reachable.

Why a module of its own: the session builds and keeps these (interrupt, drain, and the late
Ctrl+C check before the next turn) and engine/turn.py runs on them; neither imports the
other's internals, so there is no import cycle.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import Protocol

from neuro_tui.engine.events import Exchange, SessionState
from neuro_tui.engine.params import SessionSpec
from neuro_tui.engine.protocol import StreamParser, TurnEnd
from neuro_tui.engine.ptyproc import PtyProcess
from neuro_tui.engine.sanitize import Prepared
from neuro_tui.engine.timing import ContextTracker, LiveStats, ProcessProbe, TurnClock

QUIET_CONFIRM_S = 0.3  # quiet after a bare "> " that makes it the end of the turn


class TurnHost(Protocol):
    """What a turn may ask of its session (LlamaSession implements it)."""

    history: list[Exchange]

    def why(self) -> list[str]: ...  # the log lines that say why llama-cli stopped

    def exit_text(self) -> str: ...  # "exit code 1" / "killed by signal 9 (SIGKILL)"

    async def respawn(self) -> None: ...  # fresh llama-cli, told its history as a recap


@dataclass
class TurnState:
    """One turn, all of it: the process link and figures the session hands over, and what
    the turn keeps as it runs. The session keeps the last one (interrupt, drain, and the
    late Ctrl+C check before the next turn)."""

    number: int
    prepared: Prepared
    proc: PtyProcess
    parser: StreamParser
    queue: asyncio.Queue
    stats: LiveStats
    spec: SessionSpec
    probe: ProcessProbe
    context: ContextTracker
    max_tokens: int = 0  # the session stops the answer here by Ctrl+C (0: llama-cli does)
    counts_in_log: bool = False  # llama-cli logs the turn's exact counts (args.count_args)
    parts: list[str] = field(default_factory=list)  # the answer's text so far
    shown: int = 0  # words of the answer shown so far (the max-tokens cap)
    errors: list[str] = field(default_factory=list)
    stop_reason: str = "eos"
    interrupting: bool = False  # our Ctrl+C was sent during this turn
    done: bool = False
    message_part: int = -1  # the message's part of the context (ContextTracker)
    abandoned: bool = False  # the caller stopped iterating mid-answer: drain before the next
    late_ctrl_c: bool = False  # our Ctrl+C may have landed at the prompt (llama-cli quit)
    clock: TurnClock | None = None  # set when the message is written
    cpu_seen: float | None = None  # llama-cli's CPU seconds when last checked (hang rule)
    last_byte_at: float = 0.0
    log_offset: int = 0  # size of llama-cli's log when the message was sent

    @property
    def answer(self) -> str:
        return "".join(self.parts)

    def interrupt(self) -> None:
        """Ctrl+C, once per turn."""
        if not self.interrupting:
            self.interrupting = True
            self.proc.write_now(b"\x03")


async def drain(turn: TurnState, timeout: float = 10.0) -> None:
    """Finish a turn whose caller stopped listening: read to the prompt, keep the answer."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            item = await asyncio.wait_for(turn.queue.get(), QUIET_CONFIRM_S)
        except TimeoutError:
            item = (0, turn.parser.confirm_end())
        if item is None or any(isinstance(e, TurnEnd) for e in item[1]):
            break
    turn.abandoned = False
    turn.stats.state = SessionState.STOPPED if item is not None else SessionState.CRASHED


async def after_late_ctrl_c(host: TurnHost, last: TurnState | None) -> None:
    """Our last Ctrl+C (max_tokens or a stop) raced the answer's end: if it landed at the
    prompt, llama-cli quit (exit 130) after that turn. Seen with the tiny BitNet model, which
    writes 16 tokens in a millisecond. Restart (with the recap) before this turn is sent."""
    if last is None or not last.late_ctrl_c:
        return
    last.late_ctrl_c = False
    proc = last.proc
    if await proc.wait_exit(0.1) and proc.exit_code in (0, 130) and proc.signal is None:
        await host.respawn()
