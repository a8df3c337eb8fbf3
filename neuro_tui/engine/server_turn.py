"""One turn of a ServerSession: request, stream, stop rules, faults, exact figures.

The HTTP stream runs in its own task feeding a queue, so that the turn can wait with a
deadline (a server that drips bytes and then stalls is "hang" after spec.hang_timeout_s
without an answer event, as on the pty) and so that interrupt() can close the stream at
once by cancelling that task.
"""

from __future__ import annotations

import asyncio

import httpx

from neuro_tui.engine.events import (
    AnswerText,
    ContextWarning,
    EngineNotice,
    SessionError,
    SessionState,
)
from neuro_tui.engine.openai_stream import ApiError, StreamBroken, stream_chat
from neuro_tui.engine.server_figures import Figures
from neuro_tui.engine.server_info import _reason, key_hint
from neuro_tui.engine.session import Exchange
from neuro_tui.engine.timing import CTX_WARN_FRACTION, TEMPLATE_TOKENS_PER_TURN, estimate_tokens

STOP = object()  # interrupt() puts this in the queue
END = object()  # the stream finished normally
STOP_REASONS = {"stop": "eos", "length": "max_tokens", "eos": "eos"}
# bitnet.cpp's llama-server (an older llama.cpp) with --no-context-shift ends an answer
# that fills the context with this error (code 500) where 0.3.16 sends finish "length"
CONTEXT_END = "context shift is disabled"


async def stop_reader(session) -> None:
    """Cancel the running stream task (closing the HTTP stream: llama-server stops
    generating when its client goes) and wait until it is over."""
    reader, session._reader = session._reader, None
    if reader is not None and not reader.done():
        reader.cancel()
        try:
            await reader
        except BaseException:  # noqa: BLE001 - cancelled or failed: either way it is over
            pass


async def interrupt(session) -> None:
    """Stop the answer being streamed: the turn ends "stopped" with what was said."""
    if session.stats.state in (SessionState.PREFILL, SessionState.GENERATING) \
            and session._queue:
        await stop_reader(session)
        session._queue.put_nowait(STOP)


def build_payload(session, messages: list[dict[str, str]]) -> dict:
    p = session.spec.params
    payload: dict = {"model": session.info.model if session.info else session.spec.model,
                     "messages": messages, "stream": True,
                     "stream_options": {"include_usage": True},
                     "temperature": p.temperature, "top_p": p.top_p}
    if p.max_tokens > 0:
        payload["max_tokens"] = p.max_tokens
    if p.seed >= 0:
        payload["seed"] = p.seed
    if session.info is not None and session.info.kind == "llama.cpp":
        payload.update(cache_prompt=True, top_k=p.top_k, repeat_penalty=p.repeat_penalty,
                       repeat_last_n=p.repeat_last_n)
    return payload


async def _read(session, payload: dict, queue: asyncio.Queue) -> None:
    try:
        async for chunk in stream_chat(session._client, f"{session.spec.endpoint.api}"
                                       "/chat/completions", payload, session.headers()):
            queue.put_nowait(chunk)
        queue.put_nowait(END)
    except asyncio.CancelledError:
        raise
    except Exception as error:  # noqa: BLE001 - every failure becomes a SessionError
        queue.put_nowait(error)


def _error_event(session, error: Exception, partial: bool) -> SessionError:
    url = session.url
    if isinstance(error, ApiError):
        message = f"{url}: {error.message}"
        if error.kind == "auth":
            hint = key_hint(session.spec.api_key_env)
            message = f"{url} refused the request ({error.status}): {hint}"
        elif error.kind == "model":
            have = ", ".join(session.info.models) if session.info and session.info.models else "?"
            message = (f"{url} has no model {payload_model(session)!r} ({error.message}); "
                       f"it has: {have}")
        elif error.kind == "busy":
            message = f"{url} is busy ({error.status}: {error.message}); gave up after " \
                      f"{session.spec.retries} retries"
        return SessionError(message, kind=error.kind, partial=partial)
    if isinstance(error, StreamBroken):
        return SessionError(f"{url}: {error}", kind="protocol", partial=partial)
    if isinstance(error, httpx.ConnectError):
        return SessionError(f"no server answers at {url} ({_reason(error)})",
                            kind="crash", partial=partial)
    what = "lost mid-answer" if partial else "lost"
    return SessionError(f"connection to {url} {what}: {str(error) or type(error).__name__}",
                        kind="crash", partial=partial)


