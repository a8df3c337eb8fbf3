"""One turn of a LlamaSession: write the message, turn parser events into engine events.

Why separate: this is the reading loop with the timing and the stop rules (max_tokens by
Ctrl+C for the old protocols, quiet-confirmed bare prompts after Ctrl+C), kept apart from
process lifecycle in session.py; how a turn ends (figures, crash, hang) is engine/turn_end.py.
The session hands a turn ONE TurnState (engine/turn_state.py: its process link, figures and
everything the turn keeps as it runs) and a small public API (TurnHost); the turn touches
nothing else of it.
"""

from __future__ import annotations

import asyncio
import re
import time

from neuro_tui.engine.events import AnswerText, Exchange, SessionState
from neuro_tui.engine.loglines import ErrorLine
from neuro_tui.engine.prompt_probe import waiting_for_input
from neuro_tui.engine.protocol import (
    AnswerBytes,
    CursorQuery,
    FirstByte,
    MaybeEnd,
    Speeds,
    Text,
    TurnEnd,
)
from neuro_tui.engine.timing import TEMPLATE_TOKENS_PER_TURN, TurnClock, estimate_tokens
from neuro_tui.engine.turn_end import at_the_prompt, exited, hung, log_size
from neuro_tui.engine.turn_state import QUIET_CONFIRM_S, TurnHost, TurnState

CURSOR_REPLY = b"\x1b[1;1R"
PROBE_EVERY_S = 0.01  # quiet this long, then ask whether llama-cli waits at its prompt
SAMPLE_EVERY_S = 0.25
_PIECES = re.compile(r"\s*\S+")


async def run_turn(host: TurnHost, st: TurnState):
    proc, parser, stats, spec = st.proc, st.parser, st.stats, st.spec
    while not st.queue.empty():  # stale bytes from the prompt state
        st.queue.get_nowait()
    prepared = st.prepared
    st.clock = clock = TurnClock(st.number, stats, estimate_tokens(prepared.text))
    part = st.message_part = st.context.part(estimate_tokens(prepared.text)
                                             + TEMPLATE_TOKENS_PER_TURN)
    warning = st.context.check()
    st.log_offset = log_size(proc)
    parser.sent(prepared.lines)
    stats.state = SessionState.PREFILL
    await proc.write(prepared.payload)
    clock.t_send = time.monotonic()  # TTFT counts from Enter, after a long paste is typed
    uncounted = st.context.counter is not None  # counted exactly once the first token is in
    if warning:
        yield warning
    max_tokens = st.max_tokens
    confirm_at: float | None = None  # a possible end is confirmed then, or when llama-cli
    probe_ok = True  # is seen blocked at its prompt first (engine/prompt_probe.py)
    last_sample = 0.0
    st.cpu_seen, st.last_byte_at = st.probe.cpu_seconds(), time.monotonic()
    try:
        while not st.done:
            now = time.monotonic()
            wait = spec.hang_timeout_s if confirm_at is None else max(0.0, confirm_at - now)
            if confirm_at is not None and probe_ok:
                wait = min(wait, PROBE_EVERY_S)  # ask the kernel while the spell runs
            try:
                item = await asyncio.wait_for(st.queue.get(), wait)
            except TimeoutError:
                if confirm_at is not None:
                    if time.monotonic() < confirm_at:
                        at_prompt = waiting_for_input(proc.pid)
                        probe_ok = at_prompt is not None
                        if not at_prompt:
                            continue
                    confirm_at = None
                    events = parser.confirm_end()
                    if not events:
                        continue
                    item = (time.monotonic(), events)
                elif _still_working(st):
                    st.cpu_seen = st.probe.cpu_seconds()
                    continue
                else:
                    yield hung(host, st)
                    return
            if item is None:
                async for event in exited(host, st):
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
                    if uncounted:  # a process of its own: never on the way to the first token
                        uncounted = False
                        st.context.counter.message(prepared.text, part)
                elif isinstance(event, Speeds):
                    stats.prompt_tok_s = event.prompt_tok_s
                    stats.gen_tok_s_reported = event.gen_tok_s
                elif isinstance(event, ErrorLine):
                    st.errors.append(event.text)
                elif isinstance(event, CursorQuery):
                    proc.write_now(CURSOR_REPLY)
                elif isinstance(event, MaybeEnd):
                    confirm_at = time.monotonic() + QUIET_CONFIRM_S
                    if st.context.counter is not None:  # count it during the quiet spell
                        st.context.counter.answer_may_end(st.answer)
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
    async for event in at_the_prompt(host, st):
        yield event


def _still_working(st: TurnState) -> bool:
    """No byte for hang_timeout_s, but CPU time still rising (a long prefill): not hung,
    up to 10x the timeout."""
    cpu = st.probe.cpu_seconds()
    silent_for = time.monotonic() - st.last_byte_at
    busy = cpu is not None and st.cpu_seen is not None and cpu - st.cpu_seen > 0.5
    return busy and silent_for < 10 * st.spec.hang_timeout_s


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
