"""One turn of a LlamaSession: write the message, turn parser events into engine events.

Why separate: this is the part with the timing, the stop rules (max_tokens by Ctrl+C for
the old protocols, quiet-confirmed bare prompts after Ctrl+C) and the fault paths (crash,
hang, Ctrl+C landing at the prompt), kept apart from process lifecycle in session.py.
The session hands a turn ONE TurnState (its process link, figures and everything the turn
keeps as it runs) and a small public API (TurnHost); the turn touches nothing else of it.
"""

from __future__ import annotations

import asyncio
import re
import time
from dataclasses import dataclass, field
from typing import Protocol

from neuro_tui.engine.events import AnswerText, Exchange, SessionError, SessionState
from neuro_tui.engine.loglines import ErrorLine, generated_tokens
from neuro_tui.engine.params import SessionSpec
from neuro_tui.engine.protocol import (
    AnswerBytes,
    CursorQuery,
    FirstByte,
    MaybeEnd,
    Speeds,
    StreamParser,
    Text,
    TurnEnd,
)
from neuro_tui.engine.ptyproc import PtyProcess
from neuro_tui.engine.sanitize import Prepared
from neuro_tui.engine.timing import (
    TEMPLATE_TOKENS_PER_TURN,
    ContextTracker,
    LiveStats,
    ProcessProbe,
    TurnClock,
    estimate_tokens,
)

QUIET_CONFIRM_S = 0.3
CURSOR_REPLY = b"\x1b[1;1R"
SAMPLE_EVERY_S = 0.25
LOG_COUNT_WAIT_S = 1.0  # longest the end of a turn waits for the chat CLI's count line
_PIECES = re.compile(r"\s*\S+")


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


async def run_turn(host: TurnHost, st: TurnState):
    proc, parser, stats, spec = st.proc, st.parser, st.stats, st.spec
    while not st.queue.empty():  # stale bytes from the prompt state
        st.queue.get_nowait()
    prepared = st.prepared
    st.clock = clock = TurnClock(st.number, stats, estimate_tokens(prepared.text))
    warning = st.context.add(estimate_tokens(prepared.text) + TEMPLATE_TOKENS_PER_TURN)
    st.log_offset = _log_size(proc)
    parser.sent(prepared.lines)
    stats.state = SessionState.PREFILL
    await proc.write(prepared.payload)
    clock.t_send = time.monotonic()  # TTFT counts from Enter, after a long paste is typed
    if warning:
        yield warning
    max_tokens = st.max_tokens
    confirm_at: float | None = None
    last_sample = 0.0
    st.cpu_seen, st.last_byte_at = st.probe.cpu_seconds(), time.monotonic()
    try:
        while not st.done:
            now = time.monotonic()
            wait = spec.hang_timeout_s if confirm_at is None else max(0.0, confirm_at - now)
            try:
                item = await asyncio.wait_for(st.queue.get(), wait)
            except TimeoutError:
                if confirm_at is not None:
                    confirm_at = None
                    events = parser.confirm_end()
                    if not events:
                        continue
                    item = (time.monotonic(), events)
                elif _still_working(st):
                    st.cpu_seen = st.probe.cpu_seconds()
                    continue
                else:
                    stats.state = SessionState.CRASHED
                    host.history.append(Exchange(prepared.text, st.answer, True))
                    yield SessionError(
                        f"llama-cli sent nothing for {spec.hang_timeout_s:.0f} s: it looks hung "
                        "(restart to continue; the conversation is kept)", kind="hang",
                        log_tail=host.why(), partial=bool(st.parts))
                    return
            if item is None:
                async for event in _exited(host, st):
                    yield event
                return
            st.last_byte_at = time.monotonic()
            events = item[1]
            count = _count(events)
            if count:
                clock.text_read(count)
            for event in events:
                if isinstance(event, Text):
                    text = _cap(event.text, st.shown, max_tokens)
                    st.shown += len(_PIECES.findall(text))
                    if text:
                        st.parts.append(text)
                        yield AnswerText(text)
                elif isinstance(event, FirstByte):
                    clock.first_byte()
                    stats.state = SessionState.GENERATING
                elif isinstance(event, Speeds):
                    stats.prompt_tok_s = event.prompt_tok_s
                    stats.gen_tok_s_reported = event.gen_tok_s
                elif isinstance(event, ErrorLine):
                    st.errors.append(event.text)
                elif isinstance(event, CursorQuery):
                    proc.write_now(CURSOR_REPLY)
                elif isinstance(event, MaybeEnd):
                    confirm_at = time.monotonic() + QUIET_CONFIRM_S
                elif isinstance(event, TurnEnd):
                    st.done = True
            if count and not st.done:  # a Ctrl+C after the end would land at the prompt: exit
                if max_tokens and clock.reads >= max_tokens and not st.interrupting:
                    st.stop_reason = "max_tokens"
                    st.interrupt()
            if st.interrupting and not st.done:
                if st.stop_reason == "eos":
                    st.stop_reason = "interrupted"
                confirm_at = time.monotonic() + QUIET_CONFIRM_S  # 0.3.36 prints a bare "> "
            if time.monotonic() - last_sample > SAMPLE_EVERY_S:
                last_sample = time.monotonic()
                st.probe.sample(stats)
    finally:
        if not st.done and stats.state in (SessionState.PREFILL, SessionState.GENERATING):
            # the caller stopped iterating mid-answer: stop it; the next ask() drains it
            st.abandoned = True
            host.history.append(Exchange(prepared.text, st.answer))
            st.interrupt()
    if st.interrupting and st.stop_reason == "eos":
        st.stop_reason = "interrupted"
    counted = await _logged_count(st)
    if counted is not None:  # what llama-cli says, not what the pty reads suggest
        clock.reads = stats.tokens = counted
        stats.tokens_exact = True
        if 0 < spec.params.max_tokens <= counted and st.stop_reason == "eos":
            st.stop_reason = "max_tokens"  # the chat CLI's own per-turn -n cut it
    elif 0 < spec.params.max_tokens <= clock.reads:
        if st.stop_reason == "eos":
            st.stop_reason = "max_tokens"  # the new protocol's own per-turn -n cut it
        clock.reads = stats.tokens = spec.params.max_tokens  # what the answer holds
    st.late_ctrl_c = st.interrupting and st.stop_reason == "max_tokens"
    host.history.append(Exchange(prepared.text, st.answer))
    warning = st.context.add(stats.tokens)
    st.probe.sample(stats)
    stats.state = SessionState.STOPPED if st.stop_reason == "interrupted" else SessionState.READY
    if warning:
        yield warning
    for text in st.errors:
        kind = "context" if "context" in text else "crash"
        yield SessionError(text, kind=kind, log_tail=proc.log_tail())
    yield clock.finish(st.stop_reason)


