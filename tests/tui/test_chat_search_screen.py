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



async def open_found_turn(pilot, app, query: str, chat_id: str) -> None:
    """F5, /, type `query`, Enter on its one result: wait until that chat is open."""
    from neuro_tui.app.chat_screen import ChatScreen
    from tests.tui.conftest import ready, wait_for

    await ready(pilot, app)
    await pilot.press("f5")
    await wait_for(pilot, lambda: type(app.screen).__name__ == "SessionsScreen")
    await pilot.press("slash")
    await wait_for(pilot, lambda: isinstance(app.screen, ChatSearchScreen))
    await pilot.press(*query)
    await wait_for(pilot, lambda: app.screen.query_one(OptionList).option_count == 1)
    await pilot.press("enter", "enter")
    await wait_for(pilot, lambda: isinstance(app.screen, ChatScreen)
                   and app.screen.service.store is not None
                   and app.screen.service.store.path.stem == chat_id)

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


async def test_f5_slash_search_enter_resumes_that_chat(make_app, fake):
    """In the app: F5, /, type, Enter, Enter: the chat holding the match is resumed."""
    from neuro_tui.chat.store import chats_dir

    folder = chats_dir()
    folder.mkdir(parents=True, exist_ok=True)
    write_chats(folder, 3, turns=2)
    add_turn(folder, "chat001", 3, "Where do axolotls live?", "In lakes near Mexico City.")
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await open_found_turn(pilot, app, "axolotls", "chat001")
        assert app.screen.service.transcript.at(3).question == "Where do axolotls live?"


async def test_a_search_result_opens_its_chat_scrolled_to_and_selecting_that_turn(make_app):
    """Turn 3 of a 12-turn chat: opened, the chat shows turn 3's question on screen (not
    the end, where a resumed chat otherwise sits) and selects it (its sources, Ctrl+L)."""
    from neuro_tui.chat.store import chats_dir

    folder = chats_dir()
    filler = " ".join(["a long answer line that takes room on the screen"] * 12)
    for turn in range(1, 13):
        question = "Where do axolotls live?" if turn == 3 else f"Question number {turn}?"
        add_turn(folder, "chat001", turn, question, f"{filler}\n\n{filler}")
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await open_found_turn(pilot, app, "axolotls", "chat001")
        await pilot.pause(0.3)
        chat = app.screen
        assert chat.selected_turn == 3
        view, scroll = chat.view, chat.query_one("#transcript")
        line = view.turn_line(3)
        assert "Where do axolotls live?" in view.text_lines()[line]
        top = scroll.scroll_y - view.virtual_region.y
        assert top <= line < top + scroll.size.height  # turn 3's question is on screen
        assert scroll.scroll_y < scroll.max_scroll_y  # not the end of the chat
        lit = view._selection_style().bgcolor  # turn 3's question is drawn highlighted
        assert painted_bgs(view, line) == {lit}
        assert lit not in painted_bgs(view, view.turn_line(4))
        assert lit not in painted_bgs(view, line + 2)  # its answer is not
        chat.selected_turn = 12  # the newest turn (where the chat is anyway): no highlight
        await pilot.pause()
        assert lit not in painted_bgs(view, line)


def painted_bgs(view, line: int) -> set:
    """The background colours of the text of rendered line `line` of the chat, as painted
    (not the pane's padding)."""
    from textual.geometry import Region

    [drawn] = view.render_lines(Region(0, line, view.size.width, 1))
    return {seg.style.bgcolor for seg in drawn if seg.style and seg.text.strip()}
