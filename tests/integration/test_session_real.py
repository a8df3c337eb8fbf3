"""LlamaSession against the real llama-cli builds (old 0.3.16, new 0.3.36 chat CLI, 0.3.36
llama-completion, and bitnet.cpp 404980e) with SmolLM2-135M, one thread: what a user of the
chat sees. bitnet.cpp also runs the tiny I2_S BitNet model from ../shared/models."""

from __future__ import annotations

import asyncio
import os
import signal
import time

import psutil
import pytest

from neuro_tui.engine.events import (
    AnswerText,
    ContextWarning,
    Flavor,
    SessionError,
    SessionState,
    TurnStats,
)
from neuro_tui.engine.params import GenerationParams, SessionSpec
from neuro_tui.engine.session import LlamaSession
from neuro_tui.textsafe import StreamCleaner

pytestmark = [pytest.mark.integration, pytest.mark.timeout(240)]

RUNTIMES = [("llama_cli_old", Flavor.OLD), ("llama_cli_new", Flavor.NEW),
            ("llama_completion_new", Flavor.OLD), ("llama_cli_bitnet", Flavor.BITNET)]


@pytest.fixture(params=RUNTIMES, ids=["old", "new", "completion", "bitnet"])
def runtime(request):
    name, flavor = request.param
    return request.getfixturevalue(name), flavor


@pytest.fixture
def session_for(runtime, smollm2, tmp_path):
    made = []

    def make(**params):
        binary, flavor = runtime
        base = dict(threads=1, seed=42, temperature=0.7, max_tokens=24, ctx_size=2048)
        spec = SessionSpec(binary=binary, flavor=flavor, model=smollm2,
                           params=GenerationParams(**{**base, **params}),
                           hang_timeout_s=120, log_dir=tmp_path / "logs")
        session = LlamaSession(spec, record_pty=tmp_path / f"pty-{len(made)}.bin")
        made.append(session)
        return session

    yield make
    for session in made:  # a failed test must not leave llama-cli running
        if session._proc and session._proc.child and not session._proc.child.closed:
            session._proc.kill_group(9)


async def turn(session, text):
    """(the answer as the chat core shows it: raw engine text cleaned once, textsafe)"""
    events = [e async for e in session.ask(text)]
    cleaner = StreamCleaner()
    shown = "".join(cleaner.feed(e.text) for e in events if isinstance(e, AnswerText))
    return shown + cleaner.finish(), events


def assert_gone(pid):
    """Neither running (orphan) nor unreaped (zombie)."""
    assert not psutil.pid_exists(pid)
    assert pid not in [c.pid for c in psutil.Process().children(recursive=True)]


async def test_five_turns_then_clean_close(session_for):
    s = session_for()
    await s.start()
    assert 0 < s.stats.load_ms < 60_000
    questions = ["What is the capital of France?", "And of Italy?", "Name a fruit.",
                 "What colour is the sky?", "Say goodbye."]
    for i, question in enumerate(questions, 1):
        text, events = await turn(s, question)
        stats = events[-1]
        assert isinstance(stats, TurnStats) and stats.turn == i, events[-1]
        assert text.strip() and "\x1b" not in text and "\r" not in text
        assert stats.ttft_ms > 0 and stats.tokens >= 1 and stats.stop_reason in ("eos",
                                                                                 "max_tokens")
        assert s.state is SessionState.READY
    assert [h.user for h in s.history] == questions
    assert s.stats.ctx_used > 5 * 8 and s.stats.rss_bytes > 10_000_000
    pid = s.pid
    await s.close()
    assert_gone(pid)


async def test_interrupt_mid_answer_then_continue(session_for):
    s = session_for(max_tokens=0)
    await s.start()
    got = []
    async for event in s.ask("Write a very long story about a dragon who learns to code."):
        got.append(event)
        if sum(isinstance(e, AnswerText) for e in got) == 8:
            await s.interrupt()
    assert got[-1].stop_reason == "interrupted" and s.state is SessionState.STOPPED
    assert s._proc.alive()
    text, events = await turn(s, "Say hi.")
    assert text.strip() and isinstance(events[-1], TurnStats)
    await s.close()


