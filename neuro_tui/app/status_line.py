"""The one-line status under the chat: engine state, web/local badges, queue, problems."""

from __future__ import annotations

from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

from neuro_tui.chat.events import TurnStatus
from neuro_tui.chat.transcript import Transcript


class StatusLine(Widget):
    """Bound to the ChatScreen's state; renders Text (no markup from data)."""

    DEFAULT_CSS = "StatusLine { height: 1; }"

    engine: reactive[str] = reactive("starting", init=False)
    transcript: reactive[Transcript] = reactive(Transcript, init=False)
    selected_turn: reactive[int | None] = reactive(None, init=False)
    web: reactive[bool] = reactive(False, init=False)
    problem: reactive[str] = reactive("", init=False)

    def render(self) -> Text:
        t = Text()
        t.append(f" {self.engine} ", style="reverse")
        if self.web:
            t.append(" WEB: queries leave this machine ", style="bold reverse red")
        if self.app.config.storage:
            t.append(" local sources ", style="dim")
        t.append(f" {self.extra()}", style="italic")
        return t

    def extra(self) -> str:
        if self.problem:
            return self.problem
        waiting = sum(t.status is TurnStatus.QUEUED for t in self.transcript.pending)
        extra = f"{waiting} queued" if waiting > 0 else ""
        turn = self.transcript.at(self.selected_turn) if self.selected_turn else None
        side = self.screen.query("#side")
        if turn is not None and turn.sources and side and not side.first().display:
            n = len(turn.sources)
            extra = f"{n} source{'' if n == 1 else 's'} (F4 shows them) {extra}"
        return extra.strip()
