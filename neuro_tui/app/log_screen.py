"""llama-cli's own log (F3): startup lines, config and perf lines, as plain text."""

from __future__ import annotations

from pathlib import Path

from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Footer, Header, Log

from neuro_tui.app.safe_text import clean


class LogScreen(Screen):
    BINDINGS = [Binding("escape,f3,q", "app.pop_screen", "Back")]

    def __init__(self, path: Path | None) -> None:
        super().__init__()
        self.path = path
        self._offset = 0

    def compose(self) -> ComposeResult:
        yield Header()
        yield Log(id="llama-log", highlight=False)
        yield Footer()

    def on_mount(self) -> None:
        self.title = f"llama-cli log: {self.path}" if self.path else "llama-cli log"
        log = self.query_one(Log)
        if self.path is None:
            log.write_line("(no log yet: llama-cli has not been started)")
        self.poll()
        self.set_interval(0.5, self.poll)

    def poll(self) -> None:
        if self.path is None or not self.path.is_file():
            return
        with self.path.open("rb") as f:
            f.seek(self._offset)
            data = f.read(1 << 20)
        if data:
            self._offset += len(data)
            self.query_one(Log).write(clean(data.decode("utf-8", "replace")))
