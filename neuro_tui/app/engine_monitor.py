"""The engine's figures beside the chat: the model pane and the timing overlay (F2).

Not drawn itself: it owns the one periodic job of the chat screen (llama-cli's RSS/CPU,
sampled also between turns, for the idle CPU), the load clock and the throttle of the
overlay's live figures while an answer streams. Bound to the ChatScreen's `engine`,
`prefill` and `job_note`; the screen calls `show()` after each ChatService event.
"""

from __future__ import annotations

import time

from textual.reactive import reactive
from textual.widget import Widget

from neuro_tui.app.model_pane import ModelPane
from neuro_tui.app.prefill_clock import PrefillClock
from neuro_tui.app.timing_overlay import TimingOverlay

SAMPLE_S = 0.5  # RSS/CPU
LIVE_S = 0.25  # the overlay's live figures, at most this often while an answer streams


class EngineMonitor(Widget):
    DEFAULT_CSS = "EngineMonitor { display: none; }"

    engine: reactive[str] = reactive("starting", init=False)
    prefill: reactive[PrefillClock | None] = reactive(None, init=False)
    job_note: reactive[str] = reactive("", init=False)  # a download's or build's last line

    def __init__(self, service, config) -> None:
        super().__init__()
        self.service, self.config = service, config
        self._started_at: float | None = None
        self._live_at = 0.0

    def on_mount(self) -> None:
        self.screen.query_one(TimingOverlay).display = False  # F2 shows it
        self.set_interval(SAMPLE_S, self.sample)

    def watch_engine(self, state: str) -> None:
        if state == "loading":
            self._started_at = time.monotonic()

    def watch_job_note(self) -> None:
        self.show()

    def sample(self) -> None:
        """The one periodic job: llama-cli's RSS/CPU, also between turns (idle CPU)."""
        session = self.service.session
        if session is not None and hasattr(session, "sample_process"):
            session.sample_process()
        self.show()

    def streamed(self) -> None:
        """Answer text arrived: live figures in the overlay, at most every LIVE_S."""
        if time.monotonic() - self._live_at > LIVE_S:
            self._live_at = time.monotonic()
            self.show(models=False)

    def toggle_timing(self) -> None:
        overlay = self.screen.query_one(TimingOverlay)
        overlay.display = not overlay.display
        self.show(models=False)

    def show(self, models: bool = True) -> None:
        session = self.service.session
        spec, stats = getattr(session, "spec", None), getattr(session, "stats", None)
        self.screen.query_one(TimingOverlay).show(stats, self.engine, self.prefill)
        if not models:
            return
        note = "" if spec is not None else f"(model: {self.config.model})"
        if self.engine == "loading" and self._started_at is not None:
            note = f"{time.monotonic() - self._started_at:.0f} s"
        self.screen.query_one(ModelPane).show(spec, self.engine, stats, note, self.job_note)
