"""llama-cli's own log (F3): startup lines, config and perf lines, as plain text.

The log file is untrusted text entering here: it goes through the one cleaner
(textsafe.StreamCleaner, incremental: a sequence split across reads is removed whole)."""

from __future__ import annotations

import codecs
from pathlib import Path

from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Footer, Header, Log

from neuro_tui.textsafe import StreamCleaner


class LogScreen(Screen):
    BINDINGS = [Binding("escape,f3,q", "app.pop_screen", "Back")]

    def __init__(self, path: Path | None) -> None:
        super().__init__()
        self.path = path
        self._offset = 0
        self._cleaner = StreamCleaner()
        self._decoder = codecs.getincrementaldecoder("utf-8")("replace")

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
            self.query_one(Log).write(self._cleaner.feed(self._decoder.decode(data)))
