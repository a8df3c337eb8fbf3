"""One cleaning policy (issue #11): the stream parser removes only llama-cli's framing and the
chat core cleans once with textsafe, so the parser and textsafe cannot disagree. Every row of
the shared hostile table (tests/hostile_text.py), sent as llama-cli's pty sends an answer,
comes out of the engine path exactly as `textsafe.strip_controls(row)`: however the reads
split it, on every flavor, through the parser alone and through a live LlamaSession."""

from __future__ import annotations

import pytest

from neuro_tui.engine.events import AnswerText, Flavor
from neuro_tui.engine.protocol import StreamParser, Text, TurnEnd
from neuro_tui.textsafe import StreamCleaner, strip_controls
from tests.hostile_text import CASES, all_in_one, escaped

pytestmark = pytest.mark.timeout(120)

GREEN = b"\x1b[1m\x1b[32m"
END = {Flavor.OLD: b"\r\n\r\n> " + GREEN,
       Flavor.BITNET: b"\r\n\r\n> " + GREEN,
       Flavor.NEW: b"\r\n\x1b[35m\r\n[ Prompt: 1.0 t/s | Generation: 2.0 t/s ]\r\n\x1b[0m"
                   + GREEN + b"\r\n> "}
IDS = [name for name, _, _ in CASES]


def core_clean(pieces) -> str:
    """What chat/turn_runner makes of the engine's raw text: one StreamCleaner."""
    cleaner = StreamCleaner()
    return "".join(cleaner.feed(p) for p in pieces) + cleaner.finish()


def on_the_pty(text: str) -> bytes:
    """An answer as the pty carries it (the line discipline's ONLCR: LF -> CRLF)."""
    return text.encode("utf-8").replace(b"\n", b"\r\n")


def through_the_parser(flavor: Flavor, data: bytes, size: int) -> tuple[list[str], bool]:
    parser = StreamParser(flavor, color=True)
    parser.feed(GREEN + b"\r\n> " if flavor is Flavor.NEW else b"system\r\nS\r\n\r\n> " + GREEN)
    parser.sent(1)
    parser.feed(b"hi\r\n\x1b[0m")
    stream = data + END[flavor]
    events = []
    for i in range(0, len(stream), size):
        events += parser.feed(stream[i:i + size])
    ended = any(isinstance(e, TurnEnd) for e in events)
    return [e.text for e in events if isinstance(e, Text)], ended


@pytest.mark.parametrize("flavor", [Flavor.OLD, Flavor.BITNET, Flavor.NEW], ids=str)
@pytest.mark.parametrize("size", [1, 2, 3, 7, 10_000])
@pytest.mark.parametrize(("name", "text", "visible"), CASES, ids=IDS)
def test_parser_then_core_equals_textsafe(flavor, size, name, text, visible):
    pieces, ended = through_the_parser(flavor, on_the_pty(text), size)
    assert ended, "the hostile row ended the turn early or never let it end"
    shown = core_clean(pieces)
    assert shown == strip_controls(text) == visible
    assert escaped(shown) == []


@pytest.mark.parametrize("flavor", [Flavor.OLD, Flavor.BITNET, Flavor.NEW], ids=str)
def test_whole_table_in_one_answer(flavor):
    pieces, ended = through_the_parser(flavor, on_the_pty(all_in_one()), 5)
    assert ended and core_clean(pieces) == strip_controls(all_in_one())


@pytest.mark.parametrize("flavor", ["old", "bitnet", "new"])
async def test_live_session_then_core_equals_textsafe(make, flavor):
    """The fake llama-cli answers every row, one turn each, over a real pty."""
    rows = [text for _, text, _ in CASES]
    s = make(flavor, answers=rows + [all_in_one()])
    await s.start()
    try:
        for row in rows + [all_in_one()]:
            pieces = [e.text async for e in s.ask("next") if isinstance(e, AnswerText)]
            assert core_clean(pieces) == strip_controls(row), row
    finally:
        await s.close()
