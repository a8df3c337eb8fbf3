"""One turn of a LlamaSession: write the message, turn parser events into engine events.

Why separate: this is the part with the timing, the stop rules (max_tokens by Ctrl+C for
the old protocols, quiet-confirmed bare prompts after Ctrl+C) and the fault paths (crash,
hang, Ctrl+C landing at the prompt), kept apart from process lifecycle in session.py.
"""

from __future__ import annotations

import asyncio
import re
import time

from neuro_tui.engine.events import AnswerText, Exchange, SessionError, SessionState
from neuro_tui.engine.loglines import ErrorLine
from neuro_tui.engine.protocol import (
    AnswerBytes,
    CursorQuery,
    FirstByte,
    MaybeEnd,
    Speeds,
    Text,
    TurnEnd,
)
from neuro_tui.engine.sanitize import Prepared
from neuro_tui.engine.timing import TEMPLATE_TOKENS_PER_TURN, TurnClock, estimate_tokens

QUIET_CONFIRM_S = 0.3
ESCAPE_WAIT_S = 0.25  # longest a held escape sequence delays the text after it
CURSOR_REPLY = b"\x1b[1;1R"
SAMPLE_EVERY_S = 0.25
_PIECES = re.compile(r"\s*\S+")


async def drain(session, timeout: float = 10.0) -> None:
    """Finish a turn whose caller stopped listening: read to the prompt, keep the answer."""
    parser, end = session._parser, time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            item = await asyncio.wait_for(session._queue.get(), QUIET_CONFIRM_S)
        except TimeoutError:
            item = (0, parser.confirm_end())
        if item is None or any(isinstance(e, TurnEnd) for e in item[1]):
            break
    session._abandoned = False
    session.stats.state = SessionState.STOPPED if item is not None else SessionState.CRASHED


async def _after_late_ctrl_c(session) -> None:
    """Our last Ctrl+C (max_tokens or a stop) raced the answer's end: if it landed at the
    prompt, llama-cli quit (exit 130) after that turn. Seen with the tiny BitNet model, which
    writes 16 tokens in a millisecond. Restart (with the recap) before this turn is sent."""
    if not getattr(session, "_late_ctrl_c", False):
        return
    session._late_ctrl_c = False
    proc = session._proc
    if await proc.wait_exit(0.1) and proc.exit_code in (0, 130) and proc.signal is None:
        await session._respawn(None)


