"""Saved chats: append-as-you-go JSONL, torn lines, resume, rename, delete, export, CLI."""

from __future__ import annotations

import json

import pytest

from neuro_tui import sessions
from neuro_tui.cli import main
from neuro_tui.errors import MissingError


def chat(title=""):
    w = sessions.SessionWriter.create(model="smollm2", title=title)
    w.user("What is Paris?")
    w.sources([{"n": 1, "title": "France", "location": "docs/france.md:3", "kind": "local"}])
    w.delta("Paris is the capital [1]")
    w.delta(".")
    w.end_turn("eos", {"tokens": 7})
    return w


def test_records_are_on_disk_before_close_and_load_back():
    w = chat()
    info = sessions.load(w.info.path)  # not closed: a killed app leaves exactly this
    assert info.title == "What is Paris?" and info.model == "smollm2"
    assert [(m.role, m.content) for m in info.messages] == [
        ("user", "What is Paris?"), ("assistant", "Paris is the capital [1].")]
    assert info.messages[1].sources[0]["location"] == "docs/france.md:3"
    assert info.messages[1].stats == {"tokens": 7}


def test_answer_cut_by_a_kill_keeps_streamed_text_and_skips_torn_line():
    w = sessions.SessionWriter.create()
    w.user("hi")
    w.delta("partial ans")
    w._file.write('{"type": "delta", "text": "tor')  # killed mid-write
    w._file.flush()
    info = sessions.load(w.info.path)
    assert info.messages[-1].content == "partial ans"
    assert info.messages[-1].stop_reason is None


def test_unused_writer_leaves_no_file():
    w = sessions.SessionWriter.create()
    w.close()
    assert sessions.list_sessions() == []


def test_find_rename_delete():
    w = chat()
    w.close()
    sid = w.info.id
    assert sessions.find("last").id == sid
    assert sessions.find(sid[:10]).id == sid
    sessions.rename(sid, "Capitals")
    assert sessions.find(sid).title == "Capitals"
    sessions.delete(sid)
    with pytest.raises(MissingError):
        sessions.find(sid)


def test_export_turns_citations_into_footnotes():
    w = chat()
    md = sessions.export_markdown(sessions.load(w.info.path))
    assert "Paris is the capital [^2-1]." in md
    assert "[^2-1]: France docs/france.md:3" in md


def test_recap_keeps_the_newest_turns():
    msgs = [sessions.Message("user", f"question {i}") for i in range(500)]
    recap = sessions.recap(msgs, limit=200)
    assert len(recap) <= 200 and recap.endswith("question 499")


def test_cli_list_show_export_delete(capsys, tmp_path):
    w = chat()
    w.close()
    assert main(["sessions", "list"]) == 0
    assert w.info.id in capsys.readouterr().out
    assert main(["sessions", "show", "last"]) == 0
    assert "## Assistant" in capsys.readouterr().out
    out = tmp_path / "c.md"
    assert main(["sessions", "export", w.info.id, "-o", str(out)]) == 0
    assert "[^2-1]" in out.read_text()
    assert main(["sessions", "delete", w.info.id]) == 0
    assert main(["sessions", "show", w.info.id]) == 3
    assert "no saved chat" in capsys.readouterr().err


def test_jsonl_is_one_record_per_line():
    w = chat()
    lines = w.info.path.read_text().splitlines()
    assert all(json.loads(line)["type"] for line in lines)


def test_cli_never_prints_control_sequences(capsys):
    w = sessions.SessionWriter.create(model="m\x1b[31m")
    w.user("title \x1b]0;pwned\x07here")
    w.delta("answer \x1b]52;c;cHduZWQ=\x07 \u202eevil")
    w.end_turn("eos")
    w.close()
    assert main(["sessions", "list"]) == 0
    assert main(["sessions", "show", "last"]) == 0
    out = capsys.readouterr().out
    assert "\x1b" not in out and "\x07" not in out and "\u202e" not in out
    assert "answer" in out and "here" in out
