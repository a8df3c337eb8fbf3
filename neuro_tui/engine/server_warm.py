"""Prefill while typing: warm llama-server's prompt cache before the user presses Enter.

A cited question is mostly sources: hundreds of tokens the model must read before its
first answer token (bench/bench_prefill.py: ~2 s on 2 cores for 500 tokens). While the
user is still typing, the chat core knows the sources (retrieved for the text so far) and
sends `warm(prefix)`: the whole message list with `prefix` (system prompt, earlier turns,
sources: everything but the question) as the new user message, generating one token,
`cache_prompt` on. llama-server keeps those tokens in its slot; on Enter, a message that
starts with the same prefix reads only the question's own tokens.

Rules: llama.cpp servers only (others do not document `cache_prompt`: no-op); the same
endpoint as every chat request, so a remote server gets it only with the same opt-in;
nothing is added to the history, the turn count or the stats; a newer warm() replaces
the running one; ask() waits for a running warm (same prefix: the server would have to
read it anyway; the wait counts in TTFT) unless the core called cancel_warm() because the
sources changed.
"""

from __future__ import annotations

import asyncio
import time

import httpx

from neuro_tui.engine.events import SessionState


def can_warm(session) -> bool:
    return (session.info is not None and session.info.kind == "llama.cpp"
            and session.state in (SessionState.READY, SessionState.STOPPED))


async def warm_request(session, prefix: str) -> dict | None:
    """One non-streamed request that reads `prefix` into the cache; its figures, or None
    when the server could not be asked (a warm is an optimisation: it never raises)."""
    from neuro_tui.engine.server_turn import build_payload

    payload = build_payload(session, session.messages(prefix))
    payload.update(stream=False, max_tokens=1)
    payload.pop("stream_options", None)
    t0 = time.monotonic()
    try:
        response = await session._client.post(
            f"{session.spec.endpoint.api}/chat/completions", json=payload,
            headers=session.headers(), timeout=httpx.Timeout(session.spec.connect_timeout_s,
                                                             read=session.spec.hang_timeout_s))
        body = response.json() if response.status_code == 200 else {}
    except (httpx.HTTPError, ValueError):
        return None
    figures = dict(body.get("timings") or {})
    figures.update(usage=body.get("usage"), wall_ms=(time.monotonic() - t0) * 1000)
    return figures


class Warmer:
    """The one running warm request of a session."""

    def __init__(self, session):
        self.session = session
        self.task: asyncio.Task | None = None
        self.prefix: str | None = None
        self.last: dict | None = None  # figures of the last finished warm

    def start(self, prefix: str) -> bool:
        if not can_warm(self.session) or not prefix.strip():
            return False
        if self.task is not None and not self.task.done():
            if prefix == self.prefix:
                return True
            self.task.cancel()
        self.prefix = prefix
        self.task = asyncio.create_task(self._run(prefix))
        return True

    async def _run(self, prefix: str) -> None:
        self.last = await warm_request(self.session, prefix)

    async def wait(self) -> None:
        if self.task is not None and not self.task.done():
            await asyncio.wait({self.task}, timeout=self.session.spec.hang_timeout_s)

    async def cancel(self) -> None:
        task, self.task = self.task, None
        if task is not None and not task.done():
            task.cancel()
            try:
                await task
            except asyncio.CancelledError:
                pass
