"""A source in full (Enter on a source): its passage with the query terms highlighted,
and the passages before and after it. The text shown is the indexed copy the answer was
given, so a file deleted or changed since is still shown as cited (and said to be gone)."""

from __future__ import annotations

import re
from pathlib import Path

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Footer, Static

from neuro_tui.chat.events import Source


def missing_file(src: Source) -> str:
    """The line saying a local source's file is gone ("" while it exists, and for web)."""
    if src.origin == "web" or not src.path or Path(src.path).exists():
        return ""
    return (f"{src.path} no longer exists (deleted or moved after indexing): this is the "
            "indexed copy the answer was given")


def highlighted(text: str, terms: set[str], style: str = "bold reverse") -> Text:
    t = Text(text)  # cleaned by the chat core where it entered
    for term in sorted(terms, key=len, reverse=True):
        if term:
            t.highlight_regex(re.compile(rf"(?i)\b{re.escape(term)}\b"), style)
    return t


class SourceViewer(ModalScreen):
    BINDINGS = [
        Binding("escape,q", "dismiss", "Close"),
        Binding("y", "copy", "Copy citation"),
        Binding("o", "open_external", "Open"),
    ]

    def __init__(self, source: Source, terms: set[str]) -> None:
        super().__init__()
        self.source = source
        self.terms = terms

    def compose(self) -> ComposeResult:
        src = self.source
        with VerticalScroll(id="source-box") as box:
            box.border_title = Text(f"[{src.number}] {src.title}")
            box.border_subtitle = Text(src.location)
            if gone := missing_file(src):
                yield Static(Text(gone, style="bold yellow"), id="source-missing")
            if src.before:
                yield Static(Text(src.before), classes="neighbour")
            self.passage = highlighted(src.text, self.terms)
            yield Static(self.passage, id="passage")
            if src.after:
                yield Static(Text(src.after), classes="neighbour")
        yield Footer()

    def action_copy(self) -> None:
        src = self.source
        self.app.copy_to_clipboard(f"[{src.number}] {src.title} {src.location}")
        self.notify("citation copied")

    def action_open_external(self) -> None:
        from neuro_tui.app.opener import open_location

        if gone := missing_file(self.source):
            self.notify(gone, severity="warning")
            return
        self.notify(open_location(self.source.path or self.source.location))
