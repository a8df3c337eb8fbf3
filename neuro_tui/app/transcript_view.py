"""The chat on screen: each Turn as question, streamed answer and the lines under it.

A MarkdownLog (design "c", app/markdown_log.py) that knows what a turn looks like: the
ChatScreen hands it the core's events and turns, it keeps the one answer that is open.
"""

from __future__ import annotations

from neuro_tui.app import grounding_marks, turn_notes
from neuro_tui.app.markdown_log import MarkdownLog
from neuro_tui.chat.transcript import Transcript, Turn


class TranscriptView(MarkdownLog):
    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.open_turn: int | None = None  # the turn whose answer is streaming
        self.last_turn = 0  # notes without a turn go under the last one

    def queued(self, turn: int, question: str, note: str) -> None:
        self.last_turn = turn
        self.add_user(question, turn)
        if note:
            self.add_note(note, turn)

    def stream(self, turn: int, text: str) -> None:
        if self.open_turn != turn:
            if self.open_turn is not None:
                self.end_answer()
            self.open_turn = turn
            self.begin_answer(turn)
        self.append(text)

    def ended(self, turn: Turn | None, grounding=None) -> None:
        if turn is not None and self.open_turn == turn.number:
            self.end_answer()
            self.open_turn = None
        self.show_marks(turn, grounding)
        self.turn_notes(turn, why=False)  # the failure that cut it off is shown next

    def show_marks(self, turn: Turn | None, grounding) -> None:
        """Glyphs beside each cited sentence's [n], and one summary line under it."""
        if turn is None or grounding is None:
            return
        if grounding.sentences:
            self.replace_answer(turn.number, grounding_marks.marked_answer(turn.answer,
                                                                           grounding))
        if line := grounding_marks.summary(grounding):
            self.add_note(line, turn.number)

    def turn_notes(self, turn: Turn | None, why: bool = True) -> None:
        if turn is None:
            return
        if turn.partial:
            self.add_note(turn_notes.partial_note(turn.error if why else None), turn.number,
                          style="bold yellow")
        if note := turn_notes.stats_note(turn.stop_reason, turn.stats):
            self.add_note(note, turn.number)

    def note(self, text: str, style: str = "dim italic") -> None:
        self.add_note(text, self.last_turn, style)

    def failed(self, kind: str, message: str, hint: str | None, log_tail) -> None:
        if hint and hint.startswith("log:"):
            hint = None  # the log is what F3 shows; other hints (commands to run) are kept
        self.note(f"error ({kind}): {message}" + (f" ({hint})" if hint else ""), "bold red")
        for line in list(log_tail)[-5:]:
            self.note(f"  {line}", "red")
        self.note(turn_notes.RECOVER.get(kind, kind), "italic")

    def restore(self, transcript: Transcript, resumed: bool, marks: dict) -> None:
        """A resumed chat: every turn with its notes (partial answers marked) and the
        grounding `marks` (turn -> Grounding) the screen computed."""
        for turn in transcript.turns:
            self.queued(turn.number, turn.question, "")
            if turn.answer:
                self.begin_answer(turn.number)
                self.append(turn.answer)
                self.end_answer()
                self.show_marks(turn, marks.get(turn.number))
            self.turn_notes(turn)
        if resumed:
            self.note(f"(resumed chat {transcript.chat_id})")  # the recap notice follows
            for problem in transcript.problems:
                self.note(f"(skipped in the chat file: {problem})", "yellow")
