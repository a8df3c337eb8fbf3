"""Items 8 and 9 on every real llama-cli flavor: the real binary answers SmolLM2 questions and
tests/fakes/inject_pty.py splices hostile bytes into the answer as if the model had printed
them (the prompt's own colour code; an escape sequence that never ends). The session yields
raw text; the assertions are on it after the chat core's one cleaning (textsafe)."""

from __future__ import annotations

import json
import re
import sys

import pytest

from neuro_tui.engine.events import AnswerText, Flavor, TurnStats
from neuro_tui.textsafe import strip_controls
from tests.conftest import FAKES
from tests.faults.test_output_framing_agree import core_clean
from tests.hostile_text import escaped
from tests.integration.test_session_real import session_for  # noqa: F401

pytestmark = [pytest.mark.integration, pytest.mark.timeout(300)]
GREEN = "\x1b[1m\x1b[32m"
RUNTIMES = [("llama_cli_old", Flavor.OLD), ("llama_cli_new", Flavor.NEW),
            ("llama_completion_new", Flavor.OLD), ("llama_cli_bitnet", Flavor.BITNET)]
_SGR = re.compile(rb"\x1b\[[0-9;]*m")


@pytest.fixture(params=RUNTIMES, ids=["old", "new", "completion", "bitnet"])
def runtime(request, tmp_path):
    """The real binary of each flavor behind the injector (test_session_real's `session_for`
    then builds the session with it)."""
    name, flavor = request.param
    real = request.getfixturevalue(name)
    wrapper = tmp_path / "llama-cli"
    wrapper.write_text(f'#!/bin/sh\nexec "{sys.executable}" "{FAKES / "inject_pty.py"}" '
                       f'"{real}" "$@"\n')
    wrapper.chmod(0o755)
    return wrapper, flavor


@pytest.fixture
def injected(session_for, monkeypatch):  # noqa: F811 - the imported fixture
    def make(inject: str, **params):
        monkeypatch.setenv("INJECT_BYTES", json.dumps(inject))
        monkeypatch.setenv("INJECT_AFTER", "4")
        return session_for(**{"temperature": 0.0, "max_tokens": 40, **params})
    return make


async def turn(session, text):
    """(the answer as the chat core shows it, the events)"""
    events = [e async for e in session.ask(text)]
    return core_clean(e.text for e in events if isinstance(e, AnswerText)), events


def text_after_injection(record: bytes, inject: bytes, sent: bytes) -> str:
    """What llama-cli wrote after the injected bytes, up to its end-of-turn bytes."""
    start = record.index(inject, record.index(sent)) + len(inject)
    ends = [record.find(m, start) for m in (b"\r\n> ", b"\r\n\x1b[35m", b"\r\n\r\n[ Prompt")]
    end = min(e for e in ends if e >= 0)
    return _SGR.sub(b"", record[start:end]).decode("utf-8", "replace").replace("\r", "").strip()


async def test_false_prompt_colour_inside_a_real_answer(injected, tmp_path):
    s = injected(GREEN)
    await s.start()
    text, events = await turn(s, "Write three sentences about the sea.")
    await s.close()
    record = (tmp_path / "pty-0.bin").read_bytes()
    tail = text_after_injection(record, GREEN.encode(), b"Write three")
    assert tail, "the model stopped right at the injection: nothing to check"
    assert isinstance(events[-1], TurnStats), events[-1]
    assert tail[-15:] in text  # the answer went on past the false marker and arrived
    assert "\x1b" not in text


async def test_false_prompt_colour_then_the_next_turn(injected):
    s = injected(GREEN)
    await s.start()
    await turn(s, "Write three sentences about the sea.")
    text, events = await turn(s, "Name one fish.")
    assert text.strip() and isinstance(events[-1], TurnStats), events[-1]
    await s.close()


async def test_unterminated_escape_inside_a_real_answer_max_tokens(injected):
    s = injected("\x1b]0;x ", max_tokens=20)
    await s.start()
    text, events = await turn(s, "Write a long story about the sea.")
    stats = events[-1]
    assert isinstance(stats, TurnStats) and stats.stop_reason == "max_tokens", stats
    raw = "".join(e.text for e in events if isinstance(e, AnswerText))
    assert stats.tokens == 20 and "\x1b]0;x " in raw and len(raw.split()) <= 20
    assert text == strip_controls(raw) and escaped(text) == []
    assert sum(isinstance(e, AnswerText) for e in events) > 5  # streamed, not one blob
    text, events = await turn(s, "Name one fish.")
    assert isinstance(events[-1], TurnStats)
    await s.close()


HOSTILE = "\x1b]0;t b\x1b[31mc \x1b]8;;file:///etc/passwd\x1b\\link\x1b]8;;\x1b\\ \r\x9b2J[bold]x "


async def test_real_answer_with_hostile_bytes_equals_textsafe_of_the_bytes(injected,
                                                                          tmp_path):
    """The parser and textsafe cannot disagree on real framing bytes either: what the user
    sees is exactly textsafe's cleaning of the answer bytes llama-cli (and the injector)
    wrote, however the real reads split them."""
    s = injected(HOSTILE)
    await s.start()
    text, events = await turn(s, "Write three sentences about the sea.")
    await s.close()
    assert isinstance(events[-1], TurnStats), events[-1]
    record = (tmp_path / "pty-0.bin").read_bytes()
    start = record.index(b"\x1b[0m", record.index(b"Write three")) + 4
    at = record.index(HOSTILE.encode(), start)
    ends = [record.find(m, at) for m in (b"\r\n> ", b"\r\n\x1b[35m\r\n", b"\r\n\r\n[ Prompt")]
    answer = record[start:min(e for e in ends if e >= 0)].replace(b"\r\n", b"\n")
    expected = strip_controls(answer.decode("utf-8", "replace")).strip("\n")
    assert text and expected.startswith(text)  # the max-tokens cap may cut the end
    assert "link" in text and "[bold]x" in text and escaped(text) == []
    assert len(text.split()) > len(strip_controls(answer[:at - start].decode()).split())
