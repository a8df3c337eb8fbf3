"""Select and copy (issue 16): keyboard selection over the chat, copied with OSC 52 — the
bytes the terminal receives are asserted, not a Python attribute."""

from __future__ import annotations

import base64
import re

from textual.app import App

from neuro_tui.app.selection_screen import SelectionScreen, plain_lines
from neuro_tui.chat.events import TurnStatus
from neuro_tui.chat.transcript import Transcript, Turn

CHAT = Transcript(turns=(
    Turn(1, "What is the capital of France?", "Paris is the capital.\nIt is on the Seine.",
         status=TurnStatus.DONE),
    Turn(2, "And of Italy? [bold]x[/bold]", "Rome.", status=TurnStatus.DONE),
    Turn(3, "And Spain?", "Madrid.", status=TurnStatus.DONE)))
OSC52 = re.compile(r"\x1b\]52;c;([A-Za-z0-9+/=]*)\x07")


class Host(App):
    def __init__(self, screen: SelectionScreen) -> None:
        super().__init__()
        self.selection, self.result, self.written = screen, "open", []

    def on_mount(self) -> None:
        real = self._driver.write
        self._driver.write = lambda data: (self.written.append(data), real(data))
        self.push_screen(self.selection, lambda r: setattr(self, "result", r))


def copied(app: Host) -> list[str]:
    return [base64.b64decode(m).decode() for m in OSC52.findall("".join(app.written))]


async def test_mark_move_copy_sends_the_selection_as_osc52():
    app = Host(SelectionScreen(CHAT, start_turn=1))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("down", "down")  # "Assistant: Paris is the capital."
        await pilot.press("v", *["right"] * 11)  # mark, move over "Assistant: "
        await pilot.press("shift+end")  # and to the end of the line (shift extends too)
        await pilot.press("y")
        await pilot.pause()
    assert copied(app) == ["Assistant: Paris is the capital."]


async def test_copy_across_lines_and_turns_keeps_markup_as_text():
    app = Host(SelectionScreen(CHAT, start_turn=1))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("down", "down", "down", "v", "down", "down", "down", "end", "y")
        await pilot.pause()
    assert copied(app) == ["It is on the Seine.\n\n── turn 2 ──\nYou: And of Italy? [bold]x[/bold]"]


async def test_nothing_selected_copies_the_line_and_f_forks_at_the_turn_under_the_cursor():
    app = Host(SelectionScreen(CHAT, start_turn=3))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("down", "ctrl+c")
        await pilot.press("up", "up", "f")  # the last line of turn 2
        await pilot.pause()
    assert copied(app) == ["You: And Spain?"]
    assert app.result == ("fork", 2)


async def test_mouse_drag_selects_and_y_copies():
    from textual.widgets import TextArea

    app = Host(SelectionScreen(CHAT, start_turn=1))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.mouse_down(TextArea, offset=(2, 3))  # row 3: inside the top border
        await pilot.hover(TextArea, offset=(12, 3))
        await pilot.mouse_up(TextArea, offset=(12, 3))
        await pilot.press("y")
        await pilot.pause()
    assert copied(app) == ["Assistant:"]


def test_dropped_turns_are_marked():
    lines, turns = plain_lines(CHAT, frozenset({2}))
    assert "── turn 2 · not in the model's view (context policy) ──" in lines
    assert "── turn 1 ──" in lines and turns[lines.index("You: And Spain?")] == 3


async def test_in_the_app_ctrl_s_copies_and_f_forks_the_saved_chat(make_app, fake):
    """The real ChatScreen (fake llama-cli): Ctrl+S, select, copy; then fork at turn 1."""
    from neuro_tui.app.chat_screen import ChatScreen
    from neuro_tui.chat import store
    from neuro_tui.chat.fork import forked_from
    from tests.tui.conftest import answered, ready, wait_for

    fake(["Bonjour!", "Ciao!"])
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        written = []
        real = app._driver.write
        app._driver.write = lambda data: (written.append(data), real(data))
        await ready(pilot, app)
        await pilot.press(*"say hi in French", "enter")
        await answered(pilot, app, 1)
        await pilot.press(*"now in Italian", "enter")
        await answered(pilot, app, 2)
        original = app.screen.service.store.path
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, SelectionScreen))
        # the cursor starts on the selected turn (2, the last answered): its header line
        await pilot.press("down", "down", "home", "shift+end", "y")  # "Assistant: Ciao!"
        await pilot.pause()
        assert [base64.b64decode(m).decode() for m in OSC52.findall("".join(written))] == [
            "Assistant: Ciao!"]
        await pilot.press("up", "up", "up", "f")  # on turn 1
        await wait_for(pilot, lambda: isinstance(app.screen, ChatScreen)
                       and app.screen.service.store.path != original)
        forked = app.screen.service.transcript
        assert [t.question for t in forked.turns] == ["say hi in French"]
    chats = {c.path: c for c in store.list_chats()}
    assert [t.question for t in chats[original].transcript.turns] == ["say hi in French",
                                                                      "now in Italian"]
    fork_path = next(p for p in chats if p != original)
    assert forked_from(fork_path)["turn"] == 1


async def test_editing_an_earlier_question_forks_before_it(make_app, fake):
    from neuro_tui.app.chat_input import ChatInput
    from neuro_tui.app.chat_screen import ChatScreen
    from neuro_tui.chat.fork import forked_from
    from tests.tui.conftest import answered, ready, wait_for

    fake(["Bonjour!", "Ciao!", "Hola!"])
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await ready(pilot, app)
        for n, text in enumerate(["say hi in French", "now in Italian", "and Spanish"], 1):
            await pilot.press(*text, "enter")
            await answered(pilot, app, n)
        original = app.screen.service.store.path
        app.screen.selected_turn = 2
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, SelectionScreen))
        await pilot.press("down", "e")  # on turn 2's question
        await wait_for(pilot, lambda: isinstance(app.screen, ChatScreen)
                       and app.screen.service.store.path != original
                       and app.screen.query_one(ChatInput).text == "now in Italian")
        assert [t.question for t in app.screen.service.transcript.turns] == ["say hi in French"]
        assert forked_from(app.screen.service.store.path)["turn"] == 1
