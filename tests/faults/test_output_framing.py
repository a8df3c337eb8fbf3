"""Hostile model output (issue #12, items 8 and 9): an escape sequence that never ends, and
the prompt's own colour code printed by the model. Nothing may stop streaming, disable the
max-tokens stop, or end (and so cut) the answer early.

The engine yields raw model text; the chat core cleans it once (textsafe, issue #11). So the
assertions here are on the text after that cleaning (`core_clean`), as a user sees it."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest

from neuro_tui.engine.events import AnswerText, Flavor, TurnStats
from neuro_tui.engine.protocol import (
    AnswerBytes,
    MaybeEnd,
    StreamParser,
    Text,
    TurnEnd,
)
from neuro_tui.textsafe import strip_controls
from tests.faults.conftest import tiny_gguf
from tests.faults.test_output_framing_agree import core_clean

pytestmark = pytest.mark.timeout(60)

GREEN = b"\x1b[1m\x1b[32m"
WORDS = [f" w{i}" for i in range(1500)]
OSC_ANSWER = "start \x1b]0;x" + "".join(WORDS)
END = {Flavor.OLD: b"\r\n\r\n> " + GREEN,
       Flavor.BITNET: b"\r\n\r\n> " + GREEN,
       Flavor.NEW: b"\r\n\x1b[35m\r\n[ Prompt: 1.0 t/s | Generation: 2.0 t/s ]\r\n\x1b[0m"
                   + GREEN + b"\r\n> "}


def answering(flavor: Flavor) -> StreamParser:
    parser = StreamParser(flavor, color=True)
    parser.feed(GREEN + b"\r\n> " if flavor is Flavor.NEW else b"system\r\nS\r\n\r\n> " + GREEN)
    parser.sent(1)
    parser.feed(b"Hi\r\n\x1b[0m")
    assert parser.state == "answer"
    return parser


def text_of(events) -> str:
    return "".join(e.text for e in events if isinstance(e, Text))


@pytest.mark.parametrize("flavor", list(Flavor))
def test_unterminated_osc_keeps_streaming_and_counting(flavor):
    parser = answering(flavor)
    reads, pieces, counted = [b"start ", b"\x1b]0;x"] + [w.encode() for w in WORDS[:40]], [], 0
    for i, data in enumerate(reads):
        events = parser.feed(data)
        assert text_of(events) == data.decode()  # nothing held: every read streams at once
        pieces.append(text_of(events))
        counted += sum(e.tokens for e in events if isinstance(e, AnswerBytes))
        assert counted == i + 1  # every token counted when it is read, none twice
    events = parser.feed(END[flavor])
    assert any(isinstance(e, TurnEnd) for e in events)
    raw = "".join(pieces) + text_of(events)
    assert raw == "start \x1b]0;x" + "".join(WORDS[:40])
    # textsafe: the unterminated OSC's payload goes (up to MAX_STRING), nothing escapes
    assert core_clean([raw]) == strip_controls(raw) == "start "


def test_no_escape_sequence_is_held():
    """Only a proper prefix of a framing marker is held: a long unfinished sequence is not."""
    parser = answering(Flavor.OLD)
    events = parser.feed(b"a \x1b]" + b"x" * 65)
    assert text_of(events) == "a \x1b]" + "x" * 65


def test_a_possible_marker_is_held_until_the_next_read():
    parser = answering(Flavor.OLD)
    assert text_of(parser.feed(b"a \x1b[1m")) == "a "  # may become the prompt's bold green
    assert text_of(parser.feed(b"bold\x1b[0m b")) == "\x1b[1mbold\x1b[0m b"
    new = answering(Flavor.NEW)
    assert text_of(new.feed(b"x\r\n\x1b[35m\r\n[ Prompt: 1")) == "x"  # a speeds line?
    held = new.feed(b" is not a speeds line\r\nmore")
    assert core_clean(["x", text_of(held)]) == "x\n\n[ Prompt: 1 is not a speeds line\nmore"


def test_complete_sequences_reach_the_core_which_removes_them():
    parser = answering(Flavor.OLD)
    events = []
    for data in (b"a\x1b", b"]0;ti", b"tle\x07 b \x1b[3", b"1mred\x1b[0m"):
        events += parser.feed(data)
    assert text_of(events) == "a\x1b]0;title\x07 b \x1b[31mred\x1b[0m"
    assert core_clean([text_of(events)]) == "a b red"


@pytest.mark.parametrize("flavor", list(Flavor))
@pytest.mark.parametrize("split", [False, True])
def test_model_printing_the_prompt_colour_does_not_end_the_answer(flavor, split):
    parser = answering(flavor)
    stream = b"Use " + GREEN + b"green" + b"\x1b[0m for input.\r\nAnd " + GREEN + b"\r\n> more."
    events = []
    for data in ([stream[i:i + 1] for i in range(len(stream))] if split else [stream]):
        events += parser.feed(data)
    assert not any(isinstance(e, TurnEnd) for e in events)
    assert core_clean([text_of(events)]) == "Use green for input.\nAnd \n> more."
    events = parser.feed(END[flavor])
    assert any(isinstance(e, TurnEnd) for e in events)


@pytest.mark.parametrize("late", [b"\r\n> ", b" and more.\r\n\r\n> "])
def test_green_that_overtakes_the_prompt_is_a_possible_end(late):
    """llama-cli's log thread may print the prompt (and even the last tokens) after the
    colour code it prints directly: not its exact end, so confirmed by a quiet spell."""
    parser = answering(Flavor.OLD)
    events = parser.feed(b"Done." + GREEN) + parser.feed(late)
    assert core_clean([text_of(events)]).startswith("Done.")
    assert any(isinstance(e, MaybeEnd) for e in events)
    assert not any(isinstance(e, TurnEnd) for e in events)
    assert any(isinstance(e, TurnEnd) for e in parser.confirm_end())


@pytest.mark.parametrize("reads", [[b"Done." + GREEN + b"\r\n\r\n> "],
                                   [b"Done.", GREEN, b"\r\n", b"\r\n> "],
                                   [b"Done." + GREEN + b"\r", b"\n\r\n", b"> "]])
def test_green_then_its_two_log_writes_ends_at_once(reads):
    """0.3.16's usual end (23 of 24 turns measured): the colour, then the log thread's "\n"
    and "\n> ". That order is llama-cli's too: the turn ends without a quiet spell."""
    parser = answering(Flavor.OLD)
    events = [e for data in reads for e in parser.feed(data)]
    assert core_clean([text_of(events)]) == "Done."
    assert any(isinstance(e, TurnEnd) for e in events)
    assert not any(isinstance(e, MaybeEnd) for e in events)


