"""bitnet.cpp's own llama-server (runtime bitnet-404980e) with the real tiny BitNet b1.58
I2_S GGUF, as a user runs it: `neuro-tui engine start --keep --model <gguf>` picks that
server for a file only bitnet.cpp loads, with --no-context-shift and without
--slot-save-path (its slot save can hang: llama_server.slot_saves_safe); a saved chat talks
to it, a resumed one gets a recap. The model has random ternary weights: what is checked is
what the server counted and did (usage, its log), never the wording."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import pytest

from neuro_tui import config as config_mod
from neuro_tui.chat import events as ev
from neuro_tui.chat import store as store_mod
from neuro_tui.chat.events import TurnStatus
from neuro_tui.chat.service import ChatService
from neuro_tui.chat.store import ChatStore
from neuro_tui.engine import llama_server
from neuro_tui.engine.events import SessionError, TurnStats
from neuro_tui.engine.factory import build_session
from neuro_tui.errors import MissingError
from tests.integration.test_server_real import llama_server_bin

pytestmark = [pytest.mark.integration, pytest.mark.slow, pytest.mark.timeout(300)]
__all__ = ["llama_server_bin"]


@pytest.fixture(scope="module")
def bitnet_server() -> str:
    try:
        return str(llama_server.find_binary(bitnet=True))
    except MissingError:
        pytest.skip("bitnet.cpp's llama-server is not installed (neuro-tui runtime install "
                    "--flavor bitnet builds it beside its llama-cli)")


def neuro(*args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "LLAMA_SERVER_PATH"}
    return subprocess.run([sys.executable, "-m", "neuro_tui", *args], capture_output=True,
                          text=True, timeout=120, env=env)


@pytest.fixture
def kept(bitnet_server, tiny_i2s, monkeypatch):
    monkeypatch.delenv("LLAMA_SERVER_PATH", raising=False)
    monkeypatch.setenv("NEURO_TUI_THREADS", "1")
    started = neuro("engine", "start", "--keep", "--model", str(tiny_i2s))
    assert started.returncode == 0, started.stderr
    try:
        [entry] = json.loads(neuro("engine", "status", "--json").stdout)
        yield entry
    finally:
        neuro("engine", "stop")


def last_prompt(log: str) -> tuple[int, int]:
    """(prompt tokens, tokens reused from the slot's cache) of the server's last request,
    from its log: `n_prompt_tokens = P`, then `kv cache rm [R, end)` (R kept)."""
    text = open(log, errors="replace").read()
    prompt = int(re.findall(r"n_prompt_tokens = (\d+)", text)[-1])
    tail = text[text.rindex("n_prompt_tokens = "):]
    kept = re.search(r"kv cache rm \[(\d+), end\)", tail)
    return prompt, int(kept.group(1)) if kept else 0


def config(**flags):
    values = {"engine": "server", "threads": 1, "seed": 7, "max_tokens": 16,
              "temperature": 0.0, **flags}
    return config_mod.load(values, environ={})


async def test_bitnet_server_chats_and_a_resumed_chat_gets_a_recap(kept, bitnet_server,
                                                                   tiny_i2s):
    """No slot saves on this server (llama_server.slot_saves_safe: its save can hang for
    good): it starts without --slot-save-path, no turn waits on a save, a resumed chat is
    given a recap and answers."""
    assert kept["binary"] == bitnet_server and kept["health"] == "ok"
    assert "bitnet" in kept["binary"] and kept["model"] == str(tiny_i2s)
    assert kept["slot_dir"] is None
    args = open(f"/proc/{kept['pid']}/cmdline").read().split("\0")
    assert "--no-context-shift" in args and "--slot-save-path" not in args

    first = ChatService(config(), retriever=False, store=ChatStore.create())
    for question in ("Hello there.", "Tell me more.", "And then?"):
        events = [e async for e in first.ask(question)]
        [ended] = [e for e in events if isinstance(e, ev.TurnEnded)]
        assert ended.status is TurnStatus.DONE, ended
        assert ended.stats["tokens_exact"] and ended.stats["tokens"] == 16
        assert not [n for n in events if isinstance(n, ev.Notice) and n.level != "info"]
    session = first.session
    assert session.url == kept["url"] and session.spec.model == tiny_i2s.stem
    assert session.stats.ctx_size == 4096 and session.slot_dir is None  # /props
    # this older llama.cpp fork streams `usage` but no `timings` (no reported rates)
    assert session.last_timings is None and session.last_usage["completion_tokens"] == 16
    # turn 3 read only its own tokens: bitnet.cpp's prompt cache (asked for by cache_prompt)
    prompt, reused = last_prompt(kept["log"])
    assert prompt == session.last_usage["prompt_tokens"] and reused > prompt / 2
    path = first.store.path
    await first.close()
    assert "POST /slots" not in open(kept["log"], errors="replace").read()

    resumed = ChatService(config(), retriever=False, store=ChatStore.open(path),
                          transcript=store_mod.load(path))
    try:
        events = [e async for e in resumed.ask("One more thing.")]
        notes = [n.text for n in events if isinstance(n, ev.Notice)]
        assert any("recap" in n for n in notes), notes
        [ended] = [e for e in events if isinstance(e, ev.TurnEnded)]
        assert ended.status is TurnStatus.DONE
        system = resumed.session.last_request["messages"][0]["content"]
        assert "Hello there." in system and "And then?" in system  # the recap
    finally:
        await resumed.close()
    assert "POST /slots" not in open(kept["log"], errors="replace").read()


async def test_bitnet_server_refuses_an_overlong_prompt_instead_of_cutting_it(
        bitnet_server, tiny_i2s, monkeypatch):
    """--no-context-shift on bitnet.cpp's fork too: a prompt over the context is an error
    (a `data:` event with code 400 there, an `error:` line on 0.3.16) of kind "context",
    which the context policy acts on, not a silent cut; the session goes on."""
    monkeypatch.setenv("LLAMA_SERVER_PATH", bitnet_server)
    session = build_session(config(model=str(tiny_i2s), ctx_size=128, max_tokens=8))
    await session.start()
    try:
        assert "bitnet" in str(session.launcher.binary) and session.slot_dir is None
        events = [e async for e in session.ask(" ".join(["word"] * 60))]  # ~300 tokens
        errors = [e for e in events if isinstance(e, SessionError)]
        assert errors and errors[0].kind == "context", events
        assert "exceeds the available context" in errors[0].message
        again = [e async for e in session.ask("word word")]
        assert not [e for e in again if isinstance(e, SessionError)], again
        assert [e for e in again if isinstance(e, TurnStats)][0].tokens == 8
    finally:
        await session.close()


def test_only_bitnet_servers_are_kept_from_slot_saves(bitnet_server, llama_server_bin):
    assert not llama_server.slot_saves_safe(bitnet_server)
    if "bitnet" not in llama_server_bin:  # upstream 0.3.16 installed too
        assert llama_server.slot_saves_safe(llama_server_bin)
        assert not llama_server.slot_saves_safe(llama_server_bin, bitnet_model=True)


async def test_bitnet_answer_filling_the_context_ends_at_the_limit(bitnet_server, tiny_i2s,
                                                                   monkeypatch):
    """The real fork's 'context shift is disabled' error at the context end: the answer is
    kept whole, the turn ends 'max_tokens' (as 0.3.16's finish 'length'), the chat goes on."""
    monkeypatch.setenv("LLAMA_SERVER_PATH", bitnet_server)
    session = build_session(config(model=str(tiny_i2s), ctx_size=128, max_tokens=0))
    await session.start()
    try:
        events = [e async for e in session.ask("word word")]
        assert not [e for e in events if isinstance(e, SessionError)], events
        [stats] = [e for e in events if isinstance(e, TurnStats)]
        assert stats.stop_reason == "max_tokens" and stats.tokens > 50
        assert session.history[-1].answer and not session.history[-1].partial
    finally:
        await session.close()
