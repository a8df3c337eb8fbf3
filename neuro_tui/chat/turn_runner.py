"""One turn of a ChatService: retrieval, the context policy, the engine, events out.

Why apart from service.py: this is the part that turns engine events (AnswerText, TurnStats,
SessionError, ContextWarning) into chat events, and where untrusted model text is cleaned,
once, for every engine (textsafe.StreamCleaner). It yields events; the service posts them.
"""

from __future__ import annotations

import asyncio

from neuro_tui.chat import events as ev
from neuro_tui.chat import message_list
from neuro_tui.chat.events import TurnStatus
from neuro_tui.engine.events import (
    AnswerText,
    ContextWarning,
    EngineNotice,
    SessionError,
    TurnStats,
)
from neuro_tui.textsafe import StreamCleaner, strip_controls

# The engine is gone (or its stream cannot be trusted): EngineFailed, restart() goes on.
# Every other SessionError kind (server engine: auth, model, busy, server, request) fails
# only that turn, with a Notice saying why; the chat continues.
ENGINE_DOWN = ("crash", "hang", "load", "protocol")


def engine_name(session) -> str:
    url = getattr(session, "url", None)
    return f"the server engine ({url})" if url else "llama-cli"


async def retrieve(service, number: int, question: str):
    """(prompt, events): the question with its sources, or the question alone."""
    config = service.config
    if not service.retriever or not (getattr(config, "storage", None) or service.web):
        return question, []
    # the default retriever also takes the engine's spec: it sizes sources by prefill time
    spec = {"spec": getattr(service.session, "spec", None)} if service.retriever_takes_spec else {}
    try:
        result = await asyncio.to_thread(service.retriever, question, config, service.web,
                                         **spec)
    except Exception as error:  # no sources is better than no answer: say so, go on
        text = strip_controls(str(error)) or type(error).__name__
        return question, [ev.Notice(f"retrieval failed: {text}", "error", number)]
    prompt, sources, notes = result[:3]
    plan = result[3] if len(result) > 3 else None
    found = ev.SourcesFound(number, tuple(sources), tuple(strip_controls(n) for n in notes),
                            plan)
    return prompt, [found] + [ev.Notice(note, "warning", number) for note in found.notes]


async def run_turn(service, number: int):
    turn = service.transcript.at(number)
    yield ev.TurnStatusChanged(number, TurnStatus.RETRIEVING)
    prompt, found = await retrieve(service, number, turn.question)
    for event in found:
        yield event
    if service.stop_requested:
        yield ev.TurnEnded(number, TurnStatus.STOPPED, "interrupted")
        return
    session = service.session
    stats = session.stats
    listed = message_list.applies(session)  # server engine: the policy picks the messages
    if listed:
        recap = await message_list.before_turn(service, turn, prompt)
    else:
        recap = service.policy.before_turn(service.transcript, turn, prompt, stats.ctx_used,
                                           stats.ctx_size or service.config.ctx_size)
    for event in getattr(recap, "events", ()):  # a ContextDecision (chat/policy.py)
        yield event
    if getattr(recap, "refusal", None):
        yield ev.TurnEnded(number, TurnStatus.FAILED, "error", error=recap.refusal)
        return
    recap = getattr(recap, "recap", recap)
    if recap is not None:
        await session.restart(recap)
        yield ev.Notice(f"{engine_name(session)} restarted with a shorter recap to make room",
                        "info", number)
    yield ev.TurnStatusChanged(number, TurnStatus.PREFILL)
    warmed = getattr(session, "warm_prefix", None)  # chat/prefill.py warmed other sources:
    if warmed is not None and not prompt.startswith(warmed):  # do not wait for that warm
        await session.cancel_warm()
    cleaner = StreamCleaner()
    stop_reason, turn_stats, error, down, partial, answered = "eos", None, None, None, False, False
    try:
        asking = message_list.ask(service, turn, prompt) if listed else session.ask(prompt)
        async for event in asking:
            if isinstance(event, AnswerText):
                text = cleaner.feed(event.text)
                if text:
                    answered = True
                    yield ev.AnswerDelta(number, text)
            elif isinstance(event, TurnStats):
                stop_reason, turn_stats = event.stop_reason, event.as_json()
            elif isinstance(event, ContextWarning):
                yield ev.ContextFilling(number, event.ctx_used, event.ctx_size)
            elif isinstance(event, (ev.TurnsDropped, ev.Notice)):  # message_list: cut, retry
                yield event
            elif isinstance(event, EngineNotice):  # e.g. "server busy (429): retrying in 2 s"
                yield ev.Notice(strip_controls(event.message), "info", number)
            elif isinstance(event, SessionError):
                error = strip_controls(event.message)
                tail = tuple(strip_controls(line) for line in event.log_tail)
                if event.kind in ENGINE_DOWN:
                    down = ev.EngineFailed(event.kind, error, None, tail)
                    partial = event.partial or answered
                elif event.kind == "context" and not listed:  # llama-cli: start afresh
                    service.restart(fresh=True)
                    yield ev.Notice(f"{error}: {engine_name(session)} is restarted with a "
                                    "recap", "warning", number, tail)
                else:  # the server refused this turn (key, model, busy...): say why, go on
                    yield ev.Notice(error, "error", number, tail)
    except ValueError as refused:  # the engine's own input check (nothing left to send)
        error = str(refused)
    except Exception as broken:  # the engine broke: a failed turn, the service goes on
        error = strip_controls(str(broken)) or repr(broken)
        down = ev.EngineFailed("crash", error)
    tail = cleaner.finish()
    if tail:
        yield ev.AnswerDelta(number, tail)
    if error is not None:
        status, stop_reason = TurnStatus.FAILED, "error"
    elif stop_reason == "interrupted":
        status = TurnStatus.STOPPED
    else:
        status = TurnStatus.DONE
    yield ev.TurnEnded(number, status, stop_reason, turn_stats, partial, error)
    if down is not None:
        service.engine_down()
        yield down
