"""How a chat's engine (re)starts: what it is given to know the turns so far.

Why apart from the service's loop: this is the one decision about a fresh engine, made in
one place: a server that keeps its own history only reconnects; a server with the chat's
saved state restores it (slot_resume.py); anything else gets ONE recap, the context
policy's plan of the finished turns sized by the prefill-time budget at this model's
measured prompt speed (the session is made first to learn it), with the turns it leaves
out reported as TurnsDropped/Notice events before the engine's own.
"""

from __future__ import annotations

import asyncio

from neuro_tui.chat import slot_resume
from neuro_tui.chat.policy import measured_prefill_tok_s
from neuro_tui.engine.events import Exchange
from neuro_tui.engine.recap import build_recap


def recap(service) -> str:
    """The one recap: finished turns, newest kept, for a fresh engine's system prompt."""
    policy, config = service.policy, service.config
    if hasattr(policy, "recap_plan"):  # sized by the prefill-time budget (#16)
        rate = measured_prefill_tok_s(getattr(service.session, "spec", None), config)
        return policy.recap_plan(service.transcript, config, rate).recap
    turns = [Exchange(t.question, t.answer, t.partial)
             for t in service.transcript.finished_turns if t.answer or t.partial]
    return build_recap(turns, int(getattr(config, "ctx_size", 4096) or 4096))


async def starting(service, config, given: str | None, fresh: bool):
    """The events of starting `service`'s engine (`config`: a new one, else the same);
    `given`: the recap asked for (None: decided here); `fresh`: not a mere reconnect."""
    engine = service.engine
    turns = len(service.transcript.finished_turns)
    keeps = (config is None and not fresh and engine.started
             and getattr(engine.session, "keeps_history", False))
    resume = False
    if given is None and not keeps:
        if engine.session is None and service.transcript.finished_turns:
            await make_session(service)  # its spec gives the measured prompt speed
        resume = slot_resume.wanted(service)  # server engine: its saved state, else a recap
    if given is None and not keeps and not resume:
        given = recap(service)
        for event in getattr(service.policy, "pop_events", tuple)():  # turns left out
            yield event
        turns = getattr(service.policy, "recap_turns", turns)  # the ones it really holds
    on_model = service.store.set_model if service.store is not None else None
    async for event in engine.start(service.config, given, config is not None, turns,
                                    on_model):
        yield event
    if resume and service.state == "ready":
        async for event in slot_resume.resume(service):
            yield event


async def make_session(service) -> None:
    """The engine session, made before the first start of a resumed chat so its recap can
    be sized at this model's measured speed; a factory error is left for the start to
    report (as an EngineFailed event)."""
    engine = service.engine
    try:
        engine.session = await asyncio.to_thread(engine.factory, service.config)
    except Exception:  # noqa: BLE001 - reported by engine.start, which tries again
        engine.session = None