def _still_working(st: TurnState) -> bool:
    """No byte for hang_timeout_s, but CPU time still rising (a long prefill): not hung,
    up to 10x the timeout."""
    cpu = st.probe.cpu_seconds()
    silent_for = time.monotonic() - st.last_byte_at
    busy = cpu is not None and st.cpu_seen is not None and cpu - st.cpu_seen > 0.5
    return busy and silent_for < 10 * st.spec.hang_timeout_s


def _log_size(proc: PtyProcess) -> int:
    try:
        return proc.log_path.stat().st_size
    except (OSError, AttributeError):
        return 0


async def _logged_count(st: TurnState) -> int | None:
    """Tokens this turn generated, from llama-cli's log (the chat CLI at -lv 3; its log
    thread may write the line just after the answer's end). None: it did not say."""
    if not (st.counts_in_log and st.done) or st.interrupting:
        return None
    deadline = time.monotonic() + LOG_COUNT_WAIT_S
    while True:
        try:
            with open(st.proc.log_path, "rb") as log:
                log.seek(st.log_offset)
                lines = log.read().decode("utf-8", "replace").splitlines()
        except (OSError, TypeError):
            return None
        found = generated_tokens(lines)
        if found is not None or time.monotonic() > deadline:
            return found
        await asyncio.sleep(0.02)


def _count(events: list) -> int:
    """Tokens in one read (the parser's estimate: one when the reader keeps up, a coalesced
    read counts its words, held bytes count when they are read, not when released)."""
    return sum(e.tokens for e in events if isinstance(e, AnswerBytes))


def _cap(text: str, so_far: int, cap: int) -> str:
    """`text` cut so an answer never shows more than `cap` words (0 = no cap)."""
    if not cap:
        return text
    pieces = _PIECES.findall(text)
    return "".join(pieces[: max(0, cap - so_far)]) if so_far + len(pieces) > cap else text


async def _exited(host: TurnHost, st: TurnState):
    """The process ended mid-turn: a Ctrl+C that landed at the prompt, or a crash."""
    proc, stats, prepared, clock = st.proc, st.stats, st.prepared, st.clock
    await proc.wait_exit(2.0)
    clean_exit = proc.exit_code in (0, 130) and proc.signal is None
    if st.interrupting and clean_exit:
        # our Ctrl+C arrived just as the answer ended: llama-cli took it as "quit"
        host.history.append(Exchange(prepared.text, st.answer))
        # ours for max_tokens (a fast model, e.g. the tiny BitNet one, can finish 16 tokens
        # before the Ctrl+C lands): say so, not "interrupted"
        max_tokens = st.stop_reason == "max_tokens"
        if max_tokens:  # what the answer holds (shown text is capped too)
            clock.reads = stats.tokens = st.spec.params.max_tokens
        turn_stats = clock.finish("max_tokens" if max_tokens else "interrupted")
        await host.respawn()  # restart() would close this very turn
        yield turn_stats
        return
    stats.state = SessionState.CRASHED
    host.history.append(Exchange(prepared.text, st.answer, partial=True))
    await proc.end()
    why = host.why()  # its own words after it was ready, not the startup banner
    yield SessionError(
        f"llama-cli stopped while answering ({host.exit_text()}"
        + (f": {why[0]}" if why else "") + ")"
        + ("; the partial answer is kept" if st.parts else ""),
        kind="crash", exit_code=proc.exit_code, signal=proc.signal,
        log_tail=why, partial=bool(st.parts))