def test_bare_prompt_then_late_green_ends_at_once():
    """llama-completion after Ctrl+C: `\\r\\n> ` first, the colour only later."""
    parser = answering(Flavor.OLD)
    events = parser.feed(b"far away\r\n> ")
    assert text_of(events) == "far away"
    assert any(isinstance(e, TurnEnd) for e in parser.feed(GREEN))


async def turn(session, text):
    """(the answer after the core's one cleaning, the engine's events)"""
    events = [e async for e in session.ask(text)]
    return core_clean(e.text for e in events if isinstance(e, AnswerText)), events


@pytest.mark.parametrize("flavor", ["old", "bitnet", "new"])
async def test_false_prompt_marker_with_the_fake(make, flavor):
    answer = "Type \x1b[1m\x1b[32mhere\x1b[0m, then\x1b[1m\x1b[32m\n> quote and the rest."
    s = make(flavor, answers=[answer, "next"])
    await s.start()
    text, events = await turn(s, "how?")
    assert text == "Type here, then\n> quote and the rest."
    assert events[-1].stop_reason == "eos"
    assert (await turn(s, "and?"))[0] == "next"  # still in step with llama-cli
    await s.close()


@pytest.mark.parametrize("flavor", ["old", "bitnet"])
async def test_unterminated_osc_max_tokens_with_the_fake(make, flavor):
    s = make(flavor, answers=[OSC_ANSWER, "next"], max_tokens=20,
                     env={"FAKE_TOKEN_DELAY": "0.01"})
    await s.start()
    t0 = time.monotonic()
    text, events = await turn(s, "go")
    assert time.monotonic() - t0 < 8  # all 1,500 tokens take 15 s
    stats = events[-1]
    assert isinstance(stats, TurnStats) and stats.stop_reason == "max_tokens"
    raw = "".join(e.text for e in events if isinstance(e, AnswerText))
    assert stats.tokens == 20 and raw.startswith("start \x1b]0;x w0 w1")
    assert 15 <= len(raw.split()) <= 20
    assert text == strip_controls(raw) == "start "  # the OSC's payload: < MAX_STRING chars
    assert (await turn(s, "and?"))[0] == "next"
    await s.close()


async def test_unterminated_osc_streams_with_the_fake(make):
    s = make("new", answers=[" ".join(["a \x1b]0;x"] + WORDS[:200])],
                     env={"FAKE_TOKEN_DELAY": "0.005"})
    await s.start()
    pieces = [e.text async for e in s.ask("go") if isinstance(e, AnswerText)]
    assert len(pieces) > 50  # arrived token by token, not in one piece at the end
    shown = core_clean(pieces)  # the payload goes for MAX_STRING characters, then text
    assert "w199" in shown and shown.startswith("a ") and "\x1b" not in shown
    await s.close()


def test_ask_stream_max_tokens_with_an_unterminated_osc(fake_llama_cli, tmp_path):
    """The issue's reproduction: `ask --stream --max-tokens 20` generated all 1,500 tokens,
    streamed nothing until the end and said 20 tokens."""
    import json

    env = {**os.environ, "FAKE_FLAVOR": "old", "FAKE_ANSWERS": json.dumps([OSC_ANSWER]),
           "FAKE_TOKEN_DELAY": "0.01"}
    argv = [sys.executable, "-m", "neuro_tui", "ask", "--cli", str(fake_llama_cli),
            "--model", str(tiny_gguf(tmp_path / "m.gguf")), "--stream", "--max-tokens", "20",
            "--timing", "hi"]
    t0 = time.monotonic()
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    first = proc.stdout.read(5)
    t_first = time.monotonic() - t0
    out, err = proc.communicate(timeout=60)
    total = time.monotonic() - t0
    out = (first + out).decode()
    assert proc.returncode == 0, err
    assert total < 10 and t_first < total  # stopped at 20, streamed before the end
    # textsafe: the 19 words after the unterminated OSC are its payload (< MAX_STRING)
    assert out.split() == ["start"] and "\x1b" not in out
    assert "20 tokens" in err.decode() and "Traceback" not in err.decode()
