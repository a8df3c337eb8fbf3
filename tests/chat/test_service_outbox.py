"""What submit() posts is yielded by run() at once, in every state (chat-api.md requests
6 and 7): while the engine loads and while a turn's prefill runs, not when they end."""

from __future__ import annotations

import asyncio
import time

import pytest

from neuro_tui.chat import events as ev
from neuro_tui.chat.service import ChatService
from tests.chat.conftest import make_config

pytestmark = pytest.mark.timeout(60)


async def _until(seen, test, timeout: float) -> float:
    """Seconds until an event in `seen` passes `test` (fails after `timeout`)."""
    t0 = time.monotonic()
    while not any(test(e) for e in seen):
        assert time.monotonic() - t0 < timeout, [type(e).__name__ for e in seen]
        await asyncio.sleep(0.01)
    return time.monotonic() - t0


async def test_submit_is_yielded_at_once_while_loading_and_during_prefill(fake_factory):
    factory = fake_factory(answers=["one", "two"],
                           env={"FAKE_LOAD_DELAY": "2", "FAKE_PREFILL_DELAY": "1.5"})
    service = ChatService(make_config(), session_factory=factory)
    seen: list = []

    async def consume():
        async for event in service.run():
            seen.append(event)

    task = asyncio.create_task(consume())
    await _until(seen, lambda e: isinstance(e, ev.EngineStarting), 10)
    assert service.submit("early bird") == 1
    assert await _until(seen, lambda e: isinstance(e, ev.TurnQueued), 0.5) < 0.5
    assert service.submit("\x01\x02") is None
    await _until(seen, lambda e: isinstance(e, ev.MessageRefused), 0.5)
    assert not any(isinstance(e, ev.EngineReady) for e in seen)  # still loading
    await _until(seen, lambda e: isinstance(e, ev.TurnStatusChanged), 10)  # turn 1 sent
    assert service.submit("second") == 2  # prefill of turn 1 runs for 1.5 s
    await _until(seen, lambda e: isinstance(e, ev.TurnQueued) and e.turn == 2, 0.5)
    assert not any(isinstance(e, ev.AnswerDelta) for e in seen)
    await _until(seen, lambda e: isinstance(e, ev.TurnEnded) and e.turn == 2, 20)
    await service.close()
    await asyncio.wait_for(task, 10)
    assert [type(e) for e in seen].count(ev.EngineReady) == 1  # request 7: yielded once
    assert [t.answer for t in service.transcript.turns] == ["one", "two"]


async def test_server_engine_streams_through_the_pump():
    """run() steps the engine's stream from its own tasks: httpx/SSE must not mind."""
    from neuro_tui.engine.endpoint import ServerSpec, parse_url
    from neuro_tui.engine.params import GenerationParams
    from neuro_tui.engine.server_engine import ServerSession
    from tests.openai_server import OpenAIServer

    with OpenAIServer("llama.cpp") as srv:
        def factory(config):
            return ServerSession(ServerSpec(parse_url(srv.url),
                                            params=GenerationParams(threads=1)))

        service = ChatService(make_config(), session_factory=factory, retriever=False)
        service.submit("Why is the sky blue?")
        service.submit("And at sunset?")
        events = [e async for e in service.run(until_idle=True)]
        ended = [e for e in events if isinstance(e, ev.TurnEnded)]
        assert [e.turn for e in ended] == [1, 2] and not any(e.error for e in ended)
        assert all(t.answer == srv.script.answer for t in service.transcript.turns)
        await service.close()
