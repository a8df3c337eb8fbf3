"""LlamaSession against the fake llama-cli: crash mid-answer, hang, garbage bytes, load
failure, missing binary, interrupt, max tokens, restart with recap, clean close."""

from __future__ import annotations

import asyncio
import json
import os

import psutil
import pytest

from neuro_tui.engine.events import AnswerText, Flavor, SessionError, SessionState, TurnStats
from neuro_tui.engine.params import GenerationParams, SessionSpec
from neuro_tui.engine.session import LlamaSession
from neuro_tui.errors import MissingError
from neuro_tui.textsafe import StreamCleaner

pytestmark = pytest.mark.timeout(60)


@pytest.fixture
def make(fake_llama_cli, tmp_path, monkeypatch):
    model = tmp_path / "model.gguf"
    model.write_bytes(b"GGUF fake")
    sessions = []

    def make(flavor="old", answers=("Hello! How can I help you today?",), env=None, **params):
        monkeypatch.setenv("FAKE_FLAVOR", flavor)
        monkeypatch.setenv("FAKE_ANSWERS", json.dumps(list(answers)))
        monkeypatch.setenv("FAKE_TOKEN_DELAY", "0.002")
        for key, value in (env or {}).items():
            monkeypatch.setenv(key, str(value))
        hang = params.pop("hang_timeout_s", 30.0)
        spec = SessionSpec(binary=fake_llama_cli, flavor=Flavor(flavor), model=model,
                           params=GenerationParams(threads=1, **params), hang_timeout_s=hang,
                           log_dir=tmp_path / "logs")
        session = LlamaSession(spec)
        sessions.append(session)
        return session

    yield make
    for session in sessions:
        if session._proc and session._proc.child and not session._proc.child.closed:
            session._proc.kill_group(9)


async def turn(session, text):
    """(the answer as a user sees it, the events): the session yields raw model text and the
    chat core cleans it once (textsafe.StreamCleaner, as chat/turn_runner does)."""
    events = [e async for e in session.ask(text)]
    cleaner = StreamCleaner()
    shown = "".join(cleaner.feed(e.text) for e in events if isinstance(e, AnswerText))
    return shown + cleaner.finish(), events


@pytest.mark.parametrize("flavor", ["old", "bitnet", "new"])
async def test_conversation_and_clean_close(make, flavor):
    s = make(flavor, answers=["First answer.", "{echo}"])
    await s.start()
    assert s.state is SessionState.READY and s.stats.load_ms > 0
    text, events = await turn(s, "Hi")
    assert text == "First answer." and isinstance(events[-1], TurnStats)
    assert events[-1].stop_reason == "eos" and events[-1].ttft_ms > 0 and events[-1].tokens >= 1
    text, _ = await turn(s, "line one\nline two")
    assert text == "You said: line one\nline two"
    pid = s.pid
    await s.close()
    assert s.state is SessionState.CLOSED
    assert not psutil.pid_exists(pid) or psutil.Process(pid).status() != psutil.STATUS_ZOMBIE


async def test_crash_mid_answer_keeps_partial_answer(make):
    s = make(answers=["one two three four five six seven eight nine ten"],
             env={"FAKE_CRASH_AFTER": 4})
    await s.start()
    text, events = await turn(s, "count")
    error = events[-1]
    assert isinstance(error, SessionError) and error.kind == "crash" and error.partial
    assert error.signal == 11 and "SIGSEGV" in error.message
    assert text == "one two three four" and s.history[-1].partial
    assert error.log_tail == []  # it said nothing after loading: quote no banner lines
    assert s.state is SessionState.CRASHED


async def test_hang_is_reported_and_restart_continues_with_recap(make):
    s = make(answers=["alpha beta gamma delta", "{system}"], env={"FAKE_HANG_AFTER": 2},
             hang_timeout_s=1.0)
    await s.start()
    text, events = await turn(s, "first question")
    assert isinstance(events[-1], SessionError) and events[-1].kind == "hang"
    assert text == "alpha beta" and s.state is SessionState.CRASHED
    os.environ["FAKE_HANG_AFTER"] = "-1"
    os.environ["FAKE_ANSWERS"] = json.dumps(["{system}"])
    await s.restart()
    assert s.state is SessionState.READY and "recap" in s.notice
    text, _ = await turn(s, "second question")
    assert "User: first question" in text and "Assistant: alpha beta [cut off]" in text
    assert [h.user for h in s.history] == ["first question", "second question"]
    await s.close()


async def test_garbage_bytes_and_prompt_lookalike_in_answer(make):
    answer = "ok \udcff\udcfe \u001b[31mred\u001b[0m\u0007 \u001b]0;title\u0007x\n> quoted\nend"
    s = make(answers=[answer, "after"])
    await s.start()
    text, events = await turn(s, "go")
    assert text == "ok \ufffd\ufffd red x\n> quoted\nend"
    assert isinstance(events[-1], TurnStats)
    assert (await turn(s, "again"))[0] == "after"
    await s.close()


async def test_exit_on_load_surfaces_the_logs_reason(make):
    s = make(env={"FAKE_EXIT_ON_LOAD": 1})
    with pytest.raises(MissingError) as error:
        await s.start()
    assert "failed to open" in str(error.value) and "No such file" in str(error.value)
    assert s.state is SessionState.CRASHED


async def test_missing_binary(make, tmp_path):
    s = make()
    s.spec = SessionSpec(binary=tmp_path / "nope", flavor=Flavor.UPSTREAM_CNV, model=s.spec.model)
    with pytest.raises(MissingError, match="not found"):
        await s.start()


