"""Every key, in one list (F1 or ?)."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static


class HelpScreen(ModalScreen):
    BINDINGS = [Binding("escape,q,f1", "dismiss", "Close")]

    def compose(self) -> ComposeResult:
        from neuro_tui.app.keys import key_rows

        table = Table(show_header=False, box=None, padding=(0, 1))
        context = None
        for where, key, what in key_rows():
            if where != context:
                context = where
                table.add_row(Text(where, style="bold underline"), "")
            table.add_row(Text(key), Text(what))  # Text: keys like [ are not markup
        table.add_row(Text("Mouse", style="bold underline"), "")
        table.add_row(Text("click [n]"), Text("select source n of that answer"))
        with VerticalScroll(id="help-box") as box:
            box.border_title = "Keys"
            yield Static(table)
