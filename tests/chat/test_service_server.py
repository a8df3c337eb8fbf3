"""ChatService on the server engine, against the loopback OpenAI server (tests/openai_server.py).

The service is built as the app, `ask` and `chat --plain` build it: config with `[engine]
kind = "server"` and a url, the default session factory (engine/factory.build_session).
Real HTTP on 127.0.0.1; each fault a real server will not produce on demand.
"""

from __future__ import annotations

import socket

import pytest

from neuro_tui import config as config_mod
from neuro_tui.chat import events as ev
from neuro_tui.chat.events import TurnStatus
from neuro_tui.chat.service import ChatService
from tests import hostile_text
from tests.openai_server import Fault, OpenAIServer

pytestmark = pytest.mark.timeout(60)


@pytest.fixture
def srv():
    with OpenAIServer("llama.cpp") as server:
        yield server


def service_for(url: str, retrieval: bool = False, **flags) -> ChatService:
    config = config_mod.load({"engine": "server", "engine_url": url, "max_tokens": 64,
                              "threads": 1, **flags}, environ={})
    return ChatService(config, retriever=None if retrieval else False)  # None: the default


async def ask(service, text):
    return [e async for e in service.ask(text)]


def of(events, kind):
    return [e for e in events if isinstance(e, kind)]


async def test_turns_on_the_server_engine_exact_stats_and_ctx(srv):
    service = service_for(srv.url)
    try:
        first = await ask(service, "Why is the sky blue?")
        ready = of(first, ev.EngineReady)[0]
        assert ready.ctx_size == srv.script.ctx and ready.model == "smollm2"
        assert ready.flavor == "server" and ready.runtime == srv.url
        end = of(first, ev.TurnEnded)[0]
        assert end.status is TurnStatus.DONE
        assert end.stats["tokens_exact"] and end.stats["tokens"] == len(srv.tokens())
        second = await ask(service, "And at sunset?")
        assert of(second, ev.TurnEnded)[0].status is TurnStatus.DONE
        roles = [m["role"] for m in srv.chat_requests[-1]["body"]["messages"]]
        assert roles == ["system", "user", "assistant", "user"]
        assert service.transcript.at(2).answer == srv.script.answer
    finally:
        await service.close()


async def test_hostile_server_text_reaches_the_transcript_clean(srv):
    srv.script.answer = hostile_text.all_in_one()
    service = service_for(srv.url)
    try:
        events = await ask(service, "say something nasty")
        shown = "".join(e.text for e in of(events, ev.AnswerDelta))
        for bad in hostile_text.FORBIDDEN:
            assert bad not in shown, (bad, shown)
        assert hostile_text.AFTER in shown
        assert service.transcript.last.answer == shown
    finally:
        await service.close()


async def test_busy_server_retry_is_an_info_notice_then_the_answer(srv):
    srv.fault = Fault(status=429, times=1, retry_after="0")
    service = service_for(srv.url)
    try:
        events = await ask(service, "hello")
        notices = [n for n in of(events, ev.Notice) if "busy (429)" in n.text]
        assert notices and notices[0].level == "info" and "retrying" in notices[0].text
        assert of(events, ev.TurnEnded)[0].status is TurnStatus.DONE
    finally:
        await service.close()


@pytest.mark.parametrize("status,expect", [
    (401, "MY_TEST_KEY"), (503, "busy"), (500, "500"), (400, "400")])
async def test_a_refused_turn_fails_with_a_notice_and_the_chat_goes_on(srv, status, expect,
                                                                      monkeypatch):
    monkeypatch.setenv("MY_TEST_KEY", "wrong")
    srv.fault = Fault(status=status, times=10, retry_after="0")
    service = service_for(srv.url, api_key_env="MY_TEST_KEY")
    try:
        events = await ask(service, "hello")
        end = of(events, ev.TurnEnded)[0]
        assert end.status is TurnStatus.FAILED and expect in end.error
        assert any(n.level == "error" and n.text == end.error for n in of(events, ev.Notice))
        assert not of(events, ev.EngineFailed) and service.state == "ready"
        srv.fault = None
        again = await ask(service, "hello again")
        assert of(again, ev.TurnEnded)[0].status is TurnStatus.DONE
    finally:
        await service.close()


