"""Model pane actions (F10) and the command palette."""

from __future__ import annotations

from tests.tui.conftest import answered, engine_settled, ready


async def test_changing_parameters_restarts_with_a_recap(make_app, tui_config, fake):
    fake(["Bonjour."])
    app = make_app()
    made = app.configs_made
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot, app)
        await pilot.press(*"say hello in French", "enter")
        await answered(pilot, app)
        first = app.chat.service.session
        await pilot.press("f10")
        await pilot.pause(0.1)
        temp = app.screen.query_one("#f-temperature")
        temp.focus()
        temp.value = "0.2"
        await pilot.press("ctrl+s")
        await engine_settled(pilot, app, after=1)
        assert len(made) == 2
        session = app.chat.service.session
        assert session is not first and first.state.value == "closed"
        assert session.spec.params.temperature == 0.2
        recap = app.chat.service.recap()  # what the new llama-cli was given
    assert made[1].temperature == 0.2 and tui_config.temperature == 0.2
    assert "say hello in French" in recap and "Bonjour." in recap
    assert "Earlier" not in tui_config.system_prompt


async def test_bad_parameter_is_explained_not_applied(make_app, tui_config):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("f10")
        await pilot.pause(0.1)
        app.screen.query_one("#f-ctx_size").value = "lots"
        await pilot.press("ctrl+s")
        await pilot.pause(0.1)
        assert "not a valid int" in str(app.screen.query_one("#model-msg").render())
        assert type(app.screen).__name__ == "ModelScreen", "the screen stays open"
        assert tui_config.ctx_size == 4096


async def test_palette_lists_every_action(make_app):
    app = make_app()
    async with app.run_test(size=(120, 40)):
        titles = [c.title for c in app.get_system_commands(app.screen)]
        for wanted in ("Timing (f2)", "Log (f3)", "Sessions (f5)", "Web (f8)", "Model (f10)",
                       "Regenerate (ctrl+r)", "Copy code (f7)"):
            assert wanted in titles


async def test_f10_shows_a_resumed_chats_own_context_policy(make_app, tui_config, fake):
    """The chat file says rolling, the config truncate-middle: F10 shows rolling (what the
    chat uses); Apply of another field leaves it be; choosing stop goes through the config
    and the chat follows it."""
    from neuro_tui.chat import events as ev
    from neuro_tui.chat.store import ChatStore, load

    store = ChatStore.create(model="SmolLM2-135M-Instruct.Q4_1", context_policy="rolling")
    for event in (ev.TurnQueued(1, "hi?"), ev.AnswerDelta(1, "Hello."),
                  ev.TurnEnded(1, ev.TurnStatus.DONE, "eos")):
        store.record(event)
    store.close()
    assert tui_config.context_policy == "truncate-middle"
    app = make_app(resume=store.path.stem)
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot, app)
        assert app.chat.service.policy.name == "rolling"
        await pilot.press("f10")
        await pilot.pause(0.1)
        assert app.screen.query_one("#f-context_policy").value == "rolling"
        app.screen.query_one("#f-temperature").value = "0.2"
        await pilot.press("ctrl+s")
        await engine_settled(pilot, app, after=1)
        assert tui_config.source.get("context_policy") != "model pane"
        assert app.chat.service.policy.name == "rolling"  # not turned into the config's
        await pilot.press("f10")
        await pilot.pause(0.1)
        field = app.screen.query_one("#f-context_policy")
        assert field.value == "rolling"
        field.value = "stop"
        await pilot.press("ctrl+s")
        await engine_settled(pilot, app, after=2)
        assert tui_config.context_policy == "stop" and app.chat.service.policy.name == "stop"
        await pilot.press(*"again?", "enter")
        await answered(pilot, app, 2)
    assert load(store.path).context_policy == "stop"
