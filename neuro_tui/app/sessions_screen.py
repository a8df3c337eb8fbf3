"""Past chats (F5): Enter resumes, r renames, d deletes, e exports to Markdown.

A chat file that is damaged is still listed (with what was skipped), so it can be deleted;
one bad file never hides the others, and nothing here can end the app."""

from __future__ import annotations

import time

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Footer, Input, OptionList
from textual.widgets.option_list import Option

from neuro_tui import paths
from neuro_tui.chat import store
from neuro_tui.chat.export import export_markdown
from neuro_tui.chat.fork import describe
from neuro_tui.errors import NeuroError


def _count(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _label(chat: store.SavedChat) -> Text:
    """Text only: titles and model names come from the chat files (cleaned on load)."""
    when = time.strftime("%Y-%m-%d %H:%M", time.localtime(chat.updated))
    transcript = chat.transcript
    t = Text(transcript.title or "(untitled)", style="bold")
    t.append(f"\n  {when} · {transcript.model or '?'} · {_count(len(transcript.turns), 'turn')}",
             style="dim")
    if any(turn.partial for turn in transcript.turns):
        t.append(" · last answer cut off", style="yellow")
    if transcript.problems:
        t.append(f" · {len(transcript.problems)} bad records skipped", style="yellow")
    if origin := describe(chat.path):
        t.append(f" · {origin}", style="dim italic")
    return t


class SessionsScreen(ModalScreen[str | tuple[str, int] | None]):
    """Dismisses with the id of the chat to resume, (id, turn) for a search result (the
    chat opens at that turn), or None."""

    BINDINGS = [
        Binding("escape", "close", "Close"),
        Binding("r", "rename", "Rename"),
        Binding("d", "delete", "Delete"),
        Binding("e", "export", "Export"),
        Binding("slash", "search", "Search all"),
    ]

    def compose(self) -> ComposeResult:
        with Vertical(id="sessions-box") as box:
            box.border_title = "Sessions"
            yield OptionList(id="sessions-list")
            yield Input(placeholder="new title, Enter to save", id="rename")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#rename").display = False
        self.reload()

    def reload(self) -> None:
        self.items = store.list_chats()
        ol = self.query_one(OptionList)
        ol.clear_options()
        ol.add_options([Option(_label(c), id=c.chat_id) for c in self.items])
        if not self.items:
            ol.add_option(Option("no saved chats yet", disabled=True))
        else:
            ol.highlighted = 0
        ol.focus()

    @property
    def current(self) -> store.SavedChat | None:
        index = self.query_one(OptionList).highlighted
        return self.items[index] if index is not None and index < len(self.items) else None

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_search(self) -> None:
        """Search every saved chat (app/chat_search_screen.py); a result resumes its chat
        at its turn."""
        from neuro_tui.app.chat_search_screen import ChatSearchScreen

        def chosen(hit: tuple[str, int] | None) -> None:
            if hit is not None:
                self.dismiss(hit)

        self.app.push_screen(ChatSearchScreen(), chosen)

    def action_close(self) -> None:
        if self.query_one("#rename").display:
            self.query_one("#rename").display = False
            self.query_one(OptionList).focus()
        else:
            self.dismiss(None)

    def action_rename(self) -> None:
        if self.current is not None:
            box = self.query_one("#rename", Input)
            box.display = True
            box.value = self.current.transcript.title
            box.focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if self.current is not None and event.value.strip():
            self._safely(store.rename, self.current.chat_id, event.value.strip())
        event.input.display = False
        self.reload()

    def action_delete(self) -> None:
        if (chat := self.current) is not None and self._safely(store.delete, chat.chat_id):
            self.notify(f"deleted {chat.chat_id}")
            self.reload()

    def action_export(self) -> None:
        if (chat := self.current) is not None:
            out = paths.data_dir() / "exports" / f"{chat.chat_id}.md"
            if self._safely(self._write, out, export_markdown(chat.transcript)):
                self.notify(f"exported to {out}")

    @staticmethod
    def _write(out, text: str) -> None:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text, encoding="utf-8")

    def _safely(self, action, *args) -> bool:
        """A file that vanished or cannot be written is a line, not a crash."""
        try:
            action(*args)
        except (NeuroError, OSError) as error:
            self.notify(str(error), severity="error")
            return False
        return True
