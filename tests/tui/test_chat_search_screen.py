"""The search box over every saved chat (F5 -> /): real chat files, real Tantivy."""

from __future__ import annotations

from textual.app import App
from textual.widgets import OptionList, Static

from neuro_tui.app.chat_search_screen import ChatSearchScreen
from neuro_tui.chat.search_index import ChatSearch
from tests.chat.chatgen import write_chats
from tests.chat.test_chat_search import add_turn


class Host(App):
    def __init__(self, screen) -> None:
        super().__init__()
        self.search_screen, self.result = screen, "open"

    def on_mount(self) -> None:
        self.push_screen(self.search_screen, lambda r: setattr(self, "result", r))


async def test_type_see_highlighted_turns_enter_opens(tmp_path):
    folder = tmp_path / "chats"
    folder.mkdir()
    write_chats(folder, 5, turns=3)
    add_turn(folder, "chat002", 4, "Where do axolotls live?", "In lakes near Mexico City.")
    app = Host(ChatSearchScreen(ChatSearch(folder, tmp_path / "index")))
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press(*"?!")
        await pilot.pause()
        note = app.screen.query_one("#chat-search-note", Static)
        assert "only punctuation" in str(note.render())
        await pilot.press("backspace", "backspace", *"axolotls")
        await pilot.pause()
        options = app.screen.query_one(OptionList)
        assert options.option_count == 1
        label = options.get_option_at_index(0).prompt
        assert "turn 4 · asked" in label.plain and "Where do axolotls live?" in label.plain
        bold = [label.plain[s.start:s.end] for s in label.spans if "reverse" in str(s.style)]
        assert bold == ["axolotls"]
        await pilot.press("enter", "enter")  # to the list, then open the highlighted one
        await pilot.pause()
    assert app.result == ("chat002", 4)
