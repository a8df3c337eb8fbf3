"""The chat input: Enter sends; Shift+Enter and Ctrl+J insert a newline; Up/Down recall.

Shift+Enter only reaches apps in terminals with the kitty keyboard protocol, so Ctrl+J (a
plain line feed in every terminal, and over SSH) does the same thing. A pause in typing
(PAUSE_S after the last edit, text not empty) is posted as `Paused`: the screen warms the
server engine for the question so far (prefill while typing, chat/prefill.py).
"""

from __future__ import annotations

from dataclasses import dataclass

from textual import events
from textual.message import Message
from textual.widgets import TextArea

PAUSE_S = 0.4  # after the last key: long enough not to fire between words


class ChatInput(TextArea):
    @dataclass
    class Submitted(Message):
        """The user pressed Enter on a message (sent as typed: the chat core cleans it)."""

        text: str

    @dataclass
    class Paused(Message):
        """Typing paused with this text in the input (not sent)."""

        text: str

    DEFAULT_CSS = "ChatInput { height: auto; max-height: 8; min-height: 3; }"
    # What _on_key below does, for the key reference (app/keys.py); keep the two together.
    KEY_HELP = [
        ("enter", "send (typed while the model loads: sent when it is ready)"),
        ("shift+enter,ctrl+j", "new line in the message (Shift+Enter needs a terminal that "
                               "reports it; Ctrl+J works everywhere)"),
        ("up,down", "recall earlier messages (from an empty input)"),
        ("tab", "move focus to the transcript and the sources"),
    ]

    def __init__(self, **kwargs) -> None:
        super().__init__(soft_wrap=True, show_line_numbers=False, tab_behavior="focus",
                         compact=True, highlight_cursor_line=False, **kwargs)
        self.sent: list[str] = []
        self._recall: int | None = None
        self._pause = None  # the timer of the next Paused

    def on_text_area_changed(self, event: TextArea.Changed) -> None:
        """Every edit restarts the pause timer; an emptied input (sent, cleared) has none."""
        if self._pause is not None:
            self._pause.stop()
        self._pause = self.set_timer(PAUSE_S, self._paused) if self.text.strip() else None

    def _paused(self) -> None:
        self._pause = None
        if self.text.strip():
            self.post_message(ChatInput.Paused(self.text))

    async def _on_key(self, event: events.Key) -> None:
        key = event.key
        if key == "enter":
            event.stop()
            event.prevent_default()
            text = self.text
            if text.strip():
                self.sent.append(text)
                self._recall = None
                self.clear()
                self.post_message(ChatInput.Submitted(text))
            return
        if key in ("shift+enter", "ctrl+j"):
            event.stop()
            event.prevent_default()
            self.insert("\n")
            return
        if key in ("up", "down") and self.sent and (self.text == "" or self._recall is not None):
            event.stop()
            event.prevent_default()
            self._step_history(-1 if key == "up" else 1)
            return
        if event.is_printable:
            self._recall = None
        await super()._on_key(event)

    def _step_history(self, step: int) -> None:
        index = len(self.sent) if self._recall is None else self._recall
        index = max(0, min(len(self.sent), index + step))
        self._recall = None if index == len(self.sent) else index
        self.load_text("" if self._recall is None else self.sent[index])
        self.move_cursor(self.document.end)
