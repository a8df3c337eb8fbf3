"""One turn of a ServerSession: request, stream, stop rules, faults, exact figures.

The HTTP stream runs in its own task feeding a queue, so that the turn can wait with a
deadline (a server that drips bytes and then stalls is "hang" after spec.hang_timeout_s
without an answer event, as on the pty) and so that interrupt() can close the stream at
once by cancelling that task.
"""

from __future__ import annotations

import asyncio
import time

import httpx

from neuro_tui.engine.events import (
    AnswerText,
    ContextWarning,
    EngineNotice,
    SessionError,
    SessionState,
    TurnStats,
)
from neuro_tui.engine.openai_stream import ApiError, Chunk, StreamBroken, stream_chat
from neuro_tui.engine.server_info import _reason, key_hint
from neuro_tui.engine.session import Exchange
from neuro_tui.engine.timing import CTX_WARN_FRACTION, TEMPLATE_TOKENS_PER_TURN, estimate_tokens

STOP = object()  # interrupt() puts this in the queue
END = object()  # the stream finished normally
STOP_REASONS = {"stop": "eos", "length": "max_tokens", "eos": "eos"}


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
    return SessionError(f"connection to {url} {what}: {error or type(error).__name__}",
                        kind="crash", partial=partial)


def payload_model(session) -> str:
    return session.info.model if session.info else session.spec.model


def _backoff(session, error: ApiError, attempt: int) -> float:
    if error.retry_after is not None:
        return min(error.retry_after, 60.0)
    return session.spec.backoff_s * (2 ** attempt)


class _Figures:
    """Counts and clocks of one answer; exact numbers replace the estimates when they come."""

    def __init__(self, session, turn: int):
        self.session, self.turn = session, turn
        self.t_send = time.monotonic()
        self.t_first = self.t_last = None
        self.deltas = 0
        self.timings = self.usage = None
        self.finish = None
        s = session.stats
        s.ttft_ms, s.tokens, s.tok_s, s.tokens_exact = None, 0, None, False
        s.gen_tok_s_reported = s.prompt_tok_s = None

    def text(self) -> None:
        now = time.monotonic()
        s = self.session.stats
        if self.t_first is None:
            self.t_first = now
            s.ttft_ms = (now - self.t_send) * 1000
            s.state = SessionState.GENERATING
        self.t_last, self.deltas = now, self.deltas + 1
        s.tokens = self.deltas
        if self.deltas > 1 and now > self.t_first:
            s.tok_s = (self.deltas - 1) / (now - self.t_first)

    def chunk(self, chunk: Chunk) -> None:
        self.timings = chunk.timings or self.timings
        self.usage = chunk.usage or self.usage
        self.finish = chunk.finish or self.finish

    def finish_stats(self, stop_reason: str) -> TurnStats:
        s, t, u = self.session.stats, self.timings or {}, self.usage or {}
        exact = t.get("predicted_n", u.get("completion_tokens"))
        if isinstance(exact, int):
            s.tokens, s.tokens_exact = exact, True
            if self.t_first is not None and self.t_last and self.t_last > self.t_first:
                s.tok_s = max(exact - 1, 0) / (self.t_last - self.t_first) or s.tok_s
        prompt = u.get("prompt_tokens")
        if not isinstance(prompt, int) and isinstance(t.get("prompt_n"), int):
            prompt = t["prompt_n"] + int(t.get("cache_n") or 0)
        if isinstance(prompt, int):
            s.prompt_tokens = prompt
            s.ctx_used = prompt + (s.tokens if s.tokens_exact else s.tokens)
        s.gen_tok_s_reported = t.get("predicted_per_second")
        s.prompt_tok_s = t.get("prompt_per_second")
        self.session.last_timings, self.session.last_usage = self.timings, self.usage
        now = time.monotonic()
        return TurnStats(
            turn=self.turn, load_ms=s.load_ms, ttft_ms=s.ttft_ms, tokens=s.tokens,
            tokens_exact=s.tokens_exact, tok_s=s.tok_s, prompt_tokens=s.prompt_tokens,
            ctx_used=s.ctx_used, ctx_size=s.ctx_size, stop_reason=stop_reason,
            total_ms=(now - self.t_send) * 1000, prompt_tok_s=s.prompt_tok_s,
            gen_tok_s_reported=s.gen_tok_s_reported)


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
    figures = _Figures(session, session._turn)
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
                await session._stop_reader()
                outcome = SessionError(
                    f"{session.url} sent nothing for {spec.hang_timeout_s:.0f} s; the answer "
                    "was abandoned", kind="hang", partial=bool(parts))
                break
            if item is STOP:
                outcome = "interrupted"
            elif item is END:
                outcome = STOP_REASONS.get(figures.finish or "stop", "eos")
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
        await session._stop_reader()
        session._queue = None
        if stats.state in (SessionState.PREFILL, SessionState.GENERATING):
            stats.state = SessionState.STOPPED  # the caller stopped listening mid-answer
        partial = isinstance(outcome, SessionError) and outcome.partial
        failed_before_text = isinstance(outcome, SessionError) and not parts
        if not failed_before_text:
            session.history.append(Exchange(text, "".join(parts), partial=partial))
