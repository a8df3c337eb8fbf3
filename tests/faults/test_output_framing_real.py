"""Items 8 and 9 on every real llama-cli flavor: the real binary answers SmolLM2 questions and
tests/fakes/inject_pty.py splices hostile bytes into the answer as if the model had printed
them (the prompt's own colour code; an escape sequence that never ends)."""

from __future__ import annotations

import json
import re
import sys

import pytest

from neuro_tui.engine.events import AnswerText, Flavor, TurnStats
from tests.conftest import FAKES
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
    events = [e async for e in session.ask(text)]
    return "".join(e.text for e in events if isinstance(e, AnswerText)), events


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
    assert stats.tokens == 20 and "]0;x" in text and len(text.split()) <= 20
    assert sum(isinstance(e, AnswerText) for e in events) > 5  # streamed, not one blob
    text, events = await turn(s, "Name one fish.")
    assert isinstance(events[-1], TurnStats)
    await s.close()
