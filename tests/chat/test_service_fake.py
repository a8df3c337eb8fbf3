"""ChatService over the fake llama-cli: numbering, queueing, stop, crash, refusals."""

from __future__ import annotations

import asyncio

import pytest

from neuro_tui.chat import events as ev
from neuro_tui.chat.events import TurnStatus
from neuro_tui.chat.service import ChatService
from tests.chat.conftest import collect, make_config

pytestmark = pytest.mark.timeout(60)


async def test_turns_are_numbered_once_and_queue_while_loading(fake_factory):
    factory = fake_factory(answers=["one", "two", "three"], env={"FAKE_LOAD_DELAY": "0.5"})
    service = ChatService(make_config(), session_factory=factory)
    assert [service.submit(q) for q in ("a", "b", "c")] == [1, 2, 3]  # before the engine
    events = await collect(service.run(until_idle=True))
    kinds = [type(e).__name__ for e in events]
    assert kinds.index("EngineReady") > kinds.index("TurnQueued")
    ended = [e for e in events if isinstance(e, ev.TurnEnded)]
    assert [e.turn for e in ended] == [1, 2, 3]
    t = service.transcript
    assert [(x.number, x.question, x.answer, x.status) for x in t.turns] == [
        (1, "a", "one", TurnStatus.DONE), (2, "b", "two", TurnStatus.DONE),
        (3, "c", "three", TurnStatus.DONE)]
    await service.close()
    assert service.state == "closed"


async def test_empty_and_oversized_messages_are_refused_and_the_chat_goes_on(fake_factory):
    service = ChatService(make_config(ctx_size=512), session_factory=fake_factory())
    assert service.submit("\x01\x02\x7f") is None
    assert service.submit("x " * 5000) is None
    assert service.submit("hello after") == 1
    events = await collect(service.run(until_idle=True))
    refused = [e for e in events if isinstance(e, ev.MessageRefused)]
    assert [r.reason for r in refused] == ["empty", "too_long"]
    assert "control characters" in refused[0].message
    assert refused[1].tokens > 2500 and f"about {refused[1].tokens} tokens" in refused[1].message
    assert "the context holds 512" in refused[1].message
    assert service.transcript.at(1).answer.startswith("Hello")
    await service.close()


async def test_stop_ends_the_answer_and_the_next_turn_works(fake_factory):
    service = ChatService(make_config(), session_factory=fake_factory(
        answers=["{endless}", "short"], env={"FAKE_TOKEN_DELAY": "0.01"}))
    service.submit("go on forever")
    service.submit("then this")
    seen = []
    async for event in service.run(until_idle=True):
        seen.append(event)
        if isinstance(event, ev.AnswerDelta) and event.turn == 1 and len(seen) > 20:
            assert await service.stop()
    t = service.transcript
    assert t.at(1).status is TurnStatus.STOPPED and t.at(1).stop_reason == "interrupted"
    assert t.at(2).answer == "short" and t.at(2).status is TurnStatus.DONE
    await service.close()


async def test_crash_mid_answer_keeps_the_partial_and_restart_recaps(fake_factory,
                                                                    monkeypatch):
    service = ChatService(make_config(), session_factory=fake_factory(
        answers=["first answer here", "{system}"],
        env={"FAKE_CRASH_AFTER": 2, "FAKE_CRASH_TURN": 1}))
    service.submit("crash please")
    events = await collect(service.run(until_idle=True))
    failed = [e for e in events if isinstance(e, ev.EngineFailed)]
    assert failed and failed[0].kind == "crash" and service.state == "failed"
    turn = service.transcript.at(1)
    assert turn.partial and turn.status is TurnStatus.FAILED and turn.answer
    service.submit("what did I say?")
    monkeypatch.setenv("FAKE_CRASH_AFTER", "-1")  # the next process answers with its system
    monkeypatch.setenv("FAKE_ANSWERS", '["{system}"]')
    service.restart()
    events = await collect(service.run(until_idle=True))
    ready = next(e for e in events if isinstance(e, ev.EngineReady))
    assert "recap of the 1 earlier turn" in ready.notice
    assert "crash please" in service.transcript.at(2).answer  # the fake echoes its system
    await service.close()


async def test_close_while_a_worker_iterates_forever(fake_factory):
    service = ChatService(make_config(), session_factory=fake_factory())
    seen: list = []

    async def worker():
        async for event in service.run():
            seen.append(event)

    task = asyncio.create_task(worker())
    service.submit("hi")
    while not any(isinstance(e, ev.TurnEnded) for e in seen):
        await asyncio.sleep(0.02)
    await service.close()
    await asyncio.wait_for(task, 5)
    assert isinstance(seen[-1], ev.EngineClosed)


async def test_resume_gives_the_saved_turns_as_recap_and_numbers_go_on(fake_factory):
    from neuro_tui.chat import store

    st = store.ChatStore.create(model="m")
    first = ChatService(make_config(), session_factory=fake_factory(answers=["Paris."]),
                        store=st)
    await collect(first.ask("capital of France?"))
    await first.close()
    saved = store.find("last")
    assert saved.transcript.at(1).answer == "Paris."
    resumed = ChatService(make_config(), session_factory=fake_factory(answers=["{system}"]),
                          store=store.ChatStore.open(saved.path, saved.transcript.title),
                          transcript=saved.transcript)
    events = await collect(resumed.ask("and now?"))
    ready = next(e for e in events if isinstance(e, ev.EngineReady))
    assert "recap of the 1 earlier turn" in ready.notice
    assert resumed.transcript.at(2).question == "and now?"
    assert "capital of France?" in resumed.transcript.at(2).answer  # the recap reached it
    await resumed.close()
    again = store.load(saved.path)
    assert [t.number for t in again.turns] == [1, 2] and again.problems == ()
