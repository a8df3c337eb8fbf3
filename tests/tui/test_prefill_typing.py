"""Prefill while typing, the screen half (#15): a pause in typing warms the server engine
for the question so far. The real app on its default engine factory, a loopback
llama.cpp-shaped server and a real Tantivy index; the warm is the request the server gets
(not a stand-in), and prefill is counted where the screen calls it."""

from __future__ import annotations

import pytest

from neuro_tui import config as config_mod
from neuro_tui.app.app import create_app
from neuro_tui.chat import prefill as core
from tests.chat.test_prefill_typing import zebra_index
from tests.openai_server import OpenAIServer
from tests.tui.conftest import answered, ready, record, wait_for

pytestmark = pytest.mark.timeout(60)


@pytest.fixture
def storage(tmp_path):
    return zebra_index(tmp_path)


def warms(srv) -> list[dict]:
    return [r["body"] for r in srv.chat_requests if not r["body"]["stream"]]


def app_on(url: str, storage: str | None, calls: list, monkeypatch):
    real = core.prefill

    async def counted(service, text):
        calls.append(text)
        return await real(service, text)

    monkeypatch.setattr(core, "prefill", counted)  # what the screen calls (app/typing_warm)
    config = config_mod.load({"engine": "server", "engine_url": url, "storage": storage,
                              "max_tokens": 32, "theme": "neuro-dark"}, environ={})
    app = create_app(config, persist=False)
    record(app)
    return app


async def test_a_typing_pause_warms_once_and_more_typing_warms_again(storage, monkeypatch):
    calls: list[str] = []
    with OpenAIServer("llama.cpp") as srv:
        app = app_on(srv.url, storage, calls, monkeypatch)
        async with app.run_test(size=(120, 36)) as pilot:
            await ready(pilot, app)
            await pilot.press(*"Which port does the zebra")
            await pilot.pause(0.15)  # a short gap between keys is not a pause
            assert calls == [] and warms(srv) == []
            await wait_for(pilot, lambda: len(warms(srv)) == 1, 5)
            await pilot.pause(0.6)
            assert calls == ["Which port does the zebra"]  # once per pause
            first = warms(srv)[0]
            assert first["max_tokens"] == 1 and "port 7777" in first["messages"][-1]["content"]
            await pilot.press(*" protocol use?")
            await wait_for(pilot, lambda: len(calls) == 2, 5)
            assert calls[1] == "Which port does the zebra protocol use?"
            await pilot.press("enter")
            end = await answered(pilot, app, 1, timeout=10)
            assert end.status.value == "done"
            await pilot.pause(0.6)
            assert len(calls) == 2  # sending empties the input: no pause, no warm after it


async def test_no_warm_without_sources(monkeypatch):
    calls: list[str] = []
    with OpenAIServer("llama.cpp") as srv:
        app = app_on(srv.url, None, calls, monkeypatch)
        async with app.run_test(size=(120, 36)) as pilot:
            await ready(pilot, app)
            await pilot.press(*"hello there")
            await pilot.pause(0.8)
            assert calls == [] and warms(srv) == []


async def test_a_question_typed_during_an_answer_is_warmed_when_the_answer_ends(storage,
                                                                                monkeypatch):
    """The follow-up typed while the answer streams: no warm then (the server is busy);
    the warm starts when that answer ends, without another key."""
    calls: list[str] = []
    with OpenAIServer("llama.cpp") as srv:
        srv.script.delay_s = 0.3  # ~4 s of answer
        app = app_on(srv.url, storage, calls, monkeypatch)
        async with app.run_test(size=(120, 36)) as pilot:
            await ready(pilot, app)
            await pilot.press(*"hello", "enter")
            await pilot.press(*"Which port does the zebra protocol use?")
            await pilot.pause(0.6)  # a pause while answering
            assert app.chat.service.state == "answering" and calls == []
            await answered(pilot, app, 1, timeout=20)
            await wait_for(pilot, lambda: len(warms(srv)) == 1, 10)
            assert calls == ["Which port does the zebra protocol use?"]
