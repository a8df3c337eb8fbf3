"""A turn the server refuses (500, no engine failure) says why under that turn, not only in
a toast: in the chat pane as it happens, and again when the chat is resumed from its file.
The real app and engine factory on a loopback llama.cpp-shaped server."""

from __future__ import annotations

import pytest

from neuro_tui import config as config_mod
from neuro_tui.app.app import create_app
from neuro_tui.chat import events as ev
from tests.openai_server import Fault, OpenAIServer
from tests.tui.conftest import answered, log_text, ready, record

pytestmark = pytest.mark.timeout(60)


def server_app(url: str, **kw):
    config = config_mod.load({"engine": "server", "engine_url": url, "max_tokens": 32,
                              "theme": "neuro-dark"}, environ={})
    app = create_app(config, **kw)
    record(app)
    return app


async def test_a_refused_turn_shows_its_error_under_it_and_again_on_resume():
    with OpenAIServer("llama.cpp") as srv:
        srv.fault = Fault(status=500, times=1)
        app = server_app(srv.url)
        async with app.run_test(size=(120, 36)) as pilot:
            await ready(pilot, app)
            await pilot.press(*"first question", "enter")
            end = await answered(pilot, app, 1)
            assert end.status is ev.TurnStatus.FAILED and end.error and not end.partial
            assert not app.recorder.events(ev.EngineFailed)  # the chat goes on
            lines = log_text(app).splitlines()
            at = lines.index(next(x for x in lines if "first question" in x))
            said = [x for x in lines[at:] if x.strip().startswith("not answered:")]
            assert said and end.error.split()[0] in said[0]
            await pilot.press(*"second question", "enter")
            assert (await answered(pilot, app, 2)).status is ev.TurnStatus.DONE
            chat_id = app.chat.service.store.chat_id
        again = server_app(srv.url, resume=chat_id)
        async with again.run_test(size=(120, 36)) as pilot:
            await ready(pilot, again)
            text = log_text(again)
            assert text.index("first question") < text.index("not answered:") \
                < text.index("second question")


async def test_a_crash_before_any_text_says_its_error_once(make_app, fake):
    """llama-cli dies before the first token: the turn says why ('not answered: ...'), and
    the failure block after it names the kind and the key to recover without repeating the
    message (it used to show nowhere under the turn)."""
    from tests.tui.conftest import ANSWER

    fake([ANSWER], crash_after=0)
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await ready(pilot, app)
        await pilot.press(*"first", "enter")
        ended = await answered(pilot, app)
        failed = await app.recorder.event(ev.EngineFailed)
        await pilot.pause(0.1)
        text = " ".join(log_text(app).split())  # lines wrap at the pane's width
        assert ended.status is ev.TurnStatus.FAILED and not ended.partial and ended.error
        assert failed.kind == "crash" and "Ctrl+N restarts it" in text
        assert f"not answered: {failed.message}" in text and "error (crash)" in text
        assert text.count("SIGSEGV") == 1, text
