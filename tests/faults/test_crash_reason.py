"""After llama-cli dies mid-answer, the error quotes the lines of its log that say why (what it
wrote after it was ready), not the tail of its ~125-line startup banner."""

from __future__ import annotations

import json
import os
import signal

import pytest

from neuro_tui.engine.events import AnswerText, Flavor, SessionError, SessionState, TurnStats
from neuro_tui.engine.loglines import why_lines
from neuro_tui.engine.params import GenerationParams, SessionSpec
from neuro_tui.engine.session import LlamaSession

pytestmark = pytest.mark.timeout(120)
ASSERT = "/src/ggml/src/ggml.c:1611: GGML_ASSERT(view_src == NULL || data_size == 0) failed"
BANNER = ("llama_model_loader", "main: interactive mode on", "system_info", "build:",
          "print_info", "load_tensors", "== Running")


def test_why_lines_prefers_errors_and_says_nothing_rather_than_noise():
    assert why_lines(["ptrace: Operation not permitted.", ASSERT, "No stack."]) == [ASSERT]
    assert why_lines(["something odd"]) == ["something odd"]
    assert why_lines([]) == []


async def collect(session, text):
    return [e async for e in session.ask(text)]


async def test_crash_message_quotes_the_reason_from_the_log(make):
    s = make(answers=["one two three four five six", "after restart"],
                     env={"FAKE_CRASH_AFTER": 3, "FAKE_CRASH_TURN": 1,
                          "FAKE_CRASH_LOG": json.dumps(["ptrace: Operation not permitted.",
                                                        ASSERT])})
    await s.start()
    events = await collect(s, "go")
    error = events[-1]
    assert isinstance(error, SessionError) and error.kind == "crash"
    assert "SIGSEGV" in error.message and "GGML_ASSERT" in error.message
    assert error.log_tail == [ASSERT]
    assert s.history[-1].partial and "one two" in s.history[-1].answer  # nothing lost
    await s.restart()
    assert "".join(e.text for e in await collect(s, "again") if isinstance(e, AnswerText))
    await s.close()


async def test_a_crash_that_logged_nothing_quotes_no_banner(make):
    s = make(answers=["one two three four five six"], env={"FAKE_CRASH_AFTER": 2})
    await s.start()
    error = (await collect(s, "go"))[-1]
    assert isinstance(error, SessionError) and error.log_tail == []
    assert error.message.startswith("llama-cli stopped while answering (killed by signal 11")
    await s.close()


@pytest.mark.integration
async def test_real_llama_cli_killed_mid_answer_quotes_no_banner(llama_cli_old, smollm2,
                                                                 tmp_path):
    spec = SessionSpec(binary=llama_cli_old, flavor=Flavor.OLD, model=smollm2,
                       params=GenerationParams(threads=1, seed=1, max_tokens=60),
                       hang_timeout_s=120, log_dir=tmp_path / "logs")
    s = LlamaSession(spec)
    await s.start()
    try:
        got, pid = [], s.pid
        async for event in s.ask("Write a long story about the sea."):
            got.append(event)
            if sum(isinstance(e, AnswerText) for e in got) == 3 and pid:
                os.kill(pid, signal.SIGKILL)
                pid = None
        error = got[-1]
        assert isinstance(error, SessionError) and "SIGKILL" in error.message
        assert not any(line.startswith(BANNER) for line in error.log_tail), error.log_tail
        assert s.state is SessionState.CRASHED and s.history[-1].partial
        await s.restart()
        events = await collect(s, "Say hi.")
        assert isinstance(events[-1], TurnStats)
    finally:
        await s.close()
