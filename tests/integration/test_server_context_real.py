"""The context policy and fast resume on a real llama-server 0.3.16 with the real SmolLM2.

The server is the one the app starts for a chat (engine/factory.py, no url: owned by the
session, --no-context-shift, --slot-save-path in the data folder). A small context (512)
so the limit comes in a few turns. What is checked is what the server was sent and what it
counted (its usage/timings), never the model's wording.
"""

from __future__ import annotations

import pytest

from neuro_tui.chat import events as ev
from neuro_tui.chat import store as store_mod
from neuro_tui.chat.events import TurnStatus
from neuro_tui.chat.service import ChatService
from neuro_tui.chat.store import ChatStore
from neuro_tui.engine.events import SessionError
from neuro_tui.engine.factory import build_session
from tests.integration import test_server_real as real

pytestmark = [pytest.mark.integration, pytest.mark.slow, pytest.mark.timeout(600)]

FACTS = ["My cat is called Tiger.", "My dog is called Rex.", "I live in Lyon.",
         "My car is red.", "I work as a baker.", "My sister is Ana.", "I like jazz.",
         "My phone is old.", "I play chess.", "My house is blue.", "I drink tea.",
         "My bike is green.", "I read poems.", "My shoes are new."]


llama_server_bin = real.llama_server_bin  # the same fixtures (the server the app starts)
server_config = real.server_config


def of(events, kind):
    return [e for e in events if isinstance(e, kind)]


def users(request: dict) -> list[str]:
    return [m["content"] for m in request["messages"] if m["role"] == "user"]


@pytest.mark.parametrize("policy", ["truncate-middle", "rolling"])
async def test_policy_picks_the_message_list_on_the_real_server(server_config, policy):
    config = server_config(ctx_size=512, max_tokens=48, context_policy=policy)
    service = ChatService(config, retriever=False, store=ChatStore.create())
    events, sent = [], []
    try:
        for fact in FACTS:
            events += [e async for e in service.ask(f"{fact} Say something about it.")]
            sent.append(service.session.last_request)
        ends = of(events, ev.TurnEnded)
        assert [e.status for e in ends] == [TurnStatus.DONE] * len(FACTS), ends
        assert len(of(events, ev.EngineStarting)) == 1  # never restarted
        drops = of(events, ev.TurnsDropped)
        assert drops, "the context never filled"
        for drop in drops:
            asked = users(sent[drop.turn - 1])
            assert asked == [f"{FACTS[n - 1]} Say something about it." for n in drop.kept] \
                + [f"{FACTS[drop.turn - 1]} Say something about it."]
            assert (1 in drop.kept) == (policy == "truncate-middle")
        for end in ends:  # the server's own count: every prompt + answer fitted in 512
            assert end.stats["tokens_exact"] and end.stats["ctx_used"] <= 512, end.stats
        saved = store_mod.load(service.store.path)
        assert len(saved.turns) == len(FACTS) and all(t.answer for t in saved.turns)
    finally:
        await service.close()


async def test_the_real_server_refuses_an_overlong_prompt_instead_of_cutting_it(server_config):
    """--no-context-shift: llama-server 0.3.16 answers a prompt longer than its context
    with an error (inside the stream), which the engine reports as kind "context"."""
    session = build_session(server_config(ctx_size=256))
    await session.start()
    try:
        events = [e async for e in session.ask("apple banana cherry " * 120)]
        errors = of(events, SessionError)
        assert errors and errors[0].kind == "context", events
        assert "exceeds the available context" in errors[0].message
        again = [e async for e in session.ask("Say hi.")]  # the session goes on
        assert not of(again, SessionError)
    finally:
        await session.close()


async def test_resume_restores_the_real_servers_saved_state(server_config):
    config = server_config(ctx_size=2048, max_tokens=32)
    first = ChatService(config, retriever=False, store=ChatStore.create())
    for fact in FACTS[:4]:
        [e async for e in first.ask(f"{fact} Say something about it.")]
    path = first.store.path
    full = first.session.last_timings
    await first.close()  # the server stops with the chat; its state is on disk
    service = ChatService(config, retriever=False, store=ChatStore.open(path),
                          transcript=store_mod.load(path))
    try:
        events = [e async for e in service.ask("What is my cat called?")]
        notes = [n.text for n in of(events, ev.Notice)]
        assert any("resumed from the server's saved state" in n for n in notes), notes
        assert of(events, ev.TurnEnded)[0].status is TurnStatus.DONE
        timings, usage = service.session.last_timings, service.session.last_usage
        prompt = service.session.last_request
        assert len(users(prompt)) == 5  # the four turns as they were sent, then the new one
        # of a prompt of 150+ tokens the server read only the new question (0.3.16 has no
        # cache_n: prompt_n is what it read, usage.prompt_tokens the whole prompt)
        assert usage["prompt_tokens"] > 150 and timings["prompt_n"] < 40, (timings, usage, full)
    finally:
        await service.close()


async def test_stop_refuses_at_the_real_servers_limit_and_sends_nothing(server_config):
    config = server_config(ctx_size=512, max_tokens=48, context_policy="stop")
    service = ChatService(config, retriever=False, store=ChatStore.create())
    try:
        ends, sent = [], []
        for fact in FACTS:
            events = [e async for e in service.ask(f"{fact} Say something about it.")]
            ends += of(events, ev.TurnEnded)
            sent.append(service.session.last_request)
            if ends[-1].status is TurnStatus.FAILED:
                break
        refused = ends[-1]
        assert refused.status is TurnStatus.FAILED, "the context never filled"
        assert "context full" in refused.error and "fork" in refused.error
        assert sent[-1] is sent[-2]  # that turn's request was never sent
        assert all(e.stats["ctx_used"] <= 512 for e in ends[:-1])
    finally:
        await service.close()


async def test_the_real_servers_context_error_drops_turns_and_sends_again(server_config):
    """Our count is made to think the context is 4096 while the server has 512: the server
    refuses the request (--no-context-shift), truncate-middle drops turns, the turn is sent
    again and answered."""
    config = server_config(ctx_size=512, max_tokens=48, context_policy="truncate-middle")
    service = ChatService(config, retriever=False, store=ChatStore.create())
    try:
        events = []
        for i, fact in enumerate(FACTS):
            events += [e async for e in service.ask(f"{fact} Say something about it.")]
            if i == 0:
                service.session.stats.ctx_size = 4096  # what a wrong /props would say
            if of(events, ev.TurnsDropped):
                break
        drop = of(events, ev.TurnsDropped)[0]
        ends = of(events, ev.TurnEnded)
        assert [e.status for e in ends] == [TurnStatus.DONE] * len(ends), ends
        assert ends[-1].turn == drop.turn and 1 in drop.kept and drop.dropped
        assert users(service.session.last_request) == [
            f"{FACTS[n - 1]} Say something about it." for n in drop.kept + (drop.turn,)]
    finally:
        await service.close()
