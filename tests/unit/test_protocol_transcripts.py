"""Every recorded llama-cli session in ../shared/transcripts, replayed through the parser,
gives exactly the answer text the recording shows (echo, colours, markers and speeds gone)."""

from __future__ import annotations

import ast
import json
import re

import pytest

from neuro_tui.engine.protocol import Ready, Speeds, TurnEnd
from tests.transcript_io import (
    answer_oracle,
    bitnet_steps,
    flavor_and_color,
    messages,
    replay,
    upstream_argv,
    upstream_steps,
)

_NOTE_DONE = re.compile(rb"^turn .* done: (\{.*\})$", re.S)
_NOTE_CTRL_C = re.compile(rb"^after Ctrl\+C during generation -> (\{.*\})$", re.S)


def _upstream_files(transcripts_dir):
    root = transcripts_dir / "upstream"
    return sorted(p for p in root.rglob("*.txt") if upstream_steps(p) and upstream_argv(p))


def _upstream_expectations(steps):
    """(message index, expected text, exact?) from the recorder's own notes."""
    expected, index, sent, lines = [], -1, None, 1
    starts = dict(messages(steps))
    for i, (kind, data) in enumerate(steps):
        if i in starts:
            index, sent, lines = index + 1, data, starts[i]
        if kind != "N":
            continue
        if (m := _NOTE_DONE.match(data)) and lines == 1:  # multi-line: see the literal tests
            raw = ast.literal_eval(json.loads(m.group(1))["answer_repr"])
            expected.append((index, answer_oracle(raw, sent=_echo_of(raw, sent)), True))
        elif m := _NOTE_CTRL_C.match(data):
            note = ast.literal_eval(m.group(1).decode())
            if note.get("result") == "prompt" and "answer_before_ctrl_c" in note:
                raw = ast.literal_eval(note["answer_before_ctrl_c"])
                expected.append((index, answer_oracle(raw), False))
    return expected


def _echo_of(raw: bytes, sent: bytes) -> bytes:
    plain = re.sub(rb"\x1b\[[0-9;]*m", b"", raw)
    return sent if plain.startswith(sent.rstrip(b"\r")) else b""


def test_there_are_transcripts(transcripts_dir):
    assert len(_upstream_files(transcripts_dir)) >= 15
    assert len(list((transcripts_dir / "bitnet-cpp").glob("*.events.jsonl"))) >= 20


def test_upstream_transcripts_reconstruct_answers(transcripts_dir):
    checked = 0
    for path in _upstream_files(transcripts_dir):
        steps = upstream_steps(path)
        flavor, color = flavor_and_color(upstream_argv(path))
        answers, events = replay(steps, flavor, color)
        ready = any(isinstance(e, Ready) for e in events)
        # --log-disable hides the prompt marker (so args.py never passes it)
        assert ready == ("--log-disable" not in upstream_argv(path)), path.name
        for index, text, exact in _upstream_expectations(steps):
            got = answers[index]
            if exact:
                assert got == text, (path.name, index)
            else:
                assert got.startswith(text) and len(got) - len(text) < 40, (path.name, index)
            assert "\x1b" not in got and "\r" not in got
            checked += 1
    assert checked >= 25


def _bitnet_cases(transcripts_dir):
    root = transcripts_dir / "bitnet-cpp"
    for events_path in sorted(root.glob("*.events.jsonl")):
        summary = json.loads(events_path.with_name(
            events_path.name.replace(".events.jsonl", ".summary.json")).read_text())
        if summary["cmd"][0] != "llama-cli":
            continue  # run_inference.py wrapper: not a protocol we speak
        yield events_path, summary


def test_bitnet_transcripts_reconstruct_answers(transcripts_dir):
    checked = 0
    for events_path, summary in _bitnet_cases(transcripts_dir):
        steps = bitnet_steps(events_path)
        flavor, color = flavor_and_color(summary["cmd"])
        answers, _ = replay(steps, flavor, color)
        sends = [steps[i][1] for i, _ in messages(steps)]
        marks = summary.get("marks") or {}
        for mark in marks.values():
            if not isinstance(mark, dict) or "raw_turn_repr" not in mark:
                continue
            raw = ast.literal_eval(mark["raw_turn_repr"])
            sent = ast.literal_eval(mark["sent"])
            if not raw.rstrip(b" ").endswith(b"\r\n>") or sent not in sends:
                continue  # cut short by the recorder, or the 2nd line of a multi-line one
            index = sends.index(sent)
            sends[index] = None  # the same text may be sent again later
            expected = answer_oracle(raw.rstrip(b" ")[: -len(b"\r\n>")], sent=sent)
            assert answers[index] == expected, (events_path.name, index)
            checked += 1
    assert checked >= 30


@pytest.mark.parametrize(("name", "index", "text"), [
    ("upstream/v0316-interactive-default.txt", 0,
     "Le Grand Fait Couture, la femme d'Alban: Paris. The City of Light, Paris. Paris, the City "
     "of Light."),
    ("upstream/v0316-interactive-default.txt", 3,
     "I'm Alex, a data analysis assistant with a passion for understanding complex data systems "
     "and their applications. I'm here to help in any way I can, whether it's through data "
     "interpretation, visualization, or simply sharing knowledge about data science. What can I "
     "help you with today?"),
    ("upstream/v0336cli-interactive-default.txt", 3, "Hola, how can I assist you today?"),
    ("upstream/v0336completion-interactive-default.txt", 1,
     "The population of Paris is approximately 8.1 million."),
    ("upstream/v0336completion-interactive-default.txt", 4, "How about hello?"),
])
def test_upstream_literal_answers(transcripts_dir, name, index, text):
    path = transcripts_dir / name
    answers, _ = replay(upstream_steps(path), *flavor_and_color(upstream_argv(path)))
    assert answers[index] == text


@pytest.mark.parametrize(("name", "index", "text"), [
    ("smollm2_cnv_t1", 0, "Hello! How can I help you today?"),
    ("smollm2_cnv_t1", 1, "The capital of France is Paris."),
    ("misc_color", 0, "Hello! How can I help you today?"),
])
def test_bitnet_literal_answers(transcripts_dir, name, index, text):
    root = transcripts_dir / "bitnet-cpp"
    cmd = json.loads((root / f"{name}.summary.json").read_text())["cmd"]
    answers, _ = replay(bitnet_steps(root / f"{name}.events.jsonl"), *flavor_and_color(cmd))
    assert answers[index] == text


def test_new_protocol_speeds_and_context_error(transcripts_dir):
    path = transcripts_dir / "upstream/timing-v0336cli-n-1/timing-v0336cli-live-new-t2-0.txt"
    answers, events = replay(upstream_steps(path), *flavor_and_color(upstream_argv(path)))
    speeds = [e for e in events if isinstance(e, Speeds)]
    assert speeds[0] == Speeds(111.2, 35.1)
    errors = [e.text for e in events if type(e).__name__ == "ErrorLine"]
    assert errors == ["Error: request (2065 tokens) exceeds the available context size "
                      "(2048 tokens), try increasing it"]
    assert answers[1] == ""
    assert sum(isinstance(e, TurnEnd) for e in events) == 2


def test_perf_lines_in_merged_stream(transcripts_dir):
    path = transcripts_dir / "upstream/v0316-interactive-color-merged.txt"
    _, events = replay(upstream_steps(path), *flavor_and_color(upstream_argv(path)))
    perf = {e.kind: e for e in events if type(e).__name__ == "Perf"}
    assert perf["eval"].count == 74 and perf["prompt"].count == 44
    assert any(type(e).__name__ == "Exited" and e.text == "Interrupted by user" for e in events)
