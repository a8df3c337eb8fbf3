"""Past chats (F5): Enter resumes, r renames, d deletes, e exports to Markdown."""

from __future__ import annotations

import time

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Footer, Input, OptionList
from textual.widgets.option_list import Option

from neuro_tui import paths, sessions
from neuro_tui.app.safe_text import clean


def _label(info: sessions.SessionInfo) -> Text:
    when = time.strftime("%Y-%m-%d %H:%M", time.localtime(info.updated))
    t = Text(clean(info.title) or "(untitled)", style="bold")
    t.append(f"\n  {when} · {clean(info.model) or '?'} · {len(info.messages)} messages",
             style="dim")
    return t


class SessionsScreen(ModalScreen[str | None]):
    """Dismisses with the id of the chat to resume (or None)."""

    BINDINGS = [
        Binding("escape", "close", "Close"),
        Binding("r", "rename", "Rename"),
        Binding("d", "delete", "Delete"),
        Binding("e", "export", "Export"),
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
        self.items = sessions.list_sessions()
        ol = self.query_one(OptionList)
        ol.clear_options()
        ol.add_options([Option(_label(s), id=s.id) for s in self.items])
        if not self.items:
            ol.add_option(Option("no saved chats yet", disabled=True))
        else:
            ol.highlighted = 0
        ol.focus()

    @property
    def current(self) -> sessions.SessionInfo | None:
        index = self.query_one(OptionList).highlighted
        return self.items[index] if index is not None and index < len(self.items) else None

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

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
            box.value = self.current.title
            box.focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if self.current is not None and event.value.strip():
            sessions.rename(self.current.id, event.value.strip())
        event.input.display = False
        self.reload()

    def action_delete(self) -> None:
        if (info := self.current) is not None:
            sessions.delete(info.id)
            self.notify(f"deleted {info.id}")
            self.reload()

    def action_export(self) -> None:
        if (info := self.current) is not None:
            out = paths.data_dir() / "exports" / f"{info.id}.md"
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_text(sessions.export_markdown(info), encoding="utf-8")
            self.notify(f"exported to {out}")
