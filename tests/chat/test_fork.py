"""Fork from any turn (real chat files), and chat files this version cannot fully read."""

from __future__ import annotations

import json

import pytest

from neuro_tui.chat import events as ev
from neuro_tui.chat.fork import describe, fork, forked_from
from neuro_tui.chat.service import ChatService
from neuro_tui.chat.store import ChatStore, load, read
from neuro_tui.errors import UsageError
from tests.chat.conftest import make_config

QA = [("My cat is called Miso.", "A nice name."), ("I live in Lyon.", "A lovely city."),
      ("My secret word is Quokka.", "Noted."), ("What is 2 + 2?", "4.")]


def saved_chat(folder, model="smollm2"):
    store = ChatStore.create(model=model, folder=folder)
    for n, (q, a) in enumerate(QA, 1):
        store.record(ev.TurnQueued(n, q))
        store.record(ev.AnswerDelta(n, a))
        store.record(ev.TurnEnded(n, ev.TurnStatus.DONE, "eos"))
    store.close()
    return read(store.path)


def test_fork_holds_turns_up_to_n_and_leaves_the_original_untouched(tmp_path):
    original = saved_chat(tmp_path, model=str(tmp_path / "m.gguf"))
    (tmp_path / "m.gguf").write_bytes(b"x")
    before = original.path.read_bytes()
    made = fork(original, 2, models_dir=tmp_path)
    assert original.path.read_bytes() == before
    assert made.saved.path != original.path and made.saved.path.parent == tmp_path
    turns = load(made.saved.path).turns
    assert [(t.question, t.answer) for t in turns] == QA[:2]
    assert forked_from(made.saved.path) == {"id": original.chat_id, "turn": 2,
                                           "title": original.transcript.title}
    assert describe(made.saved.path) == f"forked from {original.chat_id} at turn 2"
    assert describe(original.path) == ""
    assert "(fork at turn 2)" in load(made.saved.path).title
    # the model is told the kept turns, and only those
    service = ChatService(make_config(), transcript=made.saved.transcript,
                          store=ChatStore.open(made.saved.path, title=made.saved.transcript.title))
    recap = service.recap()
    assert "Miso" in recap and "Lyon" in recap and "Quokka" not in recap
    assert service.submit("And my cat?") == 3  # numbering goes on after the fork point


def test_fork_of_a_chat_whose_model_file_is_gone_says_so(tmp_path):
    original = saved_chat(tmp_path, model=str(tmp_path / "deleted-model.gguf"))
    made = fork(original, 1, default_model="smollm2", models_dir=tmp_path)
    assert made.model == "smollm2"
    assert "deleted-model.gguf" in made.notice and "is gone" in made.notice
    assert "default model (smollm2)" in made.notice
    assert load(made.saved.path).model == "smollm2"


def test_fork_at_a_turn_that_does_not_exist(tmp_path):
    with pytest.raises(UsageError, match="turns 1-4"):
        fork(saved_chat(tmp_path), 9)


def test_a_chat_file_from_a_newer_version_opens_with_what_is_valid(tmp_path):
    path = tmp_path / "future.jsonl"
    records = [{"type": "meta", "id": "future", "title": "from v9", "version": 9,
                "model": "smollm2", "branches": [1, 2]},
               {"type": "user", "turn": 1, "content": "Hello?"},
               {"type": "reaction", "turn": 1, "emoji": "+1"},
               {"type": "delta", "turn": 1, "text": "Hi."},
               {"type": "delta", "turn": 1, "text": {"rich": "a newer shape"}},
               {"type": "end", "turn": 1, "status": "done", "stop_reason": "eos"},
               {"type": "user", "turn": 2, "content": "Still there?"},
               {"type": "delta", "turn": 2, "text": "Yes"}]
    data = "\n".join(json.dumps(r) for r in records) + "\n" + '{"type": "delta", "turn'
    path.write_text(data)
    transcript = load(path)
    first, second = transcript.turns
    assert (first.question, first.answer, first.status) == ("Hello?", "Hi.", ev.TurnStatus.DONE)
    assert second.answer == "Yes" and second.partial  # half-written: cut off, kept
    problems = " | ".join(transcript.problems)
    assert 'line 3: unknown record type "reaction"' in problems
    assert "line 5: delta.text has the wrong type" in problems
    assert "line 9: torn record" in problems
    made = fork(read(path), 1, models_dir=tmp_path)  # and it forks cleanly
    assert load(made.saved.path).problems == ()
