"""Prefill while typing, the core half (issue 15): warm the server for a question not sent.

When the user pauses typing with sources on, the screen calls `await prefill(service,
text)`: the text so far is retrieved for (in a thread, as a turn would), and the prompt
the turn would send, minus the question itself, goes to `session.warm(prefix)` (engine/
server_warm.py: llama-server reads system prompt, earlier turns and those sources into
its prompt cache, generating nothing). On Enter the turn's own retrieval builds
`prefix + question`; when the sources are the same, the server reads only the question.
When they differ, turn_runner cancels the stale warm instead of waiting for it.

Only engines with `warm` (ServerSession); only when idle and ready; the same endpoint as
every request, so a remote server gets it only with the same opt-in. Never raises: a warm
is an optimisation.
"""

from __future__ import annotations

import asyncio

from neuro_tui.textsafe import strip_controls


def split_prompt(prompt: str, question: str) -> str | None:
    """The prompt without its question (retrieval puts the question last), or None."""
    if not question or not prompt.endswith(question) or prompt == question:
        return None
    return prompt[:-len(question)]


async def prefill(service, text: str) -> bool:
    """Warm the engine for `text` (the question typed so far). True when a warm runs."""
    session = service.session
    warm = getattr(session, "warm", None)
    config = service.config
    question = strip_controls(text).strip()
    if (warm is None or service.state != "ready" or service.queued or not question
            or not service.retriever or not (getattr(config, "storage", None) or service.web)):
        return False
    spec = {"spec": getattr(session, "spec", None)} if service.retriever_takes_spec else {}
    try:
        result = await asyncio.to_thread(service.retriever, question, config, service.web,
                                         **spec)
    except Exception:  # noqa: BLE001 - the turn itself will retrieve and say what failed
        return False
    prefix = split_prompt(result[0], question)
    if prefix is None or service.state != "ready" or service.session is not session:
        return False
    if getattr(session, "warm_prefix", None) not in (None, prefix):
        await session.cancel_warm()
    return bool(warm(prefix))
