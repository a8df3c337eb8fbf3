"""The conversation: the transcript (one MarkdownLog), a status line, and the input."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.widgets import Static

from neuro_tui.app.chat_input import ChatInput
from neuro_tui.app.markdown_log import MarkdownLog


class ChatPane(Vertical):
    def compose(self) -> ComposeResult:
        with VerticalScroll(id="transcript"):
            yield MarkdownLog(id="log")
        yield Static(id="status")
        yield ChatInput(id="input")

    def on_mount(self) -> None:
        self.query_one("#transcript").anchor()
        self.query_one(ChatInput).focus()

    @property
    def log(self) -> MarkdownLog:
        return self.query_one(MarkdownLog)

    @property
    def input(self) -> ChatInput:
        return self.query_one(ChatInput)

    def set_status(self, state: str, *, web: bool, storage: bool, extra: str = "") -> None:
        t = Text()
        t.append(f" {state} ", style="reverse")
        if web:
            t.append(" WEB: queries leave this machine ", style="bold reverse red")
        if storage:
            t.append(" local sources ", style="dim")
        if extra:
            t.append(f" {extra}", style="italic")
        self.query_one("#status", Static).update(t)
