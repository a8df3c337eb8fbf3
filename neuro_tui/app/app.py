"""The Textual app: three panes around one live llama-cli conversation.

Kept small: widgets live in their own modules, the turn logic in conversation.py, the
keyboard actions in actions.py. `create_app` is what the CLI and the tests call.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.css.query import NoMatches
from textual.widgets import Footer

from neuro_tui.app import messages as m
from neuro_tui.app.actions import Actions
from neuro_tui.app.chat_pane import ChatPane
from neuro_tui.app.conversation import Conversation
from neuro_tui.app.key_actions import KeyActions
from neuro_tui.app.model_pane import ModelPane
from neuro_tui.app.runtime_install import RuntimeInstall
from neuro_tui.app.sources_pane import SourcesPane
from neuro_tui.app.timing_overlay import TimingOverlay


class NeuroApp(Actions, KeyActions, RuntimeInstall, App):
    CSS_PATH = "app.tcss"
    TITLE = "neuro-tui"
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (100, "-wide")]
    BINDINGS = [
        Binding("ctrl+c", "stop_or_hint", "Stop", priority=True, show=False),
        Binding("escape", "stop", "Stop", show=False),
        Binding("ctrl+q", "quit", "Quit", priority=True),
        Binding("f1", "help", "Help"),
        Binding("f2", "toggle_timing", "Timing"),
        Binding("f3", "log", "Log"),
        Binding("f4", "toggle_side", "Panes"),
        Binding("f5", "sessions", "Sessions"),
        Binding("f6", "copy_answer", "Copy", show=False, priority=True),  # over TextArea f6
        Binding("f7", "copy_code", "Copy code", show=False, priority=True),
        Binding("f8", "toggle_web", "Web"),
        Binding("f9", "edit_last", "Edit last", show=False),
        Binding("ctrl+r", "regenerate", "Regenerate", show=False),
        Binding("ctrl+n", "restart", "Restart model", show=False),
        Binding("ctrl+t", "next_theme", "Theme", show=False),
        Binding("f10", "model_settings", "Model"),
        Binding("ctrl+g", "install_runtime", "Build llama-cli", show=False),
        Binding("shift+pageup", "scroll_transcript(-1)", "Scroll up", show=False),
        Binding("shift+pagedown", "scroll_transcript(1)", "Scroll down", show=False),
    ]

    def __init__(self, config, conversation_factory: Callable[[App], Conversation],
                 *, theme_name: str, resume=None) -> None:
        super().__init__()
        self.config = config
        self.conversation = conversation_factory(self)
        self._theme_name = theme_name
        self.resume = resume
        self.answers: dict[int, str] = {}
        self.sources: dict[int, list[m.SourceView]] = {}
        self.questions: dict[int, str] = {}
        self.finished: set[int] = set()  # turns whose answer ended (any stop reason)
        self.download_note = ""  # model download progress, shown in the model pane
        self.selected_turn: int | None = None
        self.error: str | None = None

    @property
    def session(self):
        return self.conversation.session

    @property
    def state_label(self) -> str:
        conv = self.conversation
        if conv.failed:
            return {"missing": "missing", "load": "load failed", "hang": "hung"}.get(
                conv.failed, "crashed")
        if conv.session is None:
            return "starting"
        state = getattr(conv.session, "state", None)
        return getattr(state, "value", str(state))

    def get_system_commands(self, screen):
        """Every action in the command palette (Ctrl+P), not only Textual's defaults."""
        from textual.app import SystemCommand

        yield from super().get_system_commands(screen)
        for binding in self.BINDINGS:
            if binding.action not in ("quit", "stop_or_hint"):
                yield SystemCommand(f"{binding.description} ({binding.key})",
                                    f"{binding.description}: {binding.key}",
                                    lambda a=binding.action: self.run_action(a))

    def compose(self) -> ComposeResult:
        with Horizontal(id="main"):
            yield ChatPane(id="chat")
            with Vertical(id="side"):
                yield ModelPane(id="model")
                yield SourcesPane(id="sources")
        yield TimingOverlay(id="timing")
        yield Footer()

    def on_mount(self) -> None:
        from neuro_tui.app import themes

        for theme in themes.load_themes():
            self.register_theme(theme)
        self.theme = self._theme_name if self._theme_name in self.available_themes \
            else "neuro-dark"
        self.query_one(TimingOverlay).display = False
        if not self.config.side_panes:
            self.screen.add_class("-hide-side")
        if self.resume is not None:
            self.restore(self.resume)
        self.refresh_panes()
        self.set_interval(0.5, self.refresh_panes)
        self.run_worker(self.conversation.start(), group="session", exclusive=True)

    def watch_theme(self, name: str) -> None:
        from neuro_tui.app import themes

        themes.remember_theme(name)
        for log in self.query("MarkdownLog"):
            if log.is_mounted:
                log.rerender()

    def refresh_panes(self) -> None:
        try:
            self._refresh_panes()
        except NoMatches:  # a timer firing while the app shuts down
            pass

    def _refresh_panes(self) -> None:
        conv = self.conversation
        chat = self.query_one(ChatPane)
        extra = f"{len(conv.queue)} queued" if conv.queue else ""
        shown = self.sources.get(self.selected_turn or 0)
        if shown and not self.query_one("#side").display:
            extra = f"{len(shown)} sources (F4 shows them) {extra}".strip()
        if self.error:
            extra = self.error
        chat.set_status(self.state_label, web=conv.web, storage=bool(self.config.storage),
                        extra=extra)
        spec = getattr(conv.session, "spec", None)
        stats = getattr(conv.session, "stats", None)
        if sample := getattr(conv.session, "sample_process", None):
            sample()  # between turns too, so an idle llama-cli shows its idle CPU
        note = "" if spec is not None else f"(model: {self.config.model})"
        if self.state_label == "loading" and conv.started_at is not None:
            note = f"{time.monotonic() - conv.started_at:.0f} s"
        self.query_one(ModelPane).show(spec, self.state_label, stats, note, self.download_note)

    async def on_unmount(self) -> None:
        await self.conversation.close()


def create_app(config, session_factory: Callable[[Any], Any] | None = None, *,
               retriever: Callable[..., Any] | None = None, resume: str | None = None,
               persist: bool = True) -> NeuroApp:
    """Build the app; tests pass a temp config and (optionally) their own session factory."""
    from neuro_tui import sessions
    from neuro_tui.app import themes
    from neuro_tui.app.wiring import (
        default_retriever,
        default_session_factory,
        prepare_child_processes,
    )

    prepare_child_processes()

    info = sessions.find(resume) if resume else None
    writer = None
    if persist:
        writer = sessions.SessionWriter.resume(info) if info else sessions.SessionWriter.create(
            model=str(config.model))
    factory = session_factory or default_session_factory
    retr = retriever if retriever is not None else default_retriever()
    def conversation(app: NeuroApp) -> Conversation:
        conv = Conversation(app, config, factory, retr, writer)
        conv.recap = sessions.recap(info.messages) if info else None
        return conv

    return NeuroApp(config, conversation, theme_name=themes.initial_theme(config), resume=info)
