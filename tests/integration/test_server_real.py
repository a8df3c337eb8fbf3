"""The server engine against a real llama-server on 127.0.0.1 with the real SmolLM2.

The server is the one the app would start (engine/factory.py: `[engine] kind = "server"`
with no url starts a llama-server owned by the session): same binary lookup, same argv.
"""

from __future__ import annotations

import os
import signal

import pytest

from neuro_tui import config as config_mod
from neuro_tui.engine import llama_server
from neuro_tui.engine.events import AnswerText, SessionError, SessionState, TurnStats
from neuro_tui.engine.factory import build_session
from neuro_tui.errors import MissingError

pytestmark = [pytest.mark.integration, pytest.mark.slow, pytest.mark.timeout(600)]

QUESTIONS = ["What is the capital of France?", "And of Italy?", "Name a river in Italy.",
             "How long is it?", "Thank you. Summarise our chat in one line."]


@pytest.fixture(scope="session")
def llama_server_bin() -> str:
    """An installed llama-server (upstream 0.3.16's, else bitnet.cpp's); built with the
    upstream runtime when none is (CI's setup builds both)."""
    try:
        return str(llama_server.find_binary(os.environ.get("LLAMA_SERVER_PATH", "")))
    except MissingError:
        from neuro_tui.engine import runtime_build

        bins = runtime_build.build(runtime_build.RUNTIMES["old"], complete=True)
        if "llama-server" not in bins:
            pytest.fail("the 0.3.16 runtime built without llama-server")
        return str(bins["llama-server"])


@pytest.fixture
def server_config(llama_server_bin, smollm2):
    def make(**flags):
        values = {"engine": "server", "model": str(smollm2), "llama_server": llama_server_bin,
                  "threads": 1, "seed": 7, "ctx_size": 2048, "max_tokens": 32,
                  "temperature": 0.0, **flags}
        return config_mod.load(values, environ={})
    return make


async def collect(session, text, stop_after: int | None = None, on_text=None):
    events, texts = [], 0
    async for event in session.ask(text):
        events.append(event)
        if isinstance(event, AnswerText):
            texts += 1
            if stop_after is not None and texts == stop_after:
                await on_text()
    return "".join(e.text for e in events if isinstance(e, AnswerText)), events


async def test_five_turns_exact_counts_equal_the_servers_timings(server_config):
    session = build_session(server_config())
    await session.start()
    try:
        pid = session.pid
        assert session.info.kind == "llama.cpp" and session.stats.ctx_size == 2048
        assert session.url.startswith("http://127.0.0.1:")
        for number, question in enumerate(QUESTIONS, 1):
            answer, events = await collect(session, question)
            stats = events[-1]
            assert isinstance(stats, TurnStats), events[-1]
            assert answer.strip(), f"turn {number}: no answer"
            t, u = session.last_timings, session.last_usage
            assert stats.tokens_exact and stats.tokens == t["predicted_n"]
            if u:
                assert stats.tokens == u["completion_tokens"]
                assert stats.prompt_tokens == u["prompt_tokens"]
            assert stats.gen_tok_s_reported == t["predicted_per_second"]
            assert stats.turn == number and stats.ttft_ms > 0
            if number > 1:  # cache_prompt: only the new turn's tokens were read
                assert t["prompt_n"] < stats.prompt_tokens / 2, t
            sent = session.last_request["messages"]
            assert len(sent) == 2 * number and sent[-1]["content"] == question
            assert session.last_request["cache_prompt"] is True
        assert [h.user for h in session.history] == QUESTIONS
    finally:
        await session.close()
    assert session.launcher.proc.poll() is not None, "llama-server outlived the session"
    assert pid is not None


async def test_stop_mid_answer_then_continue(server_config):
    session = build_session(server_config(max_tokens=200))
    await session.start()
    try:
        partial, events = await collect(session, "Write a long story about a dragon.",
                                        stop_after=3, on_text=session.interrupt)
        assert isinstance(events[-1], TurnStats)
        assert events[-1].stop_reason == "interrupted" and session.state is SessionState.STOPPED
        assert partial and session.history[-1].answer == partial
        answer, events = await collect(session, "Now say just: done.")
        assert isinstance(events[-1], TurnStats) and events[-1].stop_reason != "interrupted"
        assert answer.strip()
        assert session.last_request["messages"][2] == {"role": "assistant", "content": partial}
        # the closed stream stopped generation: this turn's prompt continued from the cache
        assert session.last_timings["prompt_n"] < events[-1].prompt_tokens
    finally:
        await session.close()


async def test_server_killed_mid_answer_keeps_partial_and_restart_works(server_config):
    session = build_session(server_config(max_tokens=200))
    await session.start()
    try:
        async def kill():
            os.kill(session.pid, signal.SIGKILL)

        partial, events = await collect(session, "Tell me about the sea.", stop_after=2,
                                        on_text=kill)
        error = events[-1]
        assert isinstance(error, SessionError), error
        assert error.kind == "crash" and error.partial and partial
        assert session.url in error.message
        assert session.state is SessionState.CRASHED
        assert session.history[-1].partial and session.history[-1].answer == partial
        old_pid = session.pid
        await session.restart()  # starts a new llama-server; the message list goes on
        assert session.pid != old_pid and session.state is SessionState.READY
        answer, events = await collect(session, "Go on.")
        assert isinstance(events[-1], TurnStats) and answer.strip()
        assert session.last_request["messages"][2]["content"] == partial
    finally:
        await session.close()
