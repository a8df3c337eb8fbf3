"""The context policy and fast resume on the server engine, on the loopback server.

What is checked is what was really sent: the loopback server (tests/openai_server.py)
records every request, counts a "token" per word (/tokenize too, as llama-server counts
its own), can refuse a prompt that is too long the way llama-server 0.3.16 does with
--no-context-shift (an `error:` line inside the 200 stream), and saves/restores its
"slot" (the cached words) to a file as llama-server does with --slot-save-path.
"""

from __future__ import annotations

import pytest

from neuro_tui import config as config_mod
from neuro_tui.chat import events as ev
from neuro_tui.chat import store as store_mod
from neuro_tui.chat.events import TurnStatus
from neuro_tui.chat.service import ChatService
from neuro_tui.chat.store import ChatStore
from neuro_tui.engine.factory import build_session
from tests.openai_server import OpenAIServer

pytestmark = pytest.mark.timeout(90)
ANSWER = "one two three four five six seven eight nine ten."  # 10 words


@pytest.fixture
def srv():
    with OpenAIServer("llama.cpp") as server:
        server.script.answer = ANSWER
        server.script.delay_s = 0.0
        yield server


def service_for(url, tmp_path, policy, slot_dir=None, transcript=None, store=None,
                **flags) -> ChatService:
    config = config_mod.load({"engine": "server", "engine_url": url, "max_tokens": 16,
                              "context_policy": policy, "system_prompt": "Be brief.",
                              **flags}, environ={})

    def factory(cfg):
        session = build_session(cfg)
        session.slot_dir = slot_dir  # a server neuro-tui started has one (--slot-save-path)
        return session
    store = store or ChatStore.create(folder=tmp_path)
    return ChatService(config, retriever=False, session_factory=factory, store=store,
                       transcript=transcript)


def question(n: int) -> str:
    return f"Question {n} about topic{n} please answer"  # 6 words


async def chat(service, turns: range) -> list:
    out = []
    for n in turns:
        out += [e async for e in service.ask(question(n))]
    return out


def of(events, kind):
    return [e for e in events if isinstance(e, kind)]


def asked(request) -> list[str]:
    return [m["content"] for m in request["body"]["messages"] if m["role"] == "user"]


@pytest.mark.parametrize("policy", ["truncate-middle", "rolling"])
async def test_the_policy_chooses_the_messages_sent_no_restart(srv, tmp_path, policy):
    srv.script.ctx = 200  # /props n_ctx: ~11 turns of 6 + 10 words
    srv.script.enforce_ctx = 200  # and the server really refuses more
    service = service_for(srv.url, tmp_path, policy)
    try:
        events = await chat(service, range(1, 25))
        assert len(of(events, ev.EngineStarting)) == 1  # never restarted
        assert all(e.status is TurnStatus.DONE for e in of(events, ev.TurnEnded))
        drops = of(events, ev.TurnsDropped)
        assert len(drops) >= 2 and all(d.policy == policy and d.reason == "context"
                                       for d in drops)
        requests = srv.chat_requests
        assert len(requests) == 24  # one per turn: nothing refused, nothing retried
        for drop in drops:  # the request of that turn holds exactly the kept turns
            sent = asked(requests[drop.turn - 1])
            assert sent == [question(n) for n in drop.kept] + [question(drop.turn)]
            assert not set(drop.kept) & set(drop.dropped)
            assert set(drop.kept) | set(drop.dropped) == set(range(1, drop.turn))
            newest = drop.kept[1:] if policy == "truncate-middle" else drop.kept
            assert list(newest) == list(range(drop.turn - len(newest), drop.turn))
            assert (drop.kept[0] == 1) == (policy == "truncate-middle")
        last = drops[-1]
        kept_after = [question(n) for n in last.kept] + [question(n) for n in
                                                         range(last.turn, 25)]
        assert asked(requests[-1]) == kept_after  # later turns join the shorter list
        for request in requests:  # what the server read always fitted its context
            words = " ".join(m["content"] for m in request["body"]["messages"]).split()
            assert len(words) + 16 <= 200
        saved = store_mod.load(service.store.path)
        assert [t.question for t in saved.turns] == [question(n) for n in range(1, 25)]
        assert all(t.answer == ANSWER for t in saved.turns)  # the file keeps everything
    finally:
        await service.close()


async def test_stop_refuses_the_turn_with_the_choices_and_sends_nothing(srv, tmp_path):
    srv.script.ctx = 160
    service = service_for(srv.url, tmp_path, "stop")
    try:
        events = await chat(service, range(1, 13))
        failed = [e for e in of(events, ev.TurnEnded) if e.status is TurnStatus.FAILED]
        assert failed, "the context never filled"
        first = failed[0]
        assert "context full" in first.error and "new chat" in first.error
        assert "fork" in first.error and "truncate-middle or rolling" in first.error
        assert len(srv.chat_requests) == first.turn - 1  # the refused turn was not sent
        assert not of(events, ev.TurnsDropped)
        assert any(n.level == "warning" and "not sent" in n.text for n in of(events, ev.Notice))
    finally:
        await service.close()


