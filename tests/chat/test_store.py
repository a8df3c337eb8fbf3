"""The chat store: append-as-you-go JSONL holding exactly the Transcript; the first format
still loads; torn lines, bad records and cut-off answers (issue #12 items 1-3); CLI."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from neuro_tui.chat import store
from neuro_tui.chat.events import AnswerDelta, Source, SourcesFound, TurnEnded, TurnQueued
from neuro_tui.chat.events import TurnStatus as S
from neuro_tui.chat.export import export_markdown
from neuro_tui.chat.transcript import Transcript
from neuro_tui.cli import main
from neuro_tui.errors import MissingError

V1 = Path(__file__).parent / "data" / "chat-v1.jsonl"  # written by the first SessionWriter


def turn_events(n=1, question="What is Paris?", answer=("Paris is the capital [1]", ".")):
    yield TurnQueued(n, question)
    yield SourcesFound(n, (Source(1, "France", "docs/france.md:3", "local", 0.9, "Paris..."),))
    for text in answer:
        yield AnswerDelta(n, text)
    yield TurnEnded(n, S.DONE, "eos", {"tokens": 7})


def chat(title="", events=None):
    st = store.ChatStore.create(model="smollm2", title=title)
    transcript = st.transcript()
    for event in events or turn_events():
        st.record(event)
        transcript = transcript.apply(event)
    return st, transcript


def test_file_holds_exactly_the_transcript_before_close():
    st, transcript = chat()
    loaded = store.load(st.path)  # not closed: a killed app leaves exactly this
    assert loaded == transcript.with_meta(title="What is Paris?")
    assert loaded.title == "What is Paris?" and loaded.model == "smollm2"
    assert loaded.at(1).sources[0].location == "docs/france.md:3"
    assert loaded.at(1).stats == {"tokens": 7} and loaded.problems == ()


def test_queued_turns_interleave_and_load_by_number():
    events = [TurnQueued(1, "a"), TurnQueued(2, "b"), AnswerDelta(1, "one"),
              TurnEnded(1, S.DONE, "eos"), AnswerDelta(2, "two"), TurnEnded(2, S.STOPPED,
                                                                            "interrupted")]
    st, transcript = chat(events=events)
    loaded = store.load(st.path)
    assert [(t.number, t.answer, t.status) for t in loaded.turns] == [
        (1, "one", S.DONE), (2, "two", S.STOPPED)]


def test_first_format_still_loads(tmp_path):
    t = store.load(V1)
    assert t.chat_id == "chat-v1" and t.title == "Capitals"  # the id is the file name
    assert t.model == "smollm2-135m" and t.problems == ()
    assert [(x.number, x.question, x.answer, x.status, x.stop_reason) for x in t.turns] == [
        (1, "What is Paris?", "Paris is the capital [1].", S.DONE, "eos"),
        (2, "And Rome?", "Rome is in Ita", S.STOPPED, "interrupted"),
        (3, "Tell me more", "More about", S.FAILED, "error")]
    assert t.at(1).sources[0] == Source(1, "France", "docs/france.md:3", "local", 0.9,
                                        "Paris is the capital of France.")
    assert t.at(3).partial and not t.at(2).partial  # the file ends inside turn 3


def test_torn_last_line_does_not_eat_the_next_message(tmp_path):
    """Item 1: truncate by 40 bytes, resume, send, quit: a new turn, its own answer."""
    path = tmp_path / "torn.jsonl"
    shutil.copy(V1, path)
    data = path.read_bytes()
    path.write_bytes(data[:-40])
    before = store.load(path)
    assert any("torn record" in p for p in before.problems)
    st = store.ChatStore.open(path, title=before.title)
    for event in turn_events(before.next_number, "new question", ("new answer",)):
        st.record(event)
    st.close()
    after = store.load(path)
    assert len(after.turns) == len(before.turns) + 1
    assert after.last.question == "new question" and after.last.answer == "new answer"
    assert after.turns[-2].answer == before.last.answer  # nothing glued onto it


@pytest.mark.parametrize("bad", ["123", '{"type":"delta","text":null}', '"just a string"',
                                 '{"type":"user"}', '{"type":"end","stats":5}', "[1, 2]",
                                 '{"type":"sources","sources":[1]}', '{"no":"type"}'])
def test_a_valid_json_line_that_is_not_a_record_is_skipped_and_reported(bad, tmp_path,
                                                                         capsys):
    """Item 2: one bad record never breaks list/show/resume, nor hides other chats."""
    good, _ = chat()
    good.close()
    broken = store.chats_dir() / "20200101-000000-broken.jsonl"
    broken.write_text(V1.read_text() + bad + "\n")
    loaded = store.load(broken)
    assert len(loaded.turns) == 3 and loaded.problems and "line 15" in loaded.problems[0]
    assert main(["sessions", "list"]) == 0
    out, err = capsys.readouterr()
    assert good.chat_id in out and "20200101-000000-broken" in out
    assert "20200101-000000-broken.jsonl: 1 record(s) skipped (line 15:" in err
    assert main(["sessions", "show", "20200101-000000-broken"]) == 0
    assert "Paris is the capital" in capsys.readouterr().out
    assert "Traceback" not in err


def test_bad_header_field_is_reported(tmp_path):
    path = tmp_path / "h.jsonl"
    lines = V1.read_text().splitlines()
    lines[0] = json.dumps({"type": "meta", "id": "x", "created": "yesterday"})
    path.write_text("\n".join(lines) + "\n")
    loaded = store.load(path)
    assert loaded.problems == ("line 1: meta.created has the wrong type (str), skipped",)
    assert len(loaded.turns) == 3


def test_cut_off_answer_is_marked_in_show_and_export(capsys, tmp_path):
    """Item 3: no end record = the app died mid-answer; say so."""
    events = [TurnQueued(1, "hi"), AnswerDelta(1, "partial ans")]
    st, _ = chat(events=events)
    st._file.write(b'{"type": "delta", "text": "tor')  # killed mid-write
    st._file.flush()
    loaded = store.load(st.path)
    assert loaded.last.answer == "partial ans" and loaded.last.partial
    assert main(["sessions", "show", "last"]) == 0
    out = capsys.readouterr().out
    assert "partial ans" in out and "answer cut off" in out
    assert main(["sessions", "list"]) == 0
    assert "(cut off)" in capsys.readouterr().out
    target = tmp_path / "c.md"
    assert main(["sessions", "export", "last", "-o", str(target)]) == 0
    assert "answer cut off" in target.read_text()
    st.close()


def test_unused_store_leaves_no_file():
    st = store.ChatStore.create()
    st.close()
    assert store.list_chats() == []


def test_find_rename_delete():
    st, _ = chat()
    st.close()
    assert store.find("last").chat_id == st.chat_id
    assert store.find(st.chat_id[:10]).chat_id == st.chat_id
    store.rename(st.chat_id, "Capitals")
    assert store.find(st.chat_id).transcript.title == "Capitals"
    store.delete(st.chat_id)
    with pytest.raises(MissingError):
        store.find(st.chat_id)


def test_export_turns_citations_into_footnotes():
    st, _ = chat()
    md = export_markdown(store.load(st.path))
    assert "Paris is the capital [^1-1]." in md
    assert "[^1-1]: France docs/france.md:3" in md


def test_cli_list_show_export_delete(capsys, tmp_path):
    st, _ = chat()
    st.close()
    assert main(["sessions", "list"]) == 0
    assert st.chat_id in capsys.readouterr().out
    assert main(["sessions", "show", "last"]) == 0
    assert "## Assistant" in capsys.readouterr().out
    out = tmp_path / "c.md"
    assert main(["sessions", "export", st.chat_id, "-o", str(out)]) == 0
    assert "[^1-1]" in out.read_text()
    assert main(["sessions", "delete", st.chat_id]) == 0
    assert main(["sessions", "show", st.chat_id]) == 3
    assert "no saved chat" in capsys.readouterr().err


def test_jsonl_is_one_record_per_line():
    st, _ = chat()
    lines = st.path.read_text().splitlines()
    assert all(json.loads(line)["type"] for line in lines)


def test_cli_never_prints_control_sequences(capsys):
    """A chat file is untrusted too (an old version, an edit): cleaned when it is read."""
    path = store.chats_dir() / "20200101-000000-evil.jsonl"
    path.parent.mkdir(parents=True, exist_ok=True)
    records = [{"type": "meta", "id": "20200101-000000-evil", "model": "m\x1b[31m",
                "title": "title \x1b]0;pwned\x07here"},
               {"type": "user", "content": "q \u202eevil"},
               {"type": "delta", "text": "answer \x1b]52;c;cHduZWQ=\x07 \u202eevil"},
               {"type": "end", "stop_reason": "eos"}]
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    assert main(["sessions", "list"]) == 0
    assert main(["sessions", "show", "last"]) == 0
    out = capsys.readouterr().out
    assert "\x1b" not in out and "\x07" not in out and "\u202e" not in out
    assert "answer" in out and "here" in out


def test_empty_transcript_apply_is_pure():
    t = Transcript()
    assert t.apply(AnswerDelta(5, "x")) == t  # no such turn: nothing invented
