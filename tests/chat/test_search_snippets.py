"""Each search hit's snippet comes from the turn the hit names (question or answer), after
per-turn updates (queued turns interleave in the file) and after a rebuild."""

from __future__ import annotations

import shutil

import pytest

from neuro_tui.chat import search_update
from neuro_tui.chat.search_index import ChatSearch
from neuro_tui.chat.store import ChatStore, chats_dir, load
from tests.chat.chatgen import write_chats
from tests.chat.conftest import collect, make_config

pytestmark = pytest.mark.timeout(60)


@pytest.fixture
def folder(chats_folder):
    write_chats(chats_folder, 5, 4)
    return chats_folder


def flat(text: str) -> str:
    return " ".join(text.split())


def shown(query: str, sync: bool) -> list[tuple[int, str, str, str]]:
    """(turn, field, snippet, that turn's own text of the field) per hit."""
    search_update.wait()
    rows = []
    for hit in ChatSearch().search(query, 20, sync=sync):
        turn = load(chats_dir() / f"{hit.chat_id}.jsonl").at(hit.turn)
        own = turn.question if hit.field == "question" else turn.answer
        rows.append((hit.turn, hit.field, flat(hit.snippet), flat(own)))
    return rows


async def test_a_hits_snippet_is_its_own_turns_text(folder, fake_factory):
    from neuro_tui.chat.service import ChatService

    ChatSearch().sync()  # the index exists: each ended turn is added alone
    store = ChatStore.create(model="smollm2", folder=folder)
    service = ChatService(make_config(), store=store, session_factory=fake_factory(answers=[
        "Paris is the capital city of France.", "The capital of Italy is Rome.",
        "Madrid, the capital of Spain."]))
    service.submit("What is the capital of France?")
    service.submit("And Italy?")  # queued while the first answers
    service.submit("And Spain?")
    await collect(service.run(until_idle=True))
    await service.close()
    for sync in (False, True):
        rows = [r for r in shown("capital", sync) if r[0] <= 3]
        assert {(turn, field) for turn, field, *_ in rows} >= {(1, "question"), (2, "answer"),
                                                              (3, "answer")}
        for turn, field, snippet, own in rows:
            assert snippet and snippet in own, (turn, field, snippet, own)
        shutil.rmtree(folder.parent / "chat-index")  # then the same after a rebuild


def france_chat(folder):
    """A chat titled by its first question (the default title)."""
    from neuro_tui.chat import events as ev

    store = ChatStore.create(folder=folder)
    for n, q, a in [(1, "What is the capital of France?", "Paris."),
                    (2, "And of Italy?", "The capital of Italy is Rome."),
                    (3, "Any good food there?", "Pasta and pizza.")]:
        store.record(ev.TurnQueued(n, q))
        store.record(ev.AnswerDelta(n, a))
        store.record(ev.TurnEnded(n, ev.TurnStatus.DONE, "eos"))
        if store.index_update is not None:
            store.index_update.result()
    store.close()
    return store


@pytest.mark.parametrize("how", ["per turn", "rebuild"])
def test_words_of_the_first_question_list_only_the_turn_that_says_them(folder, how):
    """The title is the first question: on every turn's document it made each turn a hit
    for turn 1's words, listed with its own unrelated text ("capital France" showed
    "turn 2 · answer: The capital of Italy is Rome.")."""
    if how == "per turn":
        ChatSearch().sync()
    store = france_chat(folder)
    if how == "rebuild":
        ChatSearch().sync()  # built from the chat files
    for sync in (False, True):
        hits = [(h.turn, h.field, flat(h.snippet)) for h in ChatSearch().search("France", 20,
                                                                               sync=sync)
                if h.chat_id == store.chat_id]
        assert hits == [(1, "question", "What is the capital of France?")]
    hits = [(h.turn, h.field, flat(h.snippet), h.title)
            for h in ChatSearch().search("capital France", 20) if h.chat_id == store.chat_id]
    assert hits == [(1, "question", "What is the capital of France?", store.title),
                    (2, "answer", "The capital of Italy is Rome.", store.title)]  # own word
    hits = ChatSearch().search("pizza", 20)
    assert [(h.turn, h.title) for h in hits] == [(3, "What is the capital of France?")]


def test_a_renamed_chat_is_found_by_its_title_once(folder):
    from neuro_tui.chat.store import rename

    store = france_chat(folder)
    rename(store.chat_id, "Euro trip")
    hits = ChatSearch().search("euro trip", 20)
    assert [(h.chat_id, h.turn, h.title) for h in hits] == [(store.chat_id, 1, "Euro trip")]