@pytest.mark.parametrize("policy", ["truncate-middle", "stop"])
async def test_a_context_error_from_the_server_applies_the_policy(srv, tmp_path, policy):
    """The server says n_ctx 2048 but refuses a prompt of 100 words (its real limit, as
    llama-server 0.3.16 does with --no-context-shift: inside the 200 stream)."""
    srv.script.ctx, srv.script.enforce_ctx = 2048, 100
    service = service_for(srv.url, tmp_path, policy)
    try:
        events = await chat(service, range(1, 8))
        ends = of(events, ev.TurnEnded)
        refused = [r for r in srv.chat_requests if len(" ".join(
            m["content"] for m in r["body"]["messages"]).split()) >= 100]
        assert refused, "the server never refused"
        if policy == "stop":
            failed = [e for e in ends if e.status is TurnStatus.FAILED]
            assert failed and "context full" in failed[0].error and "fork" in failed[0].error
            return
        assert all(e.status is TurnStatus.DONE for e in ends)  # dropped, then sent again
        drop = of(events, ev.TurnsDropped)[0]
        retry = srv.chat_requests[srv.chat_requests.index(refused[0]) + 1]
        assert asked(retry) == [question(n) for n in drop.kept] + [question(drop.turn)]
        assert 1 in drop.kept and drop.dropped
    finally:
        await service.close()


async def resumed(srv, tmp_path, slot_dir, path):
    return service_for(srv.url, tmp_path, "truncate-middle", slot_dir=slot_dir,
                       transcript=store_mod.load(path), store=ChatStore.open(path))


async def test_resume_restores_the_servers_saved_state(srv, tmp_path):
    slots = tmp_path / "server-state"
    slots.mkdir()
    srv.script.slot_dir = str(slots)
    first = service_for(srv.url, tmp_path, "truncate-middle", slot_dir=slots)
    await chat(first, range(1, 4))
    path = first.store.path
    chat_id = first.store.chat_id
    await first.close()
    assert (slots / f"{chat_id}.slot").is_file() and (slots / f"{chat_id}.json").is_file()
    assert oct((slots / f"{chat_id}.json").stat().st_mode & 0o777) == "0o600"
    srv._cached = []  # another chat used the server meanwhile
    service = await resumed(srv, tmp_path, slots, path)
    try:
        events = [e async for e in service.ask(question(4))]
        notes = [n.text for n in of(events, ev.Notice)]
        assert any("resumed from the server's saved state" in n for n in notes), notes
        request = srv.chat_requests[-1]
        assert asked(request) == [question(n) for n in range(1, 5)]  # the same list
        assert request["body"]["messages"][0]["content"] == "Be brief."  # no recap
        assert of(events, ev.TurnEnded)[0].status is TurnStatus.DONE
        end = of(events, ev.TurnEnded)[0]
        new_words = len(question(4).split())
        assert end.stats["prompt_tokens"] - srv.last_cache_n <= new_words  # read only those
    finally:
        await service.close()


@pytest.mark.parametrize("why", ["missing", "not-ours", "refused"])
async def test_resume_falls_back_to_the_recap_and_says_why(srv, tmp_path, why):
    slots = tmp_path / "server-state"
    slots.mkdir()
    srv.script.slot_dir = str(slots)
    first = service_for(srv.url, tmp_path, "truncate-middle", slot_dir=slots)
    await chat(first, range(1, 4))
    path, chat_id = first.store.path, first.store.chat_id
    await first.close()
    if why == "missing":
        (slots / f"{chat_id}.slot").unlink()
    if why == "refused":
        (slots / f"{chat_id}.slot").write_text("not a slot")
    service = await resumed(srv, tmp_path, None if why == "not-ours" else slots, path)
    try:
        events = [e async for e in service.ask(question(4))]
        notes = [n.text for n in of(events, ev.Notice)]
        expect = {"missing": "no saved server state for this chat",
                  "not-ours": "is not a server neuro-tui started",
                  "refused": "refused to restore"}[why]
        assert any(expect in n and "recap of 3 earlier turn(s)" in n for n in notes), notes
        messages = srv.chat_requests[-1]["body"]["messages"]
        assert [m["role"] for m in messages] == ["system", "user"]
        assert question(1) in messages[0]["content"]  # the recap carries the chat
        assert of(events, ev.TurnEnded)[0].status is TurnStatus.DONE
    finally:
        await service.close()


def test_a_server_we_started_without_slot_saves_says_why_not_that_it_is_not_ours():
    """bitnet.cpp's llama-server is started without --slot-save-path (its saves can hang):
    resuming on it must not claim the server is someone else's."""
    from types import SimpleNamespace

    from neuro_tui.chat.slot_resume import _no_state_reason

    ours = SimpleNamespace(pid=4242, url="http://127.0.0.1:8080")
    theirs = SimpleNamespace(pid=None, url="http://127.0.0.1:8080")
    assert "cannot save a chat's state safely" in _no_state_reason(ours)
    assert "is not a server neuro-tui started" in _no_state_reason(theirs)