async def test_max_tokens_per_answer(session_for):
    s = session_for(max_tokens=10)
    await s.start()
    for question in ["Write a long poem about the sea.", "Write another long poem."]:
        text, events = await turn(s, question)
        assert events[-1].tokens <= 10 and events[-1].stop_reason == "max_tokens"
        assert 1 <= len(text.split()) <= 10
    await s.close()


async def test_multi_line_utf8_and_tab_are_one_turn_each(session_for, tmp_path):
    s = session_for()
    await s.start()
    for message in ["First line of my question\nsecond line: say hello.",
                    "Translate: café 🙂 漢字", "a\tb: what is this?"]:
        text, events = await turn(s, message)
        assert isinstance(events[-1], TurnStats) and text.strip()
        await asyncio.sleep(0.5)
        late = [e for _, events in list(s._queue._queue) for e in events]
        assert late == [] and s._parser.state == "prompt"  # no unasked 2nd answer
    raw = (tmp_path / "pty-0.bin").read_bytes()
    assert "café 🙂 漢字".encode() in raw  # typed and echoed intact (UTF-8 locale)
    assert b"a    b: what is this?" in raw and b"\x1b[6n" not in raw
    assert len(s.history) == 3
    await s.close()


@pytest.mark.slow
@pytest.mark.timeout(900)
async def test_20kb_paste(session_for):
    s = session_for(ctx_size=8192, max_tokens=8, batch_size=512)
    await s.start()
    lines = [f"Line {i}: the quick brown fox jumps over the lazy dog near the river bank."
             for i in range(270)]
    paste = "\n".join(lines) + "\nSummarise the text above in one sentence."
    assert len(paste.encode()) > 20_000
    text, events = await turn(s, paste)
    assert isinstance(events[-1], TurnStats), events[-1]
    assert s.history[-1].user.startswith("Line 0:")
    text, events = await turn(s, "Thanks!")
    assert isinstance(events[-1], TurnStats)
    await s.close()


async def test_load_failure_says_why(llama_cli_old, tmp_path):
    from neuro_tui.errors import MissingError

    bad = tmp_path / "not-a-model.gguf"
    bad.write_bytes(b"hello, this is not a GGUF file" * 10)
    s = LlamaSession(SessionSpec(binary=llama_cli_old, flavor=Flavor.OLD, model=bad,
                                 params=GenerationParams(threads=1), log_dir=tmp_path))
    with pytest.raises(MissingError) as error:
        await s.start()
    assert "invalid magic" in str(error.value) or "failed to" in str(error.value)
    assert s.state is SessionState.CRASHED and not s._proc.alive()


def test_no_orphan_when_the_app_is_killed(runtime, smollm2, tmp_path):
    """SIGKILL the Python process mid-answer: the pty closes, llama-cli gets SIGHUP (and
    bitnet.cpp, which loops forever on a real EOF, must not survive it either)."""
    import subprocess
    import sys

    binary, flavor = runtime

    script = f"""
import asyncio, os, sys
from pathlib import Path
from neuro_tui.engine.events import Flavor
from neuro_tui.engine.params import GenerationParams, SessionSpec
from neuro_tui.engine.session import LlamaSession
async def main():
    s = LlamaSession(SessionSpec(binary=Path({str(binary)!r}), flavor=Flavor({flavor.value!r}),
        model=Path({str(smollm2)!r}), params=GenerationParams(threads=1, max_tokens=0),
        log_dir=Path({str(tmp_path)!r})))
    await s.start()
    print(s.pid, flush=True)
    async for event in s.ask("Write a very long story about a dragon."):
        pass
asyncio.run(main())
"""
    app = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    pid = int(app.stdout.readline())
    assert psutil.pid_exists(pid)
    time.sleep(1.0)
    app.send_signal(signal.SIGKILL)
    app.wait(10)
    deadline = time.monotonic() + 5
    while psutil.pid_exists(pid) and time.monotonic() < deadline:
        try:
            if psutil.Process(pid).status() == psutil.STATUS_ZOMBIE:
                break  # exited; reaped by init
        except psutil.NoSuchProcess:
            break
        time.sleep(0.05)
    alive = psutil.pid_exists(pid) and psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    assert not alive, "llama-cli outlived the app"


