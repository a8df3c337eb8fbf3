"""A chat keeps its own context policy and its dropped-turn marks in its file, and a resumed
chat's recap is sized at this model's measured prompt speed (fake llama-cli, real store)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from neuro_tui.chat import events as ev
from neuro_tui.chat.fork import fork
from neuro_tui.chat.policy import RESUME_TOK_S, make_policy
from neuro_tui.chat.service import ChatService
from neuro_tui.chat.store import ChatStore, load, read
from neuro_tui.chat.transcript import Transcript, Turn
from neuro_tui.engine import tune
from tests.chat.conftest import collect, make_config

pytestmark = pytest.mark.timeout(60)
V1 = Path(__file__).parent / "data" / "chat-v1.jsonl"  # written before policies existed


def asked(service: ChatService, *questions: str) -> None:
    for question in questions:
        service.submit(question)
    service.store.close()


def test_the_chat_file_keeps_the_policy_and_a_resume_restores_it(tmp_path):
    store = ChatStore.create(model="smollm2", folder=tmp_path)
    asked(ChatService(make_config(context_policy="rolling"), store=store), "hello")
    assert json.loads(store.path.read_text().splitlines()[0])["context_policy"] == "rolling"
    saved = load(store.path)
    assert saved.context_policy == "rolling"
    config = make_config()  # the config says truncate-middle: the chat's own choice wins
    resumed = ChatService(config, transcript=saved, store=ChatStore.open(store.path))
    assert resumed.policy.name == "rolling"
    config.set("context_policy", "stop", "model pane")  # F10 during the chat: followed, saved
    assert resumed.policy.name == "stop"
    asked(resumed, "again")
    assert load(store.path).context_policy == "stop"
    assert fork(read(store.path), 1, models_dir=tmp_path).saved.transcript.context_policy \
        == "stop"


def test_a_per_chat_policy_is_saved_and_an_old_file_gets_the_configs(tmp_path):
    store = ChatStore.create(folder=tmp_path)
    config = make_config(context_policy="rolling")
    asked(ChatService(config, store=store, context_policy=make_policy("stop", config)), "hi")
    assert load(store.path).context_policy == "stop"
    old = load(V1)
    assert old.context_policy == "" and old.problems == ()
    assert ChatService(config, transcript=old).policy.name == "rolling"


def test_an_unknown_policy_from_a_newer_version_is_reported_and_the_configs_used(tmp_path):
    path = tmp_path / "future.jsonl"
    path.write_text(json.dumps({"type": "meta", "title": "t", "context_policy": "summarise"})
                    + "\n" + json.dumps({"type": "policy", "policy": "sideways"}) + "\n")
    saved = load(path)
    assert saved.title == "t" and saved.context_policy == ""
    assert [p.split(":")[0] for p in saved.problems] == ["line 1", "line 2"]
    assert all('is unknown to this version' in p for p in saved.problems)
    assert ChatService(make_config(), transcript=saved).policy.name == "truncate-middle"


def test_dropped_marks_round_trip_and_reading_a_chat_writes_nothing(tmp_path):
    store = ChatStore.create(folder=tmp_path)
    mark = ev.TurnsDropped(4, (2, 3), (), (1,), "truncate-middle", "context")
    for event in (ev.TurnQueued(1, "q1"), ev.AnswerDelta(1, "a1"),
                  ev.TurnEnded(1, ev.TurnStatus.DONE, "eos"), ev.TurnQueued(4, "q4"), mark,
                  ev.AnswerDelta(4, "a4"), ev.TurnEnded(4, ev.TurnStatus.DONE, "eos")):
        store.record(event)
    store.close()
    saved = load(store.path)
    assert saved.drops == (mark,) and saved.drops_before(4) == (mark,) and saved.problems == ()
    before = store.path.read_bytes()
    reopened = ChatStore.open(store.path)
    resume = ev.TurnsDropped(None, (1,), (), (4,), "rolling", "resume")
    reopened.record(resume)  # a resume only read: nothing written yet
    reopened.close()
    assert store.path.read_bytes() == before
    reopened = ChatStore.open(store.path)
    reopened.record(resume)
    reopened.record(ev.TurnQueued(5, "q5"))  # the user went on: the mark comes first
    reopened.close()
    again = load(store.path)
    assert again.drops == (mark, resume) and again.drops_before(5) == (resume,)


async def test_a_resumed_chat_saves_its_resume_mark_once_it_goes_on(fake_factory, tmp_path):
    store = ChatStore.create(folder=tmp_path)
    for n in range(1, 41):
        for event in (ev.TurnQueued(n, f"question {n} " + "pad " * 30),
                      ev.AnswerDelta(n, "answer " * 40),
                      ev.TurnEnded(n, ev.TurnStatus.DONE, "eos")):
            store.record(event)
    store.close()
    service = ChatService(make_config(), session_factory=fake_factory(answers=["ok"]),
                          transcript=load(store.path), store=ChatStore.open(store.path))
    service.submit("and now?")
    events = await collect(service.run(until_idle=True))
    await service.close()
    marks = [e for e in events if isinstance(e, ev.TurnsDropped)]
    assert len(marks) == 1 and marks[0].reason == "resume" and 40 in marks[0].kept
    saved = load(store.path)
    assert saved.drops == tuple(marks) and saved.drops_before(41) == tuple(marks)
    assert saved.at(41).answer == "ok"


def long_chat(n: int = 60) -> Transcript:
    return Transcript(turns=tuple(Turn(i, f"question {i}?", "answer words " * 30,
                                       status=ev.TurnStatus.DONE) for i in range(1, n + 1)))


@pytest.mark.parametrize("rate", [40.0, 400.0])
async def test_the_resume_recap_follows_the_measured_prompt_speed(rate, fake_factory, tmp_path,
                                                                monkeypatch):
    monkeypatch.setenv("NEURO_TUI_CACHE_DIR", str(tmp_path / "cache"))
    factory = fake_factory(answers=["ok"])
    config = make_config(ctx_size=8192)
    spec = factory(config).spec  # the fake llama-cli + model file this chat runs on
    tune.store(spec.binary, spec.model, 1, 0,
               tune.Tuning(1, 1, rate, 100.0, 4.0, True, 1.0, "now"))
    recaps: list[str] = []

    def spying(c):
        session = factory(c)
        real = session.restart

        async def restart(recap=None):
            recaps.append(recap)
            await real(recap)
        session.restart = restart
        return session
    service = ChatService(config, session_factory=spying, transcript=long_chat())
    service.submit("go on")
    events = await collect(service.run(until_idle=True))
    await service.close()
    notice = next(e for e in events if isinstance(e, ev.Notice) and "budget" in e.text)
    assert f"{rate:.0f} prompt tok/s, measured" in notice.text
    budget = int(1.5 * rate)
    assert recaps and len(recaps[0]) <= 4 * budget + 40  # ~4 bytes/token estimate
    if rate == 40.0:  # the slower machine gets the shorter recap
        assert len(recaps[0]) < 4 * int(1.5 * RESUME_TOK_S) // 2
    else:
        assert len(recaps[0]) > 4 * int(1.5 * RESUME_TOK_S)


def test_without_a_measurement_the_fixed_rate_is_used(tmp_path, monkeypatch):
    monkeypatch.setenv("NEURO_TUI_CACHE_DIR", str(tmp_path / "cache"))
    policy = make_policy("rolling", make_config())
    short = policy.recap_plan(long_chat(), None, measured_tok_s=40.0)
    fixed = policy.recap_plan(long_chat(), None, measured_tok_s=None)
    assert policy.rate_used == (RESUME_TOK_S, False)
    assert short.tokens < fixed.tokens and len(short.recap) < len(fixed.recap)


def test_picking_the_configs_own_policy_in_f10_wins_over_the_resumed_chats(tmp_path):
    """A resumed `rolling` chat, the config says truncate-middle, the user picks
    truncate-middle in F10: config.set leaves the value as it was, yet the explicit choice
    must win and be saved (screen helper's report, requests.md 14:24)."""
    store = ChatStore.create(model="smollm2", folder=tmp_path)
    asked(ChatService(make_config(context_policy="rolling"), store=store), "hello")
    config = make_config()
    assert config.context_policy == "truncate-middle"
    resumed = ChatService(config, transcript=load(store.path), store=ChatStore.open(store.path))
    assert resumed.policy.name == "rolling"
    config.set("context_policy", "truncate-middle", "model pane")  # F10 Apply, same value
    assert resumed.policy.name == "truncate-middle"
    resumed.restart(config)  # what Apply does next
    asked(resumed, "again")
    assert load(store.path).context_policy == "truncate-middle"
    config.set("context_policy", "stop", "palette")  # and the config is followed from now
    assert resumed.policy.name == "stop"


async def test_f10_apply_saves_the_chosen_policy_before_any_new_turn(fake_factory, tmp_path):
    store = ChatStore.create(model="smollm2", folder=tmp_path)
    asked(ChatService(make_config(context_policy="rolling"), store=store), "hello")
    config = make_config()
    resumed = ChatService(config, transcript=load(store.path), store=ChatStore.open(store.path),
                          session_factory=fake_factory())
    await collect(resumed.run(until_idle=True))  # resumed, engine up: nothing written
    assert load(store.path).context_policy == "rolling"
    config.set("context_policy", "truncate-middle", "model pane")  # F10: the config's value
    resumed.restart(config)
    await collect(resumed.run(until_idle=True))
    await resumed.close()
    assert load(store.path).context_policy == "truncate-middle"