async def run_turn(session, prepared: Prepared):
    await _after_late_ctrl_c(session)
    proc, parser, stats, spec = session._proc, session._parser, session.stats, session.spec
    while not session._queue.empty():  # stale bytes from the prompt state
        session._queue.get_nowait()
    session._turn += 1
    session._interrupting = False
    clock = TurnClock(session._turn, stats, estimate_tokens(prepared.text))
    warning = session._ctx.add(estimate_tokens(prepared.text) + TEMPLATE_TOKENS_PER_TURN)
    parser.sent(prepared.lines)
    stats.state = SessionState.PREFILL
    await proc.write(prepared.payload)
    clock.t_send = time.monotonic()  # TTFT counts from Enter, after a long paste is typed
    if warning:
        yield warning
    max_tokens = spec.params.max_tokens if session._ctrl_c_stops else 0
    parts: list[str] = []
    shown = 0  # words of the answer shown so far (the max-tokens cap)
    errors: list[str] = []
    stop_reason = "eos"
    confirm_at: float | None = None
    last_sample = 0.0
    last_cpu = [session._probe.cpu_seconds(), time.monotonic()]  # [cpu s, time of last byte]
    done = False
    try:
        while not done:
            now = time.monotonic()
            wait = spec.hang_timeout_s if confirm_at is None else max(0.0, confirm_at - now)
            if parser.holding_escape:
                wait = min(wait, ESCAPE_WAIT_S)
            try:
                item = await asyncio.wait_for(session._queue.get(), wait)
            except TimeoutError:
                if parser.holding_escape:
                    item = (time.monotonic(), parser.release())
                elif confirm_at is not None:
                    confirm_at = None
                    events = parser.confirm_end()
                    if not events:
                        continue
                    item = (time.monotonic(), events)
                elif _still_working(session, last_cpu):
                    last_cpu[0] = session._probe.cpu_seconds()
                    continue
                else:
                    stats.state = SessionState.CRASHED
                    session.history.append(Exchange(prepared.text, "".join(parts), True))
                    yield SessionError(
                        f"llama-cli sent nothing for {spec.hang_timeout_s:.0f} s: it looks hung "
                        "(restart to continue; the conversation is kept)", kind="hang",
                        log_tail=session.why(), partial=bool(parts))
                    return
            if item is None:
                async for event in _exited(session, prepared, parts, clock, stop_reason):
                    yield event
                return
            last_cpu[1] = time.monotonic()
            events = item[1]
            count = _count(events)
            if count:
                clock.text_read(count)
            for event in events:
                if isinstance(event, Text):
                    text = _cap(event.text, shown, max_tokens)
                    shown += len(_PIECES.findall(text))
                    if text:
                        parts.append(text)
                        yield AnswerText(text)
                elif isinstance(event, FirstByte):
                    clock.first_byte()
                    stats.state = SessionState.GENERATING
                elif isinstance(event, Speeds):
                    stats.prompt_tok_s = event.prompt_tok_s
                    stats.gen_tok_s_reported = event.gen_tok_s
                elif isinstance(event, ErrorLine):
                    errors.append(event.text)
                elif isinstance(event, CursorQuery):
                    proc.write_now(CURSOR_REPLY)
                elif isinstance(event, MaybeEnd):
                    confirm_at = time.monotonic() + QUIET_CONFIRM_S
                elif isinstance(event, TurnEnd):
                    done = True
            if count and not done:  # a Ctrl+C after the end would land at the prompt: exit
                if max_tokens and clock.reads >= max_tokens and not session._interrupting:
                    session._interrupting = True
                    stop_reason = "max_tokens"
                    proc.write_now(b"\x03")
            if session._interrupting and not done:
                if stop_reason == "eos":
                    stop_reason = "interrupted"
                confirm_at = time.monotonic() + QUIET_CONFIRM_S  # 0.3.36 prints a bare "> "
            if time.monotonic() - last_sample > SAMPLE_EVERY_S:
                last_sample = time.monotonic()
                session._probe.sample(stats)
    finally:
        if not done and stats.state in (SessionState.PREFILL, SessionState.GENERATING):
            # the caller stopped iterating mid-answer: stop it; the next ask() drains it
            session._abandoned = True
            session.history.append(Exchange(prepared.text, "".join(parts)))
            await session.interrupt()
    if session._interrupting and stop_reason == "eos":
        stop_reason = "interrupted"
    if 0 < spec.params.max_tokens <= clock.reads:
        if stop_reason == "eos":
            stop_reason = "max_tokens"  # the new protocol's own per-turn -n cut it
        clock.reads = stats.tokens = spec.params.max_tokens  # what the answer holds
    answer = "".join(parts)
    session._late_ctrl_c = session._interrupting and stop_reason == "max_tokens"
    session.history.append(Exchange(prepared.text, answer))
    warning = session._ctx.add(stats.tokens)
    session._probe.sample(stats)
    stats.state = SessionState.STOPPED if stop_reason == "interrupted" else SessionState.READY
    if warning:
        yield warning
    for text in errors:
        kind = "context" if "context" in text else "crash"
        yield SessionError(text, kind=kind, log_tail=proc.log_tail())
    yield clock.finish(stop_reason)


def _still_working(session, last_cpu: list) -> bool:
    """No byte for hang_timeout_s, but CPU time still rising (a long prefill): not hung,
    up to 10x the timeout."""
    cpu = session._probe.cpu_seconds()
    silent_for = time.monotonic() - last_cpu[1]
    busy = cpu is not None and last_cpu[0] is not None and cpu - last_cpu[0] > 0.5
    return busy and silent_for < 10 * session.spec.hang_timeout_s


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


async def _exited(session, prepared: Prepared, parts: list[str], clock: TurnClock,
                  stop_reason: str = "interrupted"):
    """The process ended mid-turn: a Ctrl+C that landed at the prompt, or a crash."""
    proc, stats = session._proc, session.stats
    await proc.wait_exit(2.0)
    clean_exit = proc.exit_code in (0, 130) and proc.signal is None
    if session._interrupting and clean_exit:
        # our Ctrl+C arrived just as the answer ended: llama-cli took it as "quit"
        session.history.append(Exchange(prepared.text, "".join(parts)))
        # ours for max_tokens (a fast model, e.g. the tiny BitNet one, can finish 16 tokens
        # before the Ctrl+C lands): say so, not "interrupted"
        if stop_reason == "max_tokens":  # what the answer holds (shown text is capped too)
            clock.reads = stats.tokens = session.spec.params.max_tokens
        turn_stats = clock.finish("max_tokens" if stop_reason == "max_tokens" else "interrupted")
        await session._respawn(None)  # restart() would close this very turn
        yield turn_stats
        return
    stats.state = SessionState.CRASHED
    session.history.append(Exchange(prepared.text, "".join(parts), partial=True))
    await proc.end()
    why = session.why()  # its own words after it was ready, not the startup banner
    yield SessionError(
        f"llama-cli stopped while answering ({session._exit_text()}"
        + (f": {why[0]}" if why else "") + ")"
        + ("; the partial answer is kept" if parts else ""),
        kind="crash", exit_code=proc.exit_code, signal=proc.signal,
        log_tail=why, partial=bool(parts))