async def test_context_fills_up_warning_comes_before_it_wraps(session_for):
    s = session_for(ctx_size=512, max_tokens=40)
    await s.start()
    warning = None
    for i in range(1, 16):
        _, events = await turn(s, f"Tell me one fact about the number {i}.")
        if found := [e for e in events if isinstance(e, ContextWarning)]:
            warning = found[0]
            assert isinstance(events[-1], TurnStats), events[-1]  # that turn still completed
            break
        assert isinstance(events[-1], TurnStats), events[-1]  # nothing failed before it
    assert warning is not None, s.stats
    assert warning.ctx_size == 512 and 0.8 * 512 <= warning.ctx_used < 512
    for _ in range(3):  # past the warning: old/bitnet drop old tokens, new refuses clearly
        _, events = await turn(s, "And another fact, please.")
        last = events[-1]
        assert isinstance(last, TurnStats) or (isinstance(last, SessionError)
                                               and last.kind == "context"), last
        if isinstance(last, SessionError):
            break
    assert sum(isinstance(e, ContextWarning) for e in events) == 0  # warned once
    await s.close()


async def test_close_at_the_prompt_and_mid_answer_leaves_no_process(session_for):
    s = session_for()
    await s.start()
    await turn(s, "Say hi.")
    pid, t0 = s.pid, time.monotonic()
    await s.close()
    assert_gone(pid)
    assert time.monotonic() - t0 < 5
    s = session_for(max_tokens=0)
    await s.start()
    fragments = 0
    async for event in s.ask("Write a very long story about a dragon who learns to code."):
        fragments += isinstance(event, AnswerText)
        if fragments == 5:
            break
    pid = s.pid
    await s.close()
    assert_gone(pid)


async def test_killed_mid_answer_then_restart_with_recap(session_for):
    s = session_for(max_tokens=40)
    await s.start()
    text, _ = await turn(s, "My name is Zorblat. Say hello to me.")
    assert text.strip()
    got, old_pid = [], s.pid
    async for event in s.ask("Write a long story about the sea."):
        got.append(event)
        if sum(isinstance(e, AnswerText) for e in got) == 3 and psutil.pid_exists(old_pid):
            os.kill(old_pid, signal.SIGKILL)
    assert isinstance(got[-1], SessionError) and got[-1].kind == "crash", got[-1]
    assert s.state is SessionState.CRASHED and s.history[-1].partial
    assert_gone(old_pid)
    await s.restart()
    assert "recap of the 2 earlier turn(s)" in (s.notice or "")
    assert "Zorblat" in s._system and s.pid != old_pid
    text, events = await turn(s, "What is my name?")
    assert text.strip() and isinstance(events[-1], TurnStats)
    assert [h.user for h in s.history][-1] == "What is my name?" and len(s.history) == 3
    await s.close()


async def test_tiny_i2s_bitnet_model_keeps_turn_structure(llama_cli_bitnet, tiny_i2s, tmp_path):
    """Random ternary weights: the text is garbage, but every turn must end cleanly."""
    params = GenerationParams(threads=1, seed=42, temperature=0.7, max_tokens=16, ctx_size=1024)
    s = LlamaSession(SessionSpec(binary=llama_cli_bitnet, flavor=Flavor.BITNET, model=tiny_i2s,
                                 params=params, hang_timeout_s=60, log_dir=tmp_path / "logs"))
    await s.start()
    try:
        for i, question in enumerate(["Hello!", "What is 2+2?", "Bye."], 1):
            text, events = await turn(s, question)
            stats = events[-1]
            assert isinstance(stats, TurnStats) and stats.turn == i, events[-1]
            assert stats.stop_reason in ("eos", "max_tokens") and stats.tokens <= 16
            assert "\x1b" not in text and s.state is SessionState.READY
        assert [h.user for h in s.history] == ["Hello!", "What is 2+2?", "Bye."]
    finally:
        pid = s.pid
        await s.close()
    assert_gone(pid)
