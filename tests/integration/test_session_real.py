"""LlamaSession against the real llama-cli builds (old 0.3.16, new 0.3.36 chat CLI, and
0.3.36 llama-completion) with SmolLM2-135M, one thread: what a user of the chat sees."""

from __future__ import annotations

import asyncio

import psutil
import pytest

from neuro_tui.engine.events import AnswerText, Flavor, SessionState, TurnStats
from neuro_tui.engine.params import GenerationParams, SessionSpec
from neuro_tui.engine.session import LlamaSession

pytestmark = [pytest.mark.integration, pytest.mark.timeout(240)]

RUNTIMES = [("llama_cli_old", Flavor.UPSTREAM_CNV), ("llama_cli_new", Flavor.UPSTREAM_CHAT),
            ("llama_completion_new", Flavor.UPSTREAM_CNV)]


@pytest.fixture(params=RUNTIMES, ids=["old", "new", "completion"])
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
    events = [e async for e in session.ask(text)]
    return "".join(e.text for e in events if isinstance(e, AnswerText)), events


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
    s = LlamaSession(SessionSpec(binary=llama_cli_old, flavor=Flavor.UPSTREAM_CNV, model=bad,
                                 params=GenerationParams(threads=1), log_dir=tmp_path))
    with pytest.raises(MissingError) as error:
        await s.start()
    assert "invalid magic" in str(error.value) or "failed to" in str(error.value)
    assert s.state is SessionState.CRASHED and not s._proc.alive()


def test_no_orphan_when_the_app_is_killed(llama_cli_old, smollm2, tmp_path):
    """SIGKILL the Python process mid-answer: the pty closes, llama-cli gets SIGHUP."""
    import signal
    import subprocess
    import sys
    import time

    script = f"""
import asyncio, os, sys
from pathlib import Path
from neuro_tui.engine.events import Flavor
from neuro_tui.engine.params import GenerationParams, SessionSpec
from neuro_tui.engine.session import LlamaSession
async def main():
    s = LlamaSession(SessionSpec(binary=Path({str(llama_cli_old)!r}), flavor=Flavor.UPSTREAM_CNV,
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
