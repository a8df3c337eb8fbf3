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


async def run_turn(session, prepared: Prepared):
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
            try:
                item = await asyncio.wait_for(session._queue.get(), wait)
            except TimeoutError:
                if confirm_at is not None:
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
                        log_tail=proc.log_tail(), partial=bool(parts))
                    return
            if item is None:
                async for event in _exited(session, prepared, parts, clock):
                    yield event
                return
            last_cpu[1] = time.monotonic()
            events = item[1]
            count = _count(events)
            if count:
                clock.text_read(count)
            for event in events:
                if isinstance(event, Text):
                    text = _cap(event.text, clock.reads - count, max_tokens)
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
            if count:
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
    """Tokens in one read: one when the reader keeps up; a coalesced read counts its words."""
    if not any(isinstance(e, AnswerBytes) for e in events):
        return 0
    text = "".join(e.text for e in events if isinstance(e, Text))
    return max(1, len(_PIECES.findall(text)))


def _cap(text: str, so_far: int, cap: int) -> str:
    """`text` cut so an answer never shows more than `cap` tokens (0 = no cap)."""
    if not cap:
        return text
    pieces = _PIECES.findall(text)
    return "".join(pieces[: max(0, cap - so_far)]) if so_far + len(pieces) > cap else text


async def _exited(session, prepared: Prepared, parts: list[str], clock: TurnClock):
    """The process ended mid-turn: a Ctrl+C that landed at the prompt, or a crash."""
    proc, stats = session._proc, session.stats
    await proc.wait_exit(2.0)
    clean_exit = proc.exit_code in (0, 130) and proc.signal is None
    if session._interrupting and clean_exit:
        # our Ctrl+C arrived just as the answer ended: llama-cli took it as "quit"
        session.history.append(Exchange(prepared.text, "".join(parts)))
        turn_stats = clock.finish("interrupted")
        await session._respawn(None)  # restart() would close this very turn
        yield turn_stats
        return
    stats.state = SessionState.CRASHED
    session.history.append(Exchange(prepared.text, "".join(parts), partial=True))
    await proc.end()
    yield SessionError(
        f"llama-cli stopped while answering ({session._exit_text()})"
        + ("; the partial answer is kept" if parts else ""),
        kind="crash", exit_code=proc.exit_code, signal=proc.signal,
        log_tail=proc.log_tail(), partial=bool(parts))
