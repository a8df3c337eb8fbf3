"""Every key, in one list (F1 or ?)."""

from __future__ import annotations

from rich.table import Table
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

KEYS = [
    ("Enter", "send"),
    ("Shift+Enter, Ctrl+J", "new line in the message"),
    ("Up/Down (empty input)", "recall earlier messages"),
    ("Esc, Ctrl+C", "stop the answer"),
    ("Ctrl+Q", "quit"),
    ("Ctrl+P", "command palette: every action"),
    ("F1", "this help"),
    ("F2", "timing overlay"),
    ("F3", "llama-cli's own log"),
    ("F4", "show/hide model + sources panes"),
    ("F5", "sessions: resume/rename/delete/export"),
    ("F6 / F7", "copy last answer / last code block"),
    ("F8", "web search on/off (data leaves)"),
    ("F9", "edit the last message, resend"),
    ("F10", "model, download, parameters"),
    ("Ctrl+R", "regenerate the last answer"),
    ("Ctrl+N", "restart llama-cli (recap kept)"),
    ("Ctrl+T", "next theme"),
    ("Tab", "move focus: input, sources, chat"),
    ("Shift+PgUp/PgDn", "scroll the chat from the input"),
    ("j/k, Enter, y, o", "sources: move, open, copy, open URL"),
    ("click [n]", "select source n of that answer"),
]


class HelpScreen(ModalScreen):
    BINDINGS = [Binding("escape,q,f1", "dismiss", "Close")]

    def compose(self) -> ComposeResult:
        table = Table(show_header=False, box=None, padding=(0, 1))
        for key, what in KEYS:
            table.add_row(key, what)
        with VerticalScroll(id="help-box") as box:
            box.border_title = "Keys"
            yield Static(table)
