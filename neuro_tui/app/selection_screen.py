"""Select and copy any part of the chat, by keyboard or mouse, and fork from any turn.

Why a screen of its own over a read-only TextArea: the streaming transcript (MarkdownLog)
renders Strips for speed and has no text cursor; a TextArea over the same turns as plain
text gives a real cursor, shift+arrow and mouse selection, and a `v` mark mode (move the
cursor, the selection follows) without touching the streaming widget. Copy is OSC 52
(`App.copy_to_clipboard`), so it works over SSH. The text is the chat core's (already
cleaned: never parsed as markup). `f` forks the chat at the turn under the cursor.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import ModalScreen
from textual.widgets import Footer, TextArea
from textual.widgets.text_area import Selection

from neuro_tui.chat.transcript import Transcript


def plain_lines(transcript: Transcript, dropped: frozenset[int] = frozenset()
                ) -> tuple[list[str], list[int]]:
    """The chat as plain lines, and the turn number of each line."""
    lines: list[str] = []
    turns: list[int] = []

    def add(text: str, turn: int) -> None:
        for line in text.splitlines() or [""]:
            lines.append(line)
            turns.append(turn)

    for turn in transcript.turns:
        mark = " · not in the model's view (context policy)" if turn.number in dropped else ""
        add(f"── turn {turn.number}{mark} ──", turn.number)
        add(f"You: {turn.question}", turn.number)
        add(f"Assistant: {turn.answer}" + (" [cut off]" if turn.partial else ""), turn.number)
        add("", turn.number)
    return lines, turns


class SelectionScreen(ModalScreen[tuple[str, int] | None]):
    """Dismisses with ("fork", turn) when the user forks, ("edit", turn) to ask that turn's
    question again differently (a fork before it), else None."""

    BINDINGS = [
        Binding("escape", "close", "Close"),
        Binding("v", "mark", "Mark"),
        Binding("y", "copy", "Copy"),
        Binding("ctrl+c", "copy", "Copy", show=False, priority=True),
        Binding("f", "fork", "Fork here"),
        Binding("e", "edit", "Edit question"),
    ]

    def __init__(self, transcript: Transcript, start_turn: int | None = None,
                 dropped: frozenset[int] = frozenset()) -> None:
        super().__init__()
        self.lines, self.line_turns = plain_lines(transcript, dropped)
        self.start_turn = start_turn
        self.anchor: tuple[int, int] | None = None  # mark mode: where the selection starts

    def compose(self) -> ComposeResult:
        area = TextArea("\n".join(self.lines), read_only=True, soft_wrap=True,
                        show_line_numbers=False, id="selection")
        area.border_title = "Select: arrows move · v marks · y copies · f forks · e edits · Esc"
        yield area
        yield Footer()

    @property
    def area(self) -> TextArea:
        return self.query_one(TextArea)

    def on_mount(self) -> None:
        row = len(self.lines) - 1
        if self.start_turn in self.line_turns:
            row = self.line_turns.index(self.start_turn)
        self.area.move_cursor((max(0, row), 0))
        self.area.focus()

    def action_mark(self) -> None:
        """Start (or end) a selection at the cursor; moving the cursor extends it."""
        if self.anchor is None:
            self.anchor = self.area.cursor_location
            self.notify("mark set: move the cursor, y copies")
        else:
            self.anchor = None
            self.area.selection = Selection.cursor(self.area.cursor_location)

    def on_text_area_selection_changed(self, event: TextArea.SelectionChanged) -> None:
        if self.anchor is not None and event.selection.start != self.anchor:
            self.area.selection = Selection(self.anchor, event.selection.end)

    def selected(self) -> str:
        """The selection, or the line under the cursor when nothing is selected."""
        text = self.area.selected_text
        if text:
            return text
        return self.lines[self.area.cursor_location[0]] if self.lines else ""

    def action_copy(self) -> None:
        text = self.selected()
        if not text:
            self.notify("nothing to copy")
            return
        self.app.copy_to_clipboard(text)
        self.anchor = None
        self.notify(f"copied {len(text)} characters (OSC 52)")

    def action_fork(self) -> None:
        if self.line_turns:
            self.dismiss(("fork", self.line_turns[self.area.cursor_location[0]]))

    def action_edit(self) -> None:
        if self.line_turns:
            self.dismiss(("edit", self.line_turns[self.area.cursor_location[0]]))

    def action_close(self) -> None:
        self.dismiss(None)
