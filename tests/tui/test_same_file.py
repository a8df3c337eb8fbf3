"""The TUI half of "the CLI and the TUI save the same chat file" (tests/chat/scripted.py;
the CLI half is tests/chat/test_same_file.py): the same scripted conversation, typed into
the real app on the fake llama-cli, leaves the same transcript file as `chat --plain`."""

from __future__ import annotations

from textual import events

from neuro_tui import config as config_mod
from neuro_tui.app.app import create_app
from neuro_tui.chat import events as ev
from neuro_tui.chat import store
from tests.chat.scripted import EXPECTED, QUESTIONS, fake_env, saved_form
from tests.tui.conftest import answered, ready, record


async def test_tui_writes_the_scripted_chat(fake_llama_cli, smollm2, monkeypatch):
    for name, value in fake_env().items():
        monkeypatch.setenv(name, value)
    config = config_mod.load({"model": str(smollm2), "cli": str(fake_llama_cli),
                              "threads": 1, "max_tokens": 0})
    app = create_app(config)
    record(app)
    async with app.run_test(size=(100, 30)) as pilot:
        await ready(pilot, app, timeout=30)
        turn = 0
        for question in QUESTIONS:
            # pasted, as a user would paste control characters (typing cannot send them)
            app.post_message(events.Paste(question))  # the terminal delivers it to the app
            await pilot.pause(0.05)
            await pilot.press("enter")
            if question.isprintable():
                turn += 1
                await answered(pilot, app, turn, timeout=30)
            else:
                await app.recorder.event(ev.MessageRefused)
    [saved] = store.list_chats()
    assert saved_form(saved.path) == EXPECTED
