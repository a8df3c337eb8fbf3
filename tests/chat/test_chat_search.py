"""Search across saved chats: real Tantivy over real chat files (ChatStore), through the
`neuro-tui sessions search` CLI too."""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest

from neuro_tui.chat import events as ev
from neuro_tui.chat.search_index import ChatSearch
from neuro_tui.chat.store import ChatStore, load
from neuro_tui.errors import UsageError
from tests.chat.chatgen import write_chat, write_chats


@pytest.fixture
def dirs(chats_folder):
    write_chats(chats_folder, 50)
    return chats_folder, chats_folder.parent / "chat-index"


def add_turn(folder, chat_id, turn, question, answer):
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{chat_id}.jsonl"
    store = ChatStore.open(path, title=load(path).title if path.exists() else "")
    store.record(ev.TurnQueued(turn, question))
    store.record(ev.AnswerDelta(turn, answer))
    store.record(ev.TurnEnded(turn, ev.TurnStatus.DONE, "eos"))
    store.close()


def test_finds_the_turn_with_a_highlighted_snippet(dirs):
    folder, _ = dirs
    add_turn(folder, "chat007", 13, "What is a zeppelin made of?", "Fabric over a frame.")
    hits = ChatSearch().search("zeppelin")
    assert [(h.chat_id, h.turn, h.field) for h in hits] == [("chat007", 13, "question")]
    hit = hits[0]
    assert [hit.snippet[a:b].lower() for a, b in hit.highlights] == ["zeppelin"]


def test_questions_rank_above_answers(dirs):
    folder, _ = dirs
    add_turn(folder, "chat001", 13, "Tell me about the harpsichord", "It is old.")
    add_turn(folder, "chat002", 13, "Name an instrument", "The harpsichord is one, it is old.")
    hits = ChatSearch().search("harpsichord")
    assert [(h.chat_id, h.field) for h in hits] == [("chat001", "question"),
                                                    ("chat002", "answer")]


def test_update_after_a_turn_and_rebuild_after_deleting_the_index(dirs):
    folder, index = dirs
    search = ChatSearch()
    assert search.search("kumquat") == []
    add_turn(folder, "chat030", 13, "Is a kumquat a citrus fruit?", "Yes.")
    assert [(h.chat_id, h.turn) for h in search.search("kumquat")] == [("chat030", 13)]
    shutil.rmtree(index)
    assert [(h.chat_id, h.turn) for h in ChatSearch().search("kumquat")] == [("chat030", 13)]
    (folder / "chat030.jsonl").unlink()  # a deleted chat is forgotten
    assert ChatSearch().search("kumquat") == []


def test_a_damaged_chat_file_still_indexes_what_is_valid(dirs):
    folder, _ = dirs
    write_chat(folder, 99, turns=2)
    with open(folder / "chat099.jsonl", "ab") as f:
        f.write(b'{"type": "user", "turn": 3, "content": "what about the walrus')  # torn
    add_turn(folder, "chat099", 4, "And the narwhal?", "A whale.")
    assert [h.turn for h in ChatSearch().search("narwhal")] == [4]


def test_only_punctuation_is_a_clear_error(dirs):
    with pytest.raises(UsageError, match="no letters or digits"):
        ChatSearch().search("?!... ::")


def test_cli_prints_chat_turn_and_marked_snippet(dirs, tmp_path):
    folder, _ = dirs
    add_turn(folder, "chat011", 13, "Where do axolotls live?", "In lakes near Mexico City.")
    env = {"NEURO_TUI_DATA_DIR": str(tmp_path / "data"),
           "NEURO_TUI_CACHE_DIR": str(tmp_path / "cache"), "PATH": "/usr/bin:/bin"}
    run = subprocess.run([sys.executable, "-m", "neuro_tui", "sessions", "search", "axolotls"],
                         capture_output=True, text=True, env=env, timeout=60)
    assert run.returncode == 0, run.stderr
    lines = run.stdout.splitlines()
    assert lines[0].startswith("chat011  turn 13  ")
    assert lines[1] == "    asked: Where do **axolotls** live?"
    bad = subprocess.run([sys.executable, "-m", "neuro_tui", "sessions", "search", "?!"],
                         capture_output=True, text=True, env=env, timeout=60)
    assert bad.returncode != 0 and "only punctuation" in bad.stderr and not bad.stdout


