"""Prefill while typing, the screen half (issue 15): when typing pauses, warm the server.

Not drawn: it owns the "prefill" worker (one at a time, a newer pause replaces it) and the
short wait after an answer ends. The ChatScreen hands it the input's pauses
(ChatInput.Paused) and the end of each turn; chat/prefill.py does the work (retrieval for
the text so far, then `session.warm`) and decides again whether a warm can run at all.
"""

from __future__ import annotations

from textual.widget import Widget

from neuro_tui.chat import prefill as core

RETRY_S = 0.05


class TypingWarm(Widget):
    DEFAULT_CSS = "TypingWarm { display: none; }"

    def __init__(self, service, config) -> None:
        super().__init__()
        self.service, self.config = service, config

    def paused(self, text: str) -> None:
        """Only the server engine can be warmed, only with sources on, only when idle."""
        service = self.service
        if (service.state == "ready" and getattr(service.session, "warm", None) is not None
                and (self.config.storage or service.web)):
            self.run_worker(core.prefill(service, text), group="prefill", exclusive=True,
                            exit_on_error=False)

    def answer_ended(self, typed: str, tries: int = 20) -> None:
        """A question typed while the answer ran is warmed once the service is idle again
        ("ready" a moment after TurnEnded reached the screen); more typing meanwhile warms
        on its own pause."""
        if self.screen.query_one("ChatInput").text != typed or not typed.strip():
            return
        if self.service.state == "answering" and tries:
            self.set_timer(RETRY_S, lambda: self.answer_ended(typed, tries - 1))
        else:
            self.paused(typed)
