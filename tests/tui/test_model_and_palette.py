"""Model pane actions (F10) and the command palette."""

from __future__ import annotations

from neuro_tui.app.app import create_app
from tests.tui.conftest import wait_for
from tests.tui.stand_in import StandInSession


async def test_changing_parameters_restarts_with_a_recap(tui_config):
    made = []

    def factory(config):
        made.append(config)
        return StandInSession(["Bonjour."])

    app = create_app(tui_config, factory, retriever=None)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.conversation.ready)
        await pilot.press(*"say hello in French", "enter")
        await wait_for(pilot, lambda: 1 in app.answers and not app.conversation.busy)
        await pilot.press("f10")
        await pilot.pause(0.1)
        temp = app.screen.query_one("#f-temperature")
        temp.focus()
        temp.value = "0.2"
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: len(made) == 2 and app.conversation.ready)
    assert made[1].temperature == 0.2 and tui_config.temperature == 0.2
    assert "say hello in French" in made[1].system_prompt
    assert "Bonjour." in made[1].system_prompt
    assert "Earlier" not in tui_config.system_prompt


async def test_bad_parameter_is_explained_not_applied(tui_config):
    app = create_app(tui_config, lambda _c: StandInSession(), retriever=None)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("f10")
        await pilot.pause(0.1)
        app.screen.query_one("#f-ctx_size").value = "lots"
        await pilot.press("ctrl+s")
        await pilot.pause(0.1)
        assert "not a valid int" in str(app.screen.query_one("#model-msg").render())
        assert tui_config.ctx_size == 4096


async def test_palette_lists_every_action(make_app):
    app = make_app()
    async with app.run_test(size=(120, 40)):
        titles = [c.title for c in app.get_system_commands(app.screen)]
        for wanted in ("Timing (f2)", "Log (f3)", "Sessions (f5)", "Web (f8)", "Model (f10)",
                       "Regenerate (ctrl+r)", "Copy code (f7)"):
            assert wanted in titles