async def test_unknown_model_mid_chat_lists_what_the_server_has(srv):
    service = service_for(srv.url)
    try:
        await ask(service, "hello")
        srv.script.models = ["other-model"]  # the server swapped its model under us
        events = await ask(service, "still there?")
        end = of(events, ev.TurnEnded)[0]
        assert end.status is TurnStatus.FAILED and "smollm2" in end.error
        assert any(n.level == "error" for n in of(events, ev.Notice))
    finally:
        await service.close()


@pytest.mark.parametrize("fault", [Fault(drop=True, after=3), Fault(malformed=True, after=3)],
                         ids=["connection-dropped", "malformed-sse"])
async def test_stream_broken_keeps_the_partial_then_restart_keeps_the_message_list(srv, fault):
    service = service_for(srv.url)
    try:
        await ask(service, "first question")
        srv.fault = fault
        events = await ask(service, "second question")
        end = of(events, ev.TurnEnded)[0]
        failed = of(events, ev.EngineFailed)
        assert end.status is TurnStatus.FAILED and end.partial, end
        assert failed and failed[0].kind in ("crash", "protocol") and service.state == "failed"
        assert service.transcript.at(2).answer.startswith("The sky is")  # what came is kept
        service.restart()
        after = [e async for e in service.run(until_idle=True)]
        ready = of(after, ev.EngineReady)[0]
        assert ready.notice == f"reconnected to {srv.url}; the conversation goes on"
        third = await ask(service, "third question")
        assert of(third, ev.TurnEnded)[0].status is TurnStatus.DONE
        messages = srv.chat_requests[-1]["body"]["messages"]
        assert [m["content"] for m in messages if m["role"] == "user"] == [
            "first question", "second question", "third question"]  # no recap: the real turns
        assert "earlier turn" not in messages[0]["content"]
    finally:
        await service.close()


async def test_nothing_listening_is_one_unreachable_failure_with_the_url():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    service = service_for(f"http://127.0.0.1:{port}")
    try:
        events = await ask(service, "hello")
        failed = of(events, ev.EngineFailed)
        assert len(failed) == 1 and failed[0].kind == "unreachable"
        assert f"127.0.0.1:{port}" in failed[0].message and "no server answers" in failed[0].message
    finally:
        await service.close()


def test_a_remote_url_without_opt_in_is_refused_before_any_socket():
    from neuro_tui.engine.factory import build_session
    from neuro_tui.errors import UsageError

    config = config_mod.load({"engine": "server", "engine_url": "http://192.0.2.7:8080"},
                             environ={})
    with pytest.raises(UsageError, match="not on this machine"):
        build_session(config)


async def test_cited_turn_on_the_server_engine(srv, tmp_path, monkeypatch):
    """Retrieval and citations work unchanged on the server engine (a real Tantivy index);
    the server's spec is not a llama-cli: no tuning run, no llama-tokenize beside a URL."""
    from neuro_tui.retrieval.indexer import index_paths

    doc = tmp_path / "docs" / "zebra.md"
    doc.parent.mkdir()
    doc.write_text("# Zebra protocol\n\nThe zebra protocol uses port 7777 for its beacons.\n")
    storage = tmp_path / "index"
    index_paths(storage, [doc.parent], recursive=True)
    service = service_for(srv.url, retrieval=True, storage=str(storage))
    from neuro_tui.engine import tune

    def no_measuring(*args, **kwargs):
        raise AssertionError(f"tried to measure a llama-cli at {args[0]}")
    monkeypatch.setattr(tune, "calibrate", no_measuring)
    try:
        events = await ask(service, "Which port does the zebra protocol use?")
        found = of(events, ev.SourcesFound)
        assert found and found[0].sources and found[0].sources[0].path.endswith("zebra.md")
        assert not [n for n in of(events, ev.Notice) if n.level == "error"], of(events, ev.Notice)
        sent = srv.chat_requests[-1]["body"]["messages"][-1]["content"]
        assert "port 7777" in sent and sent.endswith("Which port does the zebra protocol use?")
        assert of(events, ev.TurnEnded)[0].status is TurnStatus.DONE
    finally:
        await service.close()
