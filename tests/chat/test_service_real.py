"""ChatService on the real llama-cli with SmolLM2: five turns, interrupt, queueing while
loading, restart with a recap that never shows in `ps`, llama-cli killed mid-answer."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess

import pytest

from neuro_tui.chat import events as ev
from neuro_tui.chat.events import TurnStatus as S
from neuro_tui.chat.service import ChatService
from neuro_tui.engine.session import LlamaSession
from neuro_tui.launch import build_session_spec
from tests.chat.conftest import collect, make_config

pytestmark = [pytest.mark.integration, pytest.mark.timeout(300)]


def _bitnet_cli():
    """bitnet.cpp's llama-cli when it is built (main's llama_cli_bitnet fixture builds it)."""
    from tests.conftest import _REAL_RUNTIME_ROOT

    found = sorted(_REAL_RUNTIME_ROOT.glob("bitnet-*/bin/llama-cli"))
    if not found:
        pytest.skip("bitnet.cpp is not built")
    return found[-1]


@pytest.fixture(params=["old", "new", "bitnet"])
def real(request, smollm2, tmp_path):
    if request.param == "bitnet":
        cli = _bitnet_cli()
    else:
        cli = request.getfixturevalue(f"llama_cli_{request.param}")
    record = tmp_path / "pty.raw"

    def make(**values):
        config = make_config(cli=str(cli), model=str(smollm2), seed=42,
                             max_tokens=values.pop("max_tokens", 16), **values)
        factory = lambda c: LlamaSession(build_session_spec(c), record_pty=record)  # noqa: E731
        return ChatService(config, session_factory=factory)
    make.flavor, make.record = request.param, record
    return make


def args_of(pid: int) -> str:
    return subprocess.run(["ps", "-ww", "-o", "args=", "-p", str(pid)], capture_output=True,
                          text=True).stdout


async def test_five_turns_queued_while_loading(real):
    service = real()
    questions = ["What is the capital of France?", "Name a colour.", "Say hello.",
                 "What is 2 + 2?", "Name a fruit."]
    assert [service.submit(q) for q in questions] == [1, 2, 3, 4, 5]  # before the engine
    events = await collect(service.run(until_idle=True))
    assert [type(e).__name__ for e in events].index("EngineReady") > 4
    turns = service.transcript.turns
    assert [t.number for t in turns] == [1, 2, 3, 4, 5]
    assert all(t.status is S.DONE and t.answer.strip() for t in turns), turns
    assert all(0 < t.stats["tokens"] <= 16 and t.stats["ttft_ms"] > 0 for t in turns)
    await service.close()


async def test_interrupt_then_the_next_turn_answers(real):
    service = real(max_tokens=0)
    service.submit("Write a very long story about a dragon.")
    service.submit("Say hello.")
    deltas = 0
    async for event in service.run(until_idle=True):
        if isinstance(event, ev.AnswerDelta) and event.turn == 1:
            deltas += 1
            if deltas == 8:
                assert await service.stop()
    first, second = service.transcript.turns
    assert first.status is S.STOPPED and first.stop_reason == "interrupted"
    assert second.status is S.DONE and second.answer.strip()
    await service.close()


async def test_restart_gives_a_recap_that_ps_cannot_read(real):
    service = real()
    await collect(service.ask("My name is Zanzibar-Quux. What is the capital of France?"))
    service.restart()
    events = await collect(service.run(until_idle=True))
    ready = next(e for e in events if isinstance(e, ev.EngineReady))
    assert "recap of the 1 earlier turn" in ready.notice
    pid = service.session.pid
    argv = args_of(pid)
    assert ("-f" if real.flavor == "bitnet" else "-sysf") in argv.split()
    assert "Zanzibar" not in argv and "Earlier in this" not in argv
    assert not any(p.name.startswith(".system-") for p in service.session.spec.log_dir.iterdir())
    if real.flavor != "new":  # the conversation-mode CLIs print their system prompt
        assert b"Zanzibar-Quux" in real.record.read_bytes()
    await collect(service.ask("Say hello."))
    assert service.transcript.at(2).status is S.DONE
    await service.close()


async def test_llama_cli_killed_mid_answer_keeps_the_partial(real):
    service = real(max_tokens=0)
    service.submit("Write a very long story about a dragon.")
    deltas = 0
    async for event in service.run(until_idle=True):
        if isinstance(event, ev.AnswerDelta):
            deltas += 1
            if deltas == 6:
                os.kill(service.session.pid, signal.SIGKILL)
    turn = service.transcript.at(1)
    assert turn.partial and turn.status is S.FAILED and len(turn.answer) > 5
    assert service.state == "failed"
    service.submit("Say hello.")
    service.restart()
    await collect(service.run(until_idle=True))
    assert service.transcript.at(2).status is S.DONE
    await service.close()
    await asyncio.sleep(0)


async def test_oversized_message_is_refused_and_the_next_works(real):
    service = real(ctx_size=2048)
    assert service.submit("word " * 40000) is None
    assert service.submit("Say hello.") == 1
    events = await collect(service.run(until_idle=True))
    refused = next(e for e in events if isinstance(e, ev.MessageRefused))
    assert refused.reason == "too_long" and refused.ctx_size == 2048 and refused.tokens > 40000
    assert service.transcript.at(1).status is S.DONE and service.transcript.at(1).answer
    await service.close()
