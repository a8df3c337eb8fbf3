"""How a llama-cli turn ends: the figures and history at the prompt, a process that ended
mid-turn (a Ctrl+C that landed at the prompt, or a crash), and a hang.

Why apart from engine/turn.py: these are the stop rules' last word (which stop reason, which
token count: llama-cli's log line when it writes one) and the fault paths, each ending in
the turn's last event; turn.py is the reading loop.
"""

from __future__ import annotations

import asyncio
import time

from neuro_tui.engine.events import Exchange, SessionError, SessionState
from neuro_tui.engine.loglines import context_tokens, generated_tokens
from neuro_tui.engine.ptyproc import PtyProcess
from neuro_tui.engine.turn_state import TurnHost, TurnState

LOG_COUNT_WAIT_S = 1.0  # longest the end of a turn waits for the chat CLI's count line
CONTEXT_LINE_WAIT_S = 0.1  # after its count line, for its context line (sometimes missing)
COUNT_WAIT_S = 2.0  # longest it waits for the exact context counts still running


async def at_the_prompt(host: TurnHost, st: TurnState):
    """The turn ended normally (or was stopped): settle its figures, then its last events."""
    proc, stats, spec, clock = st.proc, st.stats, st.spec, st.clock
    if st.interrupting and st.stop_reason == "eos":
        st.stop_reason = "interrupted"
    counted, in_context = await _logged_count(st)
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
    host.history.append(Exchange(st.prepared.text, st.answer))
    await _count_context(st, in_context)
    warning = st.context.check()
    st.probe.sample(stats)
    stats.state = SessionState.STOPPED if st.stop_reason == "interrupted" else SessionState.READY
    if warning:
        yield warning
    for text in st.errors:
        kind = "context" if "context" in text else "crash"
        yield SessionError(text, kind=kind, log_tail=proc.log_tail())
    yield clock.finish(st.stop_reason)


def hung(host: TurnHost, st: TurnState) -> SessionError:
    """No byte and no CPU use for hang_timeout_s: the turn is over, the answer kept."""
    st.stats.state = SessionState.CRASHED
    host.history.append(Exchange(st.prepared.text, st.answer, True))
    return SessionError(
        f"llama-cli sent nothing for {st.spec.hang_timeout_s:.0f} s: it looks hung "
        "(restart to continue; the conversation is kept)", kind="hang",
        log_tail=host.why(), partial=bool(st.parts))


async def exited(host: TurnHost, st: TurnState):
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


def log_size(proc: PtyProcess) -> int:
    try:
        return proc.log_path.stat().st_size
    except (OSError, AttributeError):
        return 0


async def _count_context(st: TurnState, in_context: int | None) -> None:
    """The answer's part of the context: llama-cli's own total where it logs one (the chat
    CLI), else the read estimate, replaced by its exact count (engine/context_count.py).
    The counts still running are waited for (bounded): the chat core's context policy reads
    ctx_used before the next turn, and the answer's count becomes its exact token count."""
    ctx = st.context
    part = ctx.part(st.stats.tokens)
    if in_context is not None:
        ctx.counted_all(in_context)
    elif ctx.counter is not None:
        ctx.counter.answer(st.answer, part, ended_by_model=not st.interrupting)
        await ctx.counter.settled(COUNT_WAIT_S)
        tokens, exact = ctx.parts[part]
        if exact and st.stop_reason != "max_tokens":  # a cut answer holds max_tokens
            st.clock.counted(tokens - 1)  # without its end token (EOG, or EOT after Ctrl+C)
        tokens, exact = ctx.parts[st.message_part]
        if exact:  # what llama-cli read for this turn: the message in its chat template
            st.stats.prompt_tokens, st.stats.prompt_exact = tokens, True


async def _logged_count(st: TurnState) -> tuple[int | None, int | None]:
    """(tokens this turn generated, tokens now in the context) from llama-cli's log (the
    chat CLI at -lv 3; its log thread may write the lines just after the answer's end).
    None: it did not say."""
    if not (st.counts_in_log and st.done) or st.interrupting:
        return None, None
    deadline = time.monotonic() + LOG_COUNT_WAIT_S
    while True:
        try:
            with open(st.proc.log_path, "rb") as log:
                log.seek(st.log_offset)
                lines = log.read().decode("utf-8", "replace").splitlines()
        except (OSError, TypeError):
            return None, None
        found, in_context = generated_tokens(lines), context_tokens(lines)
        if found is not None and in_context is not None or time.monotonic() > deadline:
            return found, in_context
        if found is not None:  # the context line follows at once, when it comes at all
            deadline = min(deadline, time.monotonic() + CONTEXT_LINE_WAIT_S)
        await asyncio.sleep(0.02)
