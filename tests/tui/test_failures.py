"""Failures are shown, not hidden, and each has a key to recover."""

from __future__ import annotations

from neuro_tui.app import messages as m
from tests.tui.conftest import ANSWER, answered, fixed_retriever, wait_for


def log_text(app) -> str:
    return "\n".join(app.query_one("MarkdownLog").text_lines())


async def test_crash_keeps_partial_answer_and_ctrl_n_restarts(make_app, recorder, fake):
    fake([ANSWER], crash_after=5)
    app = make_app()
    async with app.run_test(size=(100, 30), message_hook=recorder) as pilot:
        await wait_for(pilot, lambda: app.conversation.ready)
        await pilot.press(*"first", "enter")
        await answered(pilot, app)
        await wait_for(pilot, lambda: recorder.of(m.SessionFailed))
        [failed] = recorder.of(m.SessionFailed)
        assert failed.kind == "crash" and "SIGSEGV" in failed.message
        text = log_text(app)
        assert "Paris is" in text and "Ctrl+N restarts it" in text
        assert app.state_label == "crashed"
        fake(["{echo}"])  # the restarted llama-cli behaves
        await pilot.press("ctrl+n")
        await wait_for(pilot, lambda: app.conversation.ready)
        await pilot.press(*"second", "enter")
        await answered(pilot, app, 2)
        assert app.answers[2].strip().startswith("You said:")
        assert "first" in app.conversation.effective_config().system_prompt  # recap


async def test_hang_is_reported_and_recoverable(make_app, recorder, fake):
    fake(["{echo}"], hang_after=3)
    app = make_app(hang_timeout_s=1.0)
    async with app.run_test(size=(100, 30), message_hook=recorder) as pilot:
        await wait_for(pilot, lambda: app.conversation.ready)
        await pilot.press(*"hello there", "enter")
        await wait_for(pilot, lambda: recorder.of(m.SessionFailed), timeout=15)
        assert recorder.of(m.SessionFailed)[0].kind == "hang"
        assert "stopped answering" in log_text(app)
        fake(["{echo}"])
        await pilot.press("ctrl+n")
        await wait_for(pilot, lambda: app.conversation.ready and app.session.state.value
                       == "ready", timeout=15)


async def test_load_failure_is_shown_with_the_reason(make_app, fake):
    fake(exit_on_load=1)
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: app.conversation.failed)
        assert app.state_label == "load failed"
        assert "could not load" in log_text(app)
        await pilot.press(*"anyone there?", "enter")
        assert "queued: sent when the model is ready" in log_text(app)


async def test_digits_in_sources_pane_select_that_source(make_app):
    app = make_app(retriever=fixed_retriever, storage="/srv/index")
    async with app.run_test(size=(120, 36)) as pilot:
        await wait_for(pilot, lambda: app.conversation.ready)
        await pilot.press(*"capital of France", "enter")
        await answered(pilot, app)
        pane = app.query_one("#sources")
        pane.focus()
        await pilot.press("2")
        assert pane.highlighted == 1
        await pilot.press("1")
        assert pane.highlighted == 0


async def test_brackets_in_sources_pane_switch_between_answers(make_app):
    app = make_app(retriever=fixed_retriever, storage="/srv/index")
    async with app.run_test(size=(120, 36)) as pilot:
        await wait_for(pilot, lambda: app.conversation.ready)
        for turn in (1, 2):
            await pilot.press(*f"question {turn}", "enter")
            await answered(pilot, app, turn)
        pane = app.query_one("#sources")
        pane.focus()
        await pilot.press("[")
        assert app.selected_turn == 1 and "answer 1" in str(pane.border_subtitle)
        await pilot.press("]")
        assert app.selected_turn == 2
