"""The chat keyboard, driven with Pilot: what is sent, shown and posted."""

from __future__ import annotations

from neuro_tui.app import messages as m
from tests.tui.conftest import wait_for
from tests.tui.stand_in import StandInSession


def log_text(app) -> str:
    return "\n".join(app.query_one("MarkdownLog").text_lines())


async def test_enter_sends_and_answer_streams(make_app, recorder):
    app = make_app()
    async with app.run_test(size=(100, 30), message_hook=recorder) as pilot:
        await wait_for(pilot, lambda: app.conversation.ready)
        await pilot.press(*"what is the capital?", "enter")
        await wait_for(pilot, lambda: recorder.of(m.AnswerFinished))
        assert [s.text for s in recorder.of(m.MessageSubmitted)] == ["what is the capital?"]
        assert app.test_session.asked == ["what is the capital?"]
        assert recorder.of(m.AnswerStreamed), "answer streamed in fragments"
        assert app.query_one("#input").text == ""
        text = log_text(app)
        assert "› what is the capital?" in text
        assert "Paris is the capital of France [1]" in text
        assert "print('bonjour')" in text


async def test_shift_enter_and_ctrl_j_insert_newlines(make_app, recorder):
    app = make_app()
    async with app.run_test(size=(100, 30), message_hook=recorder) as pilot:
        await pilot.press("a", "shift+enter", "b", "ctrl+j", "c")
        assert app.query_one("#input").text == "a\nb\nc"
        assert not recorder.of(m.MessageSubmitted)
        await pilot.press("enter")
        assert [s.text for s in recorder.of(m.MessageSubmitted)] == ["a\nb\nc"]


async def test_up_down_recall_history_in_empty_input(make_app):
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: app.conversation.ready)
        for text in ("first", "second"):
            await pilot.press(*text, "enter")
            await wait_for(pilot, lambda: not app.conversation.busy and not app.conversation.queue)
        box = app.query_one("#input")
        await pilot.press("up")
        assert box.text == "second"
        await pilot.press("up")
        assert box.text == "first"
        await pilot.press("down", "down")
        assert box.text == ""


async def test_escape_stops_the_answer(make_app, recorder):
    session = StandInSession(["word " * 2000], token_delay=0.01)
    app = make_app(session)
    async with app.run_test(size=(100, 30), message_hook=recorder) as pilot:
        await wait_for(pilot, lambda: app.conversation.ready)
        await pilot.press(*"long please", "enter")
        await wait_for(pilot, lambda: len(recorder.of(m.AnswerStreamed)) > 5)
        await pilot.press("escape")
        await wait_for(pilot, lambda: recorder.of(m.AnswerFinished))
        assert recorder.of(m.AnswerFinished)[0].stop_reason == "interrupted"
        assert len(app.answers[1]) < len("word " * 2000)
        assert "stopped" in log_text(app)


async def test_ctrl_c_stops_then_idle_ctrl_c_does_not_quit(make_app, recorder):
    session = StandInSession(["word " * 2000], token_delay=0.01)
    app = make_app(session)
    async with app.run_test(size=(100, 30), message_hook=recorder) as pilot:
        await wait_for(pilot, lambda: app.conversation.ready)
        await pilot.press(*"go", "enter")
        await wait_for(pilot, lambda: len(recorder.of(m.AnswerStreamed)) > 5)
        await pilot.press("ctrl+c")
        await wait_for(pilot, lambda: recorder.of(m.AnswerFinished))
        assert recorder.of(m.AnswerFinished)[0].stop_reason == "interrupted"
        await pilot.press("ctrl+c")
        await pilot.press("ctrl+c")
        await pilot.pause(0.1)
        assert app.is_running
        await pilot.press(*"still here", "enter")
        await wait_for(pilot, lambda: len(session.asked) == 2)


async def test_ctrl_q_quits(make_app):
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("ctrl+q")
        await pilot.pause(0.1)
        assert not app.is_running


async def test_typing_while_loading_is_sent_when_ready(make_app, recorder):
    import asyncio

    session = StandInSession(["ok"])
    session.load_gate = asyncio.Event()
    app = make_app(session)
    async with app.run_test(size=(100, 30), message_hook=recorder) as pilot:
        await pilot.press(*"early bird", "enter")
        await pilot.pause(0.1)
        assert not app.conversation.ready and session.asked == []
        assert "queued: sent when the model is ready" in log_text(app)
        session.load_gate.set()
        await wait_for(pilot, lambda: recorder.of(m.AnswerFinished))
        assert session.asked == ["early bird"]


async def test_model_text_with_markup_and_escapes_is_shown_literally(make_app):
    evil = "Try [bold red]this[/] and \x1b]52;c;cHduZWQ=\x07 and \x1b[31mred\x1b[0m done."
    app = make_app(StandInSession([evil]))
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: app.conversation.ready)
        await pilot.press(*"hi", "enter")
        await wait_for(pilot, lambda: 1 in app.answers and not app.conversation.busy)
        await pilot.pause(0.1)
        text = log_text(app)
        assert "Try [bold red]this[/] and  and red done." in text
        assert "\x1b" not in text and "52;" not in text
        assert "\x1b" not in app.answers[1]
