"""Every key, in one list (F1 or ?)."""

from __future__ import annotations

from rich.table import Table
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

KEYS = [
    ("Enter", "send the message"),
    ("Shift+Enter / Ctrl+J", "new line in the message"),
    ("Up / Down (empty input)", "recall earlier messages"),
    ("Esc / Ctrl+C", "stop the answer"),
    ("Ctrl+Q", "quit"),
    ("Ctrl+P", "command palette (every action)"),
    ("F1", "this help"),
    ("F2", "timing overlay"),
    ("F3", "llama-cli log"),
    ("F4", "show/hide the model and sources panes"),
    ("F5", "sessions: resume, rename, delete, export"),
    ("F6", "copy the last answer (OSC 52 works over SSH)"),
    ("F7", "copy the last code block"),
    ("Ctrl+E", "edit the last message and resend it"),
    ("Ctrl+R", "regenerate the last answer"),
    ("Ctrl+W", "toggle web search (data leaves the machine)"),
    ("Ctrl+T", "next theme"),
    ("Tab / Shift+Tab", "move between input, sources"),
    ("j / k, Enter", "browse sources, open one"),
    ("y / o", "copy a citation / open it"),
    ("click [n]", "select source n of that answer"),
]


class HelpScreen(ModalScreen):
    BINDINGS = [Binding("escape,q,f1", "dismiss", "Close")]

    def compose(self) -> ComposeResult:
        table = Table(show_header=False, box=None, padding=(0, 2))
        for key, what in KEYS:
            table.add_row(key, what)
        with VerticalScroll(id="help-box") as box:
            box.border_title = "Keys"
            yield Static(table)