@pytest.mark.parametrize("flavor", ["old", "new"])
async def test_interrupt_then_continue(make, flavor):
    s = make(flavor, answers=["{endless}", "fine"], max_tokens=0)
    await s.start()
    got = []
    async for event in s.ask("tell me a story"):
        got.append(event)
        if sum(isinstance(e, AnswerText) for e in got) == 5:
            await s.interrupt()
    assert got[-1].stop_reason == "interrupted" and s.state is SessionState.STOPPED
    assert (await turn(s, "ok?"))[0] == "fine"
    await s.close()


async def test_max_tokens_stops_old_protocol_with_ctrl_c(make):
    s = make("old", answers=["{endless}", "next"], max_tokens=12)
    await s.start()
    text, events = await turn(s, "go on")
    assert events[-1].stop_reason == "max_tokens"
    assert 12 <= len(text.split()) <= 14
    assert (await turn(s, "and?"))[0] == "next"
    await s.close()


async def test_tab_and_empty(make):
    s = make(answers=["{echo}"])
    await s.start()
    assert (await turn(s, "a\tb"))[0] == "You said: a    b"
    with pytest.raises(ValueError):
        await turn(s, " \n ")
    await s.close()


async def test_caller_that_stops_listening_mid_answer(make):
    s = make(answers=["{endless}", "next one"], max_tokens=0)
    await s.start()
    async for event in s.ask("story"):
        if isinstance(event, AnswerText) and "word5" in event.text:
            break
    text, events = await turn(s, "hello?")
    assert text == "next one" and isinstance(events[-1], TurnStats)
    assert s.history[0].answer.startswith(" word1") or s.history[0].answer.startswith("word1")
    await s.close()


async def test_context_warning_before_it_wraps(make):
    from neuro_tui.engine.events import ContextWarning

    s = make(answers=["a fairly long answer with quite a few words in it, to fill up space"],
             ctx_size=120)
    await s.start()
    warnings = []
    for _ in range(4):
        _, events = await turn(s, "tell me something about the weather today please")
        warnings += [e for e in events if isinstance(e, ContextWarning)]
    assert len(warnings) == 1 and warnings[0].ctx_size == 120
    assert warnings[0].ctx_used >= 0.8 * 120 and s.stats.ctx_used > warnings[0].ctx_used
    assert s.stats.rss_bytes and s.stats.rss_bytes > 1_000_000
    await s.close()


async def test_cursor_position_query_is_answered(make):
    """Fallback for a character the editor cannot measure (sanitize avoids them): the session
    answers ESC[6n, so llama-cli does not block; later keystrokes then go through."""
    import asyncio

    from neuro_tui.engine.sanitize import Prepared

    s = make(answers=["{echo}"])
    await s.start()

    async def collect():  # bytes sanitize.prepare would never send: a raw TAB
        return [e async for e in s.send(Prepared(b"a\t", 1, "a\tb"))]

    task = asyncio.ensure_future(collect())
    await asyncio.sleep(0.5)  # the fake is now blocked on its cursor query, until we answer
    s._proc.write_now(b"b\r")
    events = await asyncio.wait_for(task, 10)
    assert "".join(e.text for e in events if isinstance(e, AnswerText)) == "You said: a\tb"
    assert isinstance(events[-1], TurnStats)
    await s.close()


async def test_ctrl_c_that_lands_at_the_prompt_restarts_transparently(make):
    s = make(answers=["{endless}"], env={"FAKE_SIGINT_EXITS": 1}, max_tokens=0)
    await s.start()
    first_pid = s.pid
    got = []
    async for event in s.ask("story"):
        got.append(event)
        if sum(isinstance(e, AnswerText) for e in got) == 3:
            await s.interrupt()
    assert isinstance(got[-1], TurnStats) and got[-1].stop_reason == "interrupted"
    assert s.state is SessionState.READY and s.pid != first_pid and "recap" in s.notice
    assert s.history[0].answer.strip().startswith("word1") and not s.history[0].partial
    await s.close()


async def test_restart_while_an_answer_streams(make):
    s = make(answers=["{endless}"], max_tokens=0)
    await s.start()
    async for event in s.ask("story"):
        if isinstance(event, AnswerText) and "word3" in event.text:
            break
    await s.restart()
    assert s.state is SessionState.READY and len(s.history) == 1
    await s.close()


async def test_crash_right_after_a_split_character_keeps_what_was_sent(make):
    # "caf" + the first byte of "é", then SIGSEGV: the half character becomes U+FFFD
    s = make(answers=["un caf\udcc3 more"], env={"FAKE_CRASH_AFTER": 2})
    await s.start()
    text, events = await turn(s, "go")
    assert text == "un caf\ufffd" and events[-1].kind == "crash" and events[-1].partial



async def test_exit_without_close_takes_llama_cli_along(make):
    """The atexit guard (engine/startup.py) kills every llama-cli still running when the
    program ends without close() (a SIGHUP from the closing pty would not stop all of them:
    bitnet.cpp loops on EOF). Called directly here: the same function atexit runs."""
    import time

    from neuro_tui.engine import startup

    s = make("bitnet")
    await s.start()
    pid = s.pid
    startup._kill_leftovers()
    deadline = time.monotonic() + 5
    while psutil.pid_exists(pid) and time.monotonic() < deadline:
        if psutil.Process(pid).status() == psutil.STATUS_ZOMBIE:
            break
        await asyncio.sleep(0.05)
    assert not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    await s.close()
