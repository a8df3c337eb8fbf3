"""Prefill while typing, the core half (chat/prefill.py), on the loopback llama.cpp-shaped
server with a real Tantivy index: the warm request carries exactly what the turn will send
before its question, and the turn then continues from the server's prompt cache."""

from __future__ import annotations

import pytest

from neuro_tui import config as config_mod
from neuro_tui.chat import events as ev
from neuro_tui.chat.prefill import prefill, split_prompt
from neuro_tui.chat.service import ChatService
from neuro_tui.retrieval.indexer import index_paths
from tests.openai_server import OpenAIServer

pytestmark = pytest.mark.timeout(60)
QUESTION = "Which port does the zebra protocol use?"


@pytest.fixture
def srv():
    with OpenAIServer("llama.cpp") as server:
        yield server


def service_for(url: str, storage: str = "") -> ChatService:
    config = config_mod.load({"engine": "server", "engine_url": url, "max_tokens": 64,
                              "storage": storage or None}, environ={})
    return ChatService(config)


def zebra_index(root) -> str:
    """A real Tantivy index of one doc the warm's retrieval finds (also the TUI tests')."""
    doc = root / "docs" / "zebra.md"
    doc.parent.mkdir()
    doc.write_text("# Zebra protocol\n\nThe zebra protocol uses port 7777 for its beacons.\n")
    index_paths(root / "index", [doc.parent], recursive=True)
    return str(root / "index")


@pytest.fixture
def storage(tmp_path):
    return zebra_index(tmp_path)


async def test_warm_then_the_turn_reads_only_its_question(srv, storage):
    service = service_for(srv.url, storage)
    try:
        [e async for e in service.run(until_idle=True)]  # the engine is ready
        assert await prefill(service, QUESTION)
        await service.session._warmer.wait()
        warm = [r for r in srv.chat_requests if not r["body"]["stream"]]
        assert len(warm) == 1 and warm[0]["body"]["max_tokens"] == 1
        prefix = warm[0]["body"]["messages"][-1]["content"]
        assert "port 7777" in prefix and QUESTION not in prefix  # sources, not the question
        events = [e async for e in service.ask(QUESTION)]
        sent = srv.chat_requests[-1]["body"]["messages"][-1]["content"]
        assert sent == prefix + QUESTION
        assert service.session.last_timings["cache_n"] >= len(prefix.split())  # cache used
        assert [e for e in events if isinstance(e, ev.TurnEnded)][0].status.value == "done"
    finally:
        await service.close()


async def test_no_warm_without_sources_or_before_ready(srv):
    service = service_for(srv.url)
    try:
        assert not await prefill(service, QUESTION)  # not started yet
        [e async for e in service.run(until_idle=True)]
        assert not await prefill(service, QUESTION)  # no storage, no web: nothing to warm
        assert not [r for r in srv.chat_requests if not r["body"]["stream"]]
    finally:
        await service.close()


def test_split_prompt_needs_the_question_last():
    assert split_prompt("Sources...\n\nQuestion: q?", "q?") == "Sources...\n\nQuestion: "
    assert split_prompt("q?", "q?") is None and split_prompt("q? more", "q?") is None


async def test_other_sources_on_enter_cancel_the_warm_instead_of_waiting(srv, storage):
    import time

    service = service_for(srv.url, storage)
    try:
        [e async for e in service.run(until_idle=True)]
        srv.script.delay_s = 1.0  # the warm "reads" for seconds (1 s per 10 prompt words)
        assert await prefill(service, QUESTION)
        srv.script.delay_s = 0.01
        started = time.monotonic()
        events = [e async for e in service.ask("Hello there, how are you?")]  # no sources
        assert time.monotonic() - started < 2.0  # did not wait for the stale warm
        assert service.session._warmer.task is None  # cancelled
        assert [e for e in events if isinstance(e, ev.TurnEnded)][0].status.value == "done"
    finally:
        await service.close()
