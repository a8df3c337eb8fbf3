"""The chat pane marks where turns left the model's view (context policy, issue 16): a
512-token context fills in a few turns (fake llama-cli; the real-binary policy test is
tests/chat/test_policy_real.py)."""

from __future__ import annotations

from neuro_tui.app.chat_input import ChatInput
from neuro_tui.chat import events as ev
from tests.tui.conftest import answered, log_text, ready

LONG = "Please remember this detail about my garden and the tomatoes in it. " * 3


async def test_dropped_turns_are_marked_and_stay_on_screen(make_app, tui_config, fake):
    fake(["Noted, I will remember your garden and the tomatoes growing in it well."])
    tui_config.values.update(ctx_size=512, max_tokens=40, context_policy="rolling")
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot, app)
        for n in range(1, 7):
            app.screen.query_one(ChatInput).load_text(f"turn {n}: {LONG}")  # as if pasted
            await pilot.press("enter")
            await answered(pilot, app, n)
        dropped = app.recorder.events(ev.TurnsDropped)
        assert dropped and dropped[0].policy == "rolling" and 1 in dropped[0].dropped
        text = " ".join(log_text(app).split())
        assert "are no longer in the model's view (context full, policy rolling)" in text
        assert "turn 1:" in text and "turn 6:" in text  # every turn is still shown
        assert app.screen.dropped == frozenset(dropped[-1].dropped)


async def test_stop_policy_refusal_is_shown_with_the_choices(make_app, tui_config, fake):
    fake(["Noted, I will remember your garden and the tomatoes growing in it well."])
    tui_config.values.update(ctx_size=512, max_tokens=40, context_policy="stop")
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot, app)
        for n in range(1, 7):
            app.screen.query_one(ChatInput).load_text(f"turn {n}: {LONG}")
            await pilot.press("enter")
            await answered(pilot, app, n)
        failed = [e for e in app.recorder.events(ev.TurnEnded) if e.error]
        assert failed and "context full" in failed[0].error
        shown = [n.message for n in app._notifications]  # the toast the user sees
        assert any("not sent: context full" in m and "(Ctrl+S, f)" in m for m in shown)
