"""Search every saved chat (from F5): type, see the turns that match with the words
highlighted, Enter opens the chat. Results come from chat/search_index.py (Tantivy; the
index is brought up to date from the chat files first, so the last turn is found too)."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Footer, Input, OptionList, Static
from textual.widgets.option_list import Option

from neuro_tui.chat.search_index import ChatHit, ChatSearch
from neuro_tui.errors import NeuroError


def hit_label(hit: ChatHit) -> Text:
    """Text only (titles and snippets come from the chat files, cleaned on load); the
    matched words bold and reversed, the snippet on one line."""
    label = Text(hit.title or "(untitled)", style="bold")
    label.append(f"  turn {hit.turn} · {'asked' if hit.field == 'question' else 'answer'}\n  ",
                 style="dim")
    flat = hit.snippet.replace("\n", " ").replace("\r", " ")  # same length: spans hold
    cursor = 0
    for start, end in hit.highlights:
        label.append(flat[cursor:start])
        label.append(flat[start:end], style="bold reverse")
        cursor = end
    label.append(flat[cursor:])
    return label


class ChatSearchScreen(ModalScreen[tuple[str, int] | None]):
    """Dismisses with (chat_id, turn) of the chosen result, or None."""

    BINDINGS = [Binding("escape", "dismiss(None)", "Close")]

    def __init__(self, search: ChatSearch | None = None) -> None:
        super().__init__()
        self.search = search
        self.hits: list[ChatHit] = []

    def compose(self) -> ComposeResult:
        with Vertical(id="chat-search-box") as box:
            box.border_title = "Search all chats"
            yield Input(placeholder="words to find in every saved chat", id="chat-query")
            yield Static("", id="chat-search-note")
            yield OptionList(id="chat-hits")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    def on_input_changed(self, event: Input.Changed) -> None:
        self.run_search(event.value)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if self.hits:  # to the results: arrows choose, Enter opens
            options = self.query_one(OptionList)
            options.highlighted = 0
            options.focus()

    def run_search(self, query: str) -> None:
        note, hits = self.query_one("#chat-search-note", Static), []
        if query.strip():
            try:
                self.search = self.search or ChatSearch()
                hits = self.search.search(query, 20)
                note.update(f"{len(hits)} turn(s)" if hits else "no saved chat mentions that")
            except NeuroError as error:  # e.g. only punctuation: say so, keep typing
                note.update(Text(error.message, style="yellow"))
            except OSError as error:
                note.update(Text(f"cannot read the chats: {error}", style="red"))
        else:
            note.update("")
        self.hits = hits
        options = self.query_one(OptionList)
        options.clear_options()
        options.add_options([Option(hit_label(h), id=f"{h.chat_id}#{h.turn}") for h in hits])

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        hit = self.hits[event.option_index]
        self.dismiss((hit.chat_id, hit.turn))
