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
    service.store.close()  # the question was written: no file left open


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


def future_file(folder, name="future"):
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.jsonl"
    records = [{"type": "meta", "title": "from v9", "version": 9, "model": "smollm2"},
               {"type": "user", "turn": 1, "content": "Hello?"},
               {"type": "reaction", "turn": 1, "emoji": "+1"},
               {"type": "delta", "turn": 1, "text": "Hi."},
               {"type": "end", "turn": 1, "status": "done", "stop_reason": "eos"}]
    path.write_text("\n".join(json.dumps(r) for r in records) + "\n"
                    + '{"type": "user", "turn": 2, "cont')  # killed mid-write
    return path


def test_cli_shows_what_is_valid_and_says_what_was_skipped(capsys):
    from neuro_tui.chat.store import chats_dir
    from neuro_tui.cli import main

    future_file(chats_dir())
    assert main(["sessions", "list"]) == 0
    out, err = capsys.readouterr()
    assert "future" in out and "1 turns" in out and "from v9" in out
    assert "future.jsonl: 2 record(s) skipped" in err
    assert 'line 3: unknown record type "reaction"' in err and "line 6: torn record" in err
    assert main(["sessions", "show", "future"]) == 0
    out, err = capsys.readouterr()
    assert "Hello?" in out and "Hi." in out and "2 record(s) skipped" in err


def test_cli_fork_of_a_chat_whose_model_is_gone_names_it_and_the_default(capsys, monkeypatch):
    from neuro_tui.chat.store import chats_dir, list_chats
    from neuro_tui.cli import main

    monkeypatch.setenv("NEURO_TUI_MODEL", "smollm2")  # the user's default model
    original = saved_chat(chats_dir(), model="/gone/models/old-model.gguf")
    assert main(["sessions", "fork", original.chat_id, "2"]) == 0
    out, err = capsys.readouterr()
    assert "the model of this chat, old-model.gguf, is gone" in err
    assert "uses the default model (smollm2)" in err and "--model" in err
    fork_id = out.split(": ")[1].split(";")[0]
    assert f"--resume {fork_id}" in out
    made = next(c for c in list_chats() if c.chat_id == fork_id)
    assert made.transcript.model == "smollm2" and len(made.transcript.turns) == 2
