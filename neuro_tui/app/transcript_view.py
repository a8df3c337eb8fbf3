"""The chat on screen: each Turn as question, streamed answer and the lines under it.

A MarkdownLog (design "c", app/markdown_log.py) that knows what a turn looks like: the
ChatScreen hands it the core's events (`show_event`, after it updated its own state) and
turns; it keeps the one answer that is open and which turns are on screen.
"""

from __future__ import annotations

from textual.reactive import reactive
from textual.strip import Strip

from neuro_tui.app import grounding_marks, log_selection, long_chat, turn_notes
from neuro_tui.app.markdown_log import MarkdownLog
from neuro_tui.chat import events as ev
from neuro_tui.chat.transcript import Transcript, Turn, drop_position


class TranscriptView(MarkdownLog):
    # the screen's selected turn (its sources are shown): an earlier one (a search result,
    # a click, [ / ] in the sources pane) has its question drawn in the selection colour
    selected_turn: reactive[int | None] = reactive(None, init=False)

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.open_turn: int | None = None  # the turn whose answer is streaming
        self.last_turn = 0  # notes without a turn go under the last one
        self.shown: set[int] = set()  # turns whose question is on screen
        self._said: tuple[int, str] | None = None  # the failed turn's error, just shown
        self._lit_rows: tuple[tuple, range] = ((), range(0))  # (key, question lines)

    def watch_selected_turn(self) -> None:
        self.refresh()

    def lit_rows(self) -> range:
        """The selected turn's question lines, when it is not the newest turn (that one is
        where the chat is anyway): found once per selection, width and line count."""
        turn = self.selected_turn
        if turn is None or turn == self.last_turn:
            return range(0)
        key = (turn, self._width, len(self._lines))
        if self._lit_rows[0] != key:
            self._lit_rows = (key, self._question_rows(turn))
        return self._lit_rows[1]

    def _question_rows(self, turn: int) -> range:
        owner, lines = self._owner, self._lines
        try:
            start = owner.index(turn)
        except ValueError:
            return range(0)
        while start < len(lines) and owner[start] == turn and not lines[start].text.strip():
            start += 1  # the gap above it
        end = start
        while end < len(lines) and owner[end] == turn and lines[end].text.strip():
            end += 1
        return range(start, end)

    def render_line(self, y: int) -> Strip:
        strip = super().render_line(y)
        if y in self.lit_rows():
            strip = log_selection.highlight(strip, (0, -1), self._selection_style())
        return strip

    def show_event(self, event: ev.ChatEvent, transcript: Transcript, marks: dict,
                   engine: str) -> None:
        """The lines a ChatService event adds (`engine`: the screen's state label)."""
        match event:
            case ev.EngineReady() if event.notice:
                self.note(f"({event.notice})")
            case ev.EngineFailed():
                self.failed(event.kind, event.message, event.hint, event.log_tail)
            case ev.TurnQueued():
                self.queued(event.turn, event.question,
                            turn_notes.queued_note(engine, event.waiting))
            case ev.MessageRefused():
                self.note(f"(not sent: {event.message})", "bold yellow")
            case ev.TurnEnded():
                self.ended(transcript.at(event.turn), marks.get(event.turn))
            case ev.TurnsDropped():
                self.note(long_chat.dropped_note(event), "bold yellow")
            case ev.Notice():
                for line in event.log_tail[-5:]:
                    self.note(f"  {line}", "red")

    def queued(self, turn: int, question: str, note: str) -> None:
        if turn in self.shown:  # submit() showed it before its TurnQueued came
            return
        self.shown.add(turn)
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
        if turn is not None and turn.error and not turn.partial:
            self._said = (turn.number, turn.error)  # an EngineFailed next need not repeat it

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
        elif turn.error and turn.status is ev.TurnStatus.FAILED:  # refused, nothing answered
            self.add_note(turn_notes.failed_note(turn.error), turn.number, style="bold red")
        if note := turn_notes.stats_note(turn.stop_reason, turn.stats):
            self.add_note(note, turn.number)

    def note(self, text: str, style: str = "dim italic") -> None:
        self.add_note(text, self.last_turn, style)

    def failed(self, kind: str, message: str, hint: str | None, log_tail) -> None:
        if hint and hint.startswith("log:"):
            hint = None  # the log is what F3 shows; other hints (commands to run) are kept
        said, self._said = self._said, None
        told = "" if said is not None and said[1] == message else f": {message}"
        self.note(f"error ({kind}){told}" + (f" ({hint})" if hint else ""), "bold red")
        for line in list(log_tail)[-5:]:
            self.note(f"  {line}", "red")
        self.note(turn_notes.RECOVER.get(kind, kind), "italic")

    def turn_line(self, turn: int) -> int | None:
        """The first line of turn `turn` (its question, after the gap above it)."""
        lines = self.text_lines()
        return next((y for y, owner in enumerate(self._owner)
                     if owner == turn and lines[y].strip()), None)

    def scroll_to_turn(self, turn: int) -> None:
        """Turn `turn`'s question at the top of the chat (the scroll's anchor to the end is
        released: it stays there until the user scrolls back down)."""
        line = self.turn_line(turn)
        if line is not None and self.parent is not None:
            self.parent.scroll_to(y=self.virtual_region.y + line, animate=False,
                                  immediate=True)

    def restore(self, transcript: Transcript, resumed: bool, marks: dict) -> None:
        """A resumed chat: every turn with its notes (partial answers marked) and the
        grounding `marks` (turn -> Grounding) the screen computed, and the saved marks of
        where turns left the model's view, each before the turn it was made for."""
        drops = sorted(transcript.drops, key=drop_position)  # stable: saved order kept
        for turn in transcript.turns:
            while drops and drop_position(drops[0]) <= turn.number:
                self.note(long_chat.dropped_note(drops.pop(0)), "bold yellow")
            self.queued(turn.number, turn.question, "")
            if turn.answer:
                self.begin_answer(turn.number)
                self.append(turn.answer)
                self.end_answer()
                self.show_marks(turn, marks.get(turn.number))
            self.turn_notes(turn)
        for mark in drops:  # a resume's mark: after the newest turn it planned
            self.note(long_chat.dropped_note(mark), "bold yellow")
        if resumed:
            self.note(f"(resumed chat {transcript.chat_id})")  # the recap notice follows
            for problem in transcript.problems:
                self.note(f"(skipped in the chat file: {problem})", "yellow")
