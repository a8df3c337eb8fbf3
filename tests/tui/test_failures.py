"""Failures are shown, not hidden, and each has a key to recover."""

from __future__ import annotations

from neuro_tui.chat import events as ev
from tests.tui.conftest import (
    ANSWER,
    answer,
    answered,
    engine_settled,
    fixed_retriever,
    log_text,
    ready,
)


async def test_crash_keeps_partial_answer_and_ctrl_n_restarts(make_app, recorder, fake):
    fake([ANSWER], crash_after=5)
    app = make_app()
    async with app.run_test(size=(100, 30), message_hook=recorder) as pilot:
        await ready(pilot, app)
        await pilot.press(*"first", "enter")
        ended = await answered(pilot, app)
        assert ended.partial, "the cut-off answer is marked as such"
        failed = await app.recorder.event(ev.EngineFailed)
        assert failed.kind == "crash" and "SIGSEGV" in failed.message
        text = log_text(app)
        assert "Paris is" in text and "Ctrl+N restarts it" in text
        assert "answer cut off: incomplete" in text
        assert app.chat.engine == "crashed"
        fake(["{echo}"])  # the restarted llama-cli behaves
        await pilot.press("ctrl+n")
        assert isinstance(await engine_settled(pilot, app, after=2), ev.EngineReady)
        await pilot.press(*"second", "enter")
        await answered(pilot, app, 2)
        assert answer(app, 2).strip().startswith("You said:")
        assert "first" in app.chat.service.recap()  # what the restarted model was given
        assert "recap of the 1 earlier turn" in " ".join(log_text(app).split())


async def test_hang_is_reported_and_recoverable(make_app, recorder, fake):
    fake(["{echo}"], hang_after=3)
    app = make_app(hang_timeout_s=1.0)
    async with app.run_test(size=(100, 30), message_hook=recorder) as pilot:
        await ready(pilot, app)
        await pilot.press(*"hello there", "enter")
        failed = await app.recorder.event(ev.EngineFailed, timeout=15)
        assert failed.kind == "hang"
        assert "stopped answering" in log_text(app)
        fake(["{echo}"])
        await pilot.press("ctrl+n")
        assert isinstance(await engine_settled(pilot, app, timeout=15, after=2), ev.EngineReady)
        assert app.chat.service.session.state.value == "ready"


async def test_load_failure_is_shown_with_the_reason(make_app, fake):
    fake(exit_on_load=1)
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        assert (await engine_settled(pilot, app)).kind == "load"
        assert app.chat.engine == "load failed"
        assert "could not load" in log_text(app)
        await pilot.press(*"anyone there?", "enter")
        assert "queued: sent when the model is ready" in log_text(app)


async def test_digits_in_sources_pane_select_that_source(make_app):
    app = make_app(retriever=fixed_retriever, storage="/srv/index")
    async with app.run_test(size=(120, 36)) as pilot:
        await ready(pilot, app)
        await pilot.press(*"capital of France", "enter")
        await answered(pilot, app)
        pane = app.chat.query_one("#sources")
        pane.focus()
        await pilot.press("2")
        assert pane.highlighted == 1
        await pilot.press("1")
        assert pane.highlighted == 0


async def test_brackets_in_sources_pane_switch_between_answers(make_app):
    app = make_app(retriever=fixed_retriever, storage="/srv/index")
    async with app.run_test(size=(120, 36)) as pilot:
        await ready(pilot, app)
        for turn in (1, 2):
            await pilot.press(*f"question {turn}", "enter")
            await answered(pilot, app, turn)
        pane = app.chat.query_one("#sources")
        pane.focus()
        await pilot.press("[")
        await pilot.pause(0.02)
        assert app.chat.selected_turn == 1 and "for turn 1" in str(pane.border_title)
        await pilot.press("]")
        await pilot.pause(0.02)
        assert app.chat.selected_turn == 2 and "2 for turn 2" in str(pane.border_title)