def found(query: str) -> list[tuple[str, int]]:
    """What the index holds now, without the search-time sync."""
    from neuro_tui.chat import search_update

    search_update.wait()
    return [(h.chat_id, h.turn) for h in ChatSearch().search(query, sync=False)]


async def test_each_turn_is_indexed_as_it_ends_without_a_search_time_sync(dirs, fake_factory):
    from neuro_tui.chat.service import ChatService
    from neuro_tui.chat.store import list_chats
    from tests.chat.conftest import collect, make_config

    folder, _ = dirs
    ChatSearch().sync()  # someone searched once: the index exists
    store = ChatStore.create(model="smollm2", folder=folder)
    service = ChatService(make_config(), store=store, session_factory=fake_factory(
        answers=["Yes, a kumquat is a citrus fruit.", "Pomelo is the largest one."]))
    await collect(service.ask("Is a kumquat a citrus fruit?"))
    assert found("kumquat") == [(store.chat_id, 1)]
    await collect(service.ask("Which citrus is the biggest?"))  # the next turn alone
    await service.close()
    assert found("pomelo") == [(store.chat_id, 2)]
    assert found("kumquat") == [(store.chat_id, 1)]  # not 2 by the title (turn 1's words)
    # a resumed chat goes on in the same index
    saved = next(c for c in list_chats(folder) if c.chat_id == store.chat_id)
    resumed = ChatService(make_config(), transcript=saved.transcript,
                          store=ChatStore.open(saved.path, title=saved.transcript.title),
                          session_factory=fake_factory(answers=["Lemons, mostly."]))
    await collect(resumed.ask("And the sourest one, tangerine?"))
    await resumed.close()
    assert found("tangerine") == [(store.chat_id, 3)]
    assert ChatSearch().sync() == 0  # the search-time sync finds nothing left to do


def test_a_missed_update_or_another_writer_is_caught_up(dirs):
    import tantivy

    from neuro_tui.chat.search_index import SCHEMA

    folder, index = dirs
    ChatSearch().sync()
    holder = tantivy.Index(SCHEMA, path=str(index), reuse=True).writer(15_000_000, 1)
    add_turn(folder, "chat020", 13, "Do platypus lay eggs?", "Yes.")  # index busy: missed
    assert found("platypus") == []
    del holder
    import gc

    gc.collect()  # the writer lock goes with it
    add_turn(folder, "chat020", 14, "And echidnas?", "Also yes.")  # re-reads the chat
    assert found("platypus") == [("chat020", 13)] and found("echidnas") == [("chat020", 14)]
    with open(folder / "chat021.jsonl", "a") as f:  # another program appended a turn
        f.write('{"type": "user", "turn": 13, "content": "What is a quokka?"}\n')
    assert found("quokka") == []  # not through this process's store...
    assert [(h.chat_id, h.turn) for h in ChatSearch().search("quokka")] == [("chat021", 13)]


def test_no_index_no_update(tmp_path):
    add_turn(tmp_path / "chats", "c1", 1, "Where is Oslo?", "Norway.")
    assert not (tmp_path / "chat-index").exists()  # nobody searched: nothing built


def test_a_fork_is_indexed_once_with_all_its_turns(dirs):
    from neuro_tui.chat.fork import fork
    from neuro_tui.chat.store import read

    folder, _ = dirs
    ChatSearch().sync()
    add_turn(folder, "chat040", 13, "Can a gecko climb glass?", "Yes, with its toe pads.")
    made = fork(read(folder / "chat040.jsonl"), 13, models_dir=folder)
    assert made.saved.path.parent == folder
    hits = found("gecko")
    assert ("chat040", 13) in hits and (made.saved.chat_id, 13) in hits
    assert found("week 5") and (made.saved.chat_id, 5) in found("chat 40 week 5")
