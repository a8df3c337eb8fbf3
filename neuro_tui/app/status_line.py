"""The one-line status under the chat: engine state, web/local/privacy badges, the prefill
countdown, queue, problems."""

from __future__ import annotations

from urllib.parse import urlsplit

from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

from neuro_tui.app.prefill_clock import PrefillClock
from neuro_tui.chat.events import TurnStatus
from neuro_tui.chat.transcript import Transcript

TICK_S = 0.25  # the countdown's refresh while llama-cli reads the prompt


def privacy_badges(config) -> list[tuple[str, str]]:
    """What the web side may reach, when it differs from the default (DuckDuckGo, public
    hosts only)."""
    badges = []
    if str(getattr(config, "web_provider", "") or "").lower() == "searxng":
        badges.append((" searxng ", "reverse"))
    if getattr(config, "allow_private_hosts", False) or getattr(config, "allow_private", False):
        badges.append((" private hosts allowed ", "bold reverse yellow"))
    return badges


def remote_engine(screen) -> str | None:
    """The host of a server engine off this machine (its ServerSpec.endpoint.local is
    False), else None: every question, earlier turn and source is sent there."""
    spec = getattr(getattr(getattr(screen, "service", None), "session", None), "spec", None)
    endpoint = getattr(spec, "endpoint", None)
    if endpoint is None or endpoint.local:
        return None
    return urlsplit(endpoint.base).netloc or endpoint.base


class StatusLine(Widget):
    """Bound to the ChatScreen's state; renders Text (no markup from data)."""

    DEFAULT_CSS = "StatusLine { height: 1; }"

    engine: reactive[str] = reactive("starting", init=False)
    transcript: reactive[Transcript] = reactive(Transcript, init=False)
    selected_turn: reactive[int | None] = reactive(None, init=False)
    web: reactive[bool] = reactive(False, init=False)
    problem: reactive[str] = reactive("", init=False)
    prefill: reactive[PrefillClock | None] = reactive(None, init=False)

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._ticker = None

    def watch_prefill(self, clock: PrefillClock | None) -> None:
        """Count down only while llama-cli reads: no timer otherwise."""
        if clock is not None and self._ticker is None:
            self._ticker = self.set_interval(TICK_S, self.refresh)
        elif clock is None and self._ticker is not None:
            self._ticker.stop()
            self._ticker = None

    def render(self) -> Text:
        t = Text()
        t.append(f" {self.engine} ", style="reverse")
        if self.web:
            t.append(" WEB: queries leave this machine ", style="bold reverse red")
        if host := remote_engine(self.screen):
            t.append(f" SERVER {host}: chats leave this machine ", style="bold reverse red")
        for text, style in privacy_badges(self.app.config):
            t.append(text, style=style)
        if self.app.config.storage:
            t.append(" local sources ", style="dim")
        t.append(f" {self.extra()}", style="italic")
        return t

    def extra(self) -> str:
        if self.problem:
            return self.problem
        if self.prefill is not None:
            return self.prefill.line()
        waiting = sum(t.status is TurnStatus.QUEUED for t in self.transcript.pending)
        extra = f"{waiting} queued" if waiting > 0 else ""
        turn = self.transcript.at(self.selected_turn) if self.selected_turn else None
        side = self.screen.query("#side")
        if turn is not None and turn.sources and side and not side.first().display:
            n = len(turn.sources)
            extra = f"{n} source{'' if n == 1 else 's'} (F4 shows them) {extra}"
        return extra.strip()