def payload_model(session) -> str:
    return session.info.model if session.info else session.spec.model


def _backoff(session, error: ApiError, attempt: int) -> float:
    if error.retry_after is not None:
        return min(error.retry_after, 60.0)
    return session.spec.backoff_s * (2 ** attempt)


async def run_turn(session, text: str):
    text = text.strip()
    if not text:
        raise ValueError("empty message")
    if session.state not in (SessionState.READY, SessionState.STOPPED):
        raise RuntimeError(f"the server engine is not ready ({session.state.value})")
    session._turn += 1
    messages = session.messages(text)
    payload = build_payload(session, messages)
    session.last_request = payload
    stats, spec = session.stats, session.spec
    figures = Figures(session, session._turn)
    stats.state = SessionState.PREFILL
    await session._warmer.wait()  # same prefix: the server must read it anyway
    estimate = (stats.ctx_used or estimate_tokens(session._system)) + estimate_tokens(text) \
        + TEMPLATE_TOKENS_PER_TURN
    if stats.ctx_size and estimate >= CTX_WARN_FRACTION * stats.ctx_size:
        yield ContextWarning(ctx_used=estimate, ctx_size=stats.ctx_size)
    parts: list[str] = []  # raw: the chat core cleans engine text once (textsafe)
    attempt, outcome = 0, None
    session._queue = queue = asyncio.Queue()
    session._reader = asyncio.create_task(_read(session, payload, queue))
    try:
        while outcome is None:
            try:
                item = await asyncio.wait_for(queue.get(), spec.hang_timeout_s)
            except TimeoutError:
                await stop_reader(session)
                outcome = SessionError(
                    f"{session.url} sent nothing for {spec.hang_timeout_s:.0f} s; the answer "
                    "was abandoned", kind="hang", partial=bool(parts))
                break
            if item is STOP:
                outcome = "interrupted"
            elif item is END:
                outcome = STOP_REASONS.get(figures.finish or "stop", "eos")
            elif isinstance(item, ApiError) and parts and CONTEXT_END in item.message:
                outcome = "max_tokens"  # the answer filled the context (see CONTEXT_END)
            elif isinstance(item, Exception):
                if (isinstance(item, ApiError) and item.kind == "busy" and not parts
                        and attempt < spec.retries):
                    wait = _backoff(session, item, attempt)
                    attempt += 1
                    session.notice = (f"{session.url} is busy ({item.status}): retrying in "
                                      f"{wait:.0f} s ({attempt}/{spec.retries})")
                    yield EngineNotice(session.notice)
                    await asyncio.sleep(wait)
                    session._reader = asyncio.create_task(_read(session, payload, queue))
                    continue
                outcome = _error_event(session, item, partial=bool(parts))
            else:
                figures.chunk(item)
                if item.text:
                    figures.text()
                    parts.append(item.text)
                    yield AnswerText(item.text)
        if isinstance(outcome, SessionError):
            failed = outcome.kind in ("crash", "hang")  # call restart() (as on the pty)
            stats.state = SessionState.CRASHED if failed else SessionState.STOPPED
            yield outcome
        else:
            stats.state = SessionState.STOPPED if outcome == "interrupted" \
                else SessionState.READY
            yield figures.finish_stats(outcome)
    finally:
        await stop_reader(session)
        session._queue = None
        if stats.state in (SessionState.PREFILL, SessionState.GENERATING):
            stats.state = SessionState.STOPPED  # the caller stopped listening mid-answer
        partial = isinstance(outcome, SessionError) and outcome.partial
        failed_before_text = isinstance(outcome, SessionError) and not parts
        if not failed_before_text:
            session.history.append(Exchange(text, "".join(parts), partial=partial))