def test_only_servers_neuro_tui_started_have_a_state_folder(monkeypatch, tmp_path):
    """A url of your own: no slot_dir (its saved state cannot be asked for); the server the
    app starts, or one kept by `engine start --keep` (recorded with its folder): one."""
    from neuro_tui.engine import factory, server_registry

    config = config_mod.load({"engine": "server", "engine_url": "http://127.0.0.1:9"},
                             environ={})
    assert build_session(config).slot_dir is None
    entry = {"pid": 1, "url": "http://127.0.0.1:9", "model": "/m/smol.gguf",
             "slot_dir": str(tmp_path)}
    monkeypatch.setattr(server_registry, "recorded", lambda: [entry])
    assert build_session(config).slot_dir == tmp_path  # the url is a kept server of ours
    kept = factory.build_server_session(config_mod.load({"engine": "server"}, environ={}))
    assert kept.slot_dir == tmp_path
    monkeypatch.setattr(server_registry, "recorded", lambda: [{**entry, "slot_dir": None}])
    assert build_session(config).slot_dir is None  # kept by an older neuro-tui


async def test_a_failing_save_is_said_once_and_the_chat_goes_on(srv, tmp_path):
    srv.script.slot_dir = None  # the server answers 501: not started with --slot-save-path
    service = service_for(srv.url, tmp_path, "truncate-middle", slot_dir=tmp_path)
    try:
        events = await chat(service, range(1, 4))
        warned = [n for n in of(events, ev.Notice) if "does not support slots" in n.text]
        assert len(warned) == 1 and warned[0].level == "warning"
        assert "resuming this chat later will use a recap" in warned[0].text
        assert all(e.status is TurnStatus.DONE for e in of(events, ev.TurnEnded))
    finally:
        await service.close()


def test_prune_keeps_the_newest_states_and_drops_orphans(tmp_path):
    import os

    from neuro_tui.chat import slot_resume

    chats, states = tmp_path / "sessions", tmp_path / "sessions" / "server-state"
    states.mkdir(parents=True)
    for i in range(12):
        (chats / f"chat{i}.jsonl").write_text("{}\n")
        for suffix in (".slot", ".json"):
            (states / f"chat{i}{suffix}").write_text("x")
            os.utime(states / f"chat{i}{suffix}", (1000 + i, 1000 + i))
    (chats / "chat11.jsonl").unlink()  # deleted by the user: its state goes too
    slot_resume.prune(states, chats / "chat10.jsonl")
    left = sorted(p.name for p in states.glob("*.slot"))
    assert left == sorted(f"chat{i}.slot" for i in range(3, 11)), left  # the newest 8
    assert sorted(p.name for p in states.glob("*.json")) == [n[:-5] + ".json" for n in left]


async def test_deleting_a_chat_deletes_its_saved_server_state(srv, tmp_path):
    from neuro_tui.engine.llama_server import slot_dir

    slots = slot_dir()  # where the servers neuro-tui starts save (the test's data folder)
    slots.mkdir(parents=True)
    srv.script.slot_dir = str(slots)
    service = service_for(srv.url, tmp_path, "rolling", slot_dir=slots,
                          store=ChatStore.create())  # in the data folder, as the app does
    await chat(service, range(1, 3))
    chat_id = service.store.chat_id
    await service.close()
    assert (slots / f"{chat_id}.slot").is_file()
    store_mod.delete(chat_id)
    assert not list(slots.glob(f"{chat_id}.*"))


async def test_a_save_that_never_answers_costs_the_slot_timeout_once(srv, tmp_path,
                                                                      monkeypatch):
    """A server that drops a save's answer (bitnet.cpp's fork does): the chat waits
    SLOT_TIMEOUT_S, not the 120 s hang timeout, says so once, naming the timeout, and
    every turn answers."""
    import time

    from neuro_tui.engine import server_state

    monkeypatch.setattr(server_state, "SLOT_TIMEOUT_S", 0.5)
    srv.script.slot_dir, srv.script.slot_stall_s = str(tmp_path), 3.0
    service = service_for(srv.url, tmp_path, "truncate-middle", slot_dir=tmp_path)
    try:
        t0 = time.monotonic()
        events = await chat(service, range(1, 3))
        assert time.monotonic() - t0 < 2 * 0.5 + 1.5  # two saves cut at 0.5 s
        warned = [n for n in of(events, ev.Notice) if n.level == "warning"]
        assert len(warned) == 1 and "ReadTimeout" in warned[0].text, warned
        assert all(e.status is TurnStatus.DONE for e in of(events, ev.TurnEnded))
    finally:
        await service.close()
