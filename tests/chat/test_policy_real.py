"""Context policies on the real llama-cli 0.3.16 with SmolLM2 and a 512-token context: the
limit is reached in a few turns. We check what the restarted model was *given* (the recap
passed to restart(): its system prompt), never what it answered, and that the chat file
still holds every turn."""

from __future__ import annotations

import pytest

from neuro_tui.chat import events as ev
from neuro_tui.chat.events import TurnStatus as S
from neuro_tui.chat.service import ChatService
from neuro_tui.chat.store import ChatStore, load
from neuro_tui.engine.session import LlamaSession
from neuro_tui.launch import build_session_spec
from tests.chat.conftest import collect, make_config

pytestmark = [pytest.mark.integration, pytest.mark.timeout(400)]

PAD = "Please keep this note in mind for later, it matters to me a great deal. " * 2
WORDS = ["Zanzibar", "Quokka", "Marmalade", "Tangerine", "Pelican", "Obsidian", "Saffron"]
QUESTIONS = [f"My code word number {n} is {word}. {PAD}Reply with one short sentence."
             for n, word in enumerate(WORDS, 1)]


class SpySession(LlamaSession):
    """The real LlamaSession; remembers every recap it was restarted with."""

    recaps: list[str]

    async def restart(self, recap=None):
        self.recaps.append(recap)
        await super().restart(recap)


def service_for(policy, smollm2, llama_cli_old, tmp_path):
    config = make_config(cli=str(llama_cli_old), model=str(smollm2), seed=42, ctx_size=512,
                         max_tokens=40, context_policy=policy)
    recaps: list[str] = []

    def factory(c):
        session = SpySession(build_session_spec(c))
        session.recaps = recaps
        return session
    store = ChatStore.create(model="smollm2", folder=tmp_path)
    return ChatService(config, session_factory=factory, store=store), recaps, store


@pytest.mark.parametrize("policy", ["truncate-middle", "rolling"])
async def test_restart_before_the_context_wraps_keeps_the_right_turns(
        policy, smollm2, llama_cli_old, tmp_path):
    service, recaps, store = service_for(policy, smollm2, llama_cli_old, tmp_path)
    events = []
    for question in QUESTIONS:
        events += await collect(service.ask(question))
        assert (service.session.stats.ctx_used or 0) < 512  # never past the context
    await service.close()
    dropped = [e for e in events if isinstance(e, ev.TurnsDropped)]
    assert dropped and recaps, "the 512-token context never filled up"
    first = dropped[0]
    recap = recaps[0]
    assert first.policy == policy and first.reason == "context" and first.dropped
    last_kept = max(first.kept)
    assert last_kept == first.turn - 1  # the newest turn before the restart is kept
    assert QUESTIONS[last_kept - 1].split(".")[0] in recap
    for n in first.dropped:  # a dropped turn's code word never reached the model
        assert WORDS[n - 1] not in recap
    if policy == "truncate-middle":
        assert 1 in first.kept and "Zanzibar" in recap
    else:
        assert 1 in first.dropped and "Zanzibar" not in recap
    notice = next(e for e in events if isinstance(e, ev.Notice) and e.turn == first.turn)
    assert "the context was full" in notice.text and policy in notice.text
    saved = load(store.path)  # nothing is lost from the chat file
    assert [t.question for t in saved.turns] == QUESTIONS
    assert all(t.status is S.DONE and t.answer.strip() for t in saved.turns)
    assert saved.drops == tuple(dropped)  # the marks too: a resumed chat shows them
    assert saved.drops_before(first.turn) == (first,) and saved.context_policy == policy
    resumed = ChatService(make_config(), transcript=saved)  # the config says otherwise
    assert resumed.policy.name == policy


async def test_stop_refuses_the_turn_with_the_choices(smollm2, llama_cli_old, tmp_path):
    service, recaps, store = service_for("stop", smollm2, llama_cli_old, tmp_path)
    for question in QUESTIONS:
        await collect(service.ask(question))
    await service.close()
    failed = [t for t in service.transcript.turns if t.status is S.FAILED]
    assert failed and not recaps  # refused, never restarted
    assert "context full" in failed[0].error and "new chat" in failed[0].error
    assert "fork" in failed[0].error and "truncate-middle" in failed[0].error
    assert [t.question for t in load(store.path).turns] == QUESTIONS


@pytest.mark.parametrize("rate", [80.0, 300.0])
async def test_a_resumed_chats_recap_is_sized_at_the_measured_prompt_speed(
        rate, smollm2, llama_cli_old, tmp_path, monkeypatch):
    """The tune cache entry for this real llama-cli + model (as `runtime tune` writes it)
    sets the budget: 1.5 s x rate tokens; a slower machine gets a shorter recap."""
    from neuro_tui.chat.keep_turns import cost
    from neuro_tui.chat.transcript import Transcript, Turn
    from neuro_tui.engine import tune

    monkeypatch.setenv("NEURO_TUI_CACHE_DIR", str(tmp_path / "cache"))
    config = make_config(cli=str(llama_cli_old), model=str(smollm2), seed=42, max_tokens=8)
    spec = build_session_spec(config)
    tune.store(spec.binary, spec.model, 1, 0,
               tune.Tuning(1, 1, rate, 100.0, 4.0, True, 1.0, "test"))
    chat = Transcript(turns=tuple(Turn(
        n, f"Question {n}: my code word is {WORDS[n % 7]}. " + "Please remember it. " * 3,
        "Noted. " * 8, status=S.DONE) for n in range(1, 41)))
    recaps: list[str] = []

    def factory(c):
        session = SpySession(build_session_spec(c))
        session.recaps = recaps
        return session
    service = ChatService(config, session_factory=factory, transcript=chat)
    events = await collect(service.ask("Reply with one word."))
    await service.close()
    notice = next(e for e in events if isinstance(e, ev.Notice) and "budget" in e.text)
    assert f"({rate:.0f} prompt tok/s, measured)" in notice.text
    assert len(recaps) == 1 and cost(recaps[0]) <= int(1.5 * rate) + 8
    assert service.transcript.at(41).status is S.DONE
    assert "Question 40" in recaps[0]  # the newest turn, word for word
    if rate == 300.0:  # more than the fixed 128 tok/s would allow (192 tokens)
        assert cost(recaps[0]) > 1.5 * 128
