"""The Textual app: global keys, themes and the config. The chat itself is a ChatScreen.

The App holds no chat state: ChatScreen (app/chat_screen.py) owns the ChatService and the
transcript. `create_app` is the factory the CLI and the tests call (tests pass a temporary
config, their own engine factory and retriever).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual.app import App, SystemCommand
from textual.binding import Binding

from neuro_tui.app.chat_screen import ChatScreen
from neuro_tui.errors import NeuroError


class NeuroApp(App):
    CSS_PATH = "app.tcss"
    TITLE = "neuro-tui"
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (100, "-wide")]
    BINDINGS = [
        Binding("ctrl+q", "quit", "Quit", priority=True),
        Binding("f1", "help", "Help"),
        Binding("ctrl+t", "next_theme", "Theme", show=False),
    ]

    def __init__(self, config, open_chat: Callable[..., ChatScreen], *,
                 theme_name: str, resume: str | None = None) -> None:
        super().__init__()
        self.config = config
        self._open_chat = open_chat
        self._theme_name = theme_name
        self._resume = resume

    @property
    def chat(self) -> ChatScreen:
        """The chat screen (under any modal shown over it)."""
        return next(s for s in reversed(self.screen_stack) if isinstance(s, ChatScreen))

    def on_mount(self) -> None:
        from neuro_tui.app import themes

        for theme in themes.load_themes():
            self.register_theme(theme)
        self.theme = self._theme_name if self._theme_name in self.available_themes \
            else "neuro-dark"
        self.push_screen(self._open_chat(self._resume))

    def switch_chat(self, chat_id: str, turn: int | None = None) -> None:
        """A saved chat in place of the current one (F5; a search result opens it at
        `turn`); a bad file is a line, never an exit: the current chat stays."""
        try:
            screen = self._open_chat(chat_id, turn)
        except (NeuroError, OSError, ValueError) as error:
            self.notify(f"cannot open chat {chat_id}: {error}", severity="error")
            return
        self.switch_screen(screen)

    def get_system_commands(self, screen):
        """Every action in the command palette (Ctrl+P), not only Textual's defaults."""
        yield from super().get_system_commands(screen)
        owners = [(self, self.BINDINGS), (screen, getattr(screen, "BINDINGS", []))]
        for owner, bindings in owners:
            for binding in bindings:
                if binding.action in ("quit", "stop_or_hint") or (
                        owner is screen and binding.action.startswith("app.")):
                    continue  # app.* on a screen repeat the App's own (listed once)
                yield SystemCommand(f"{binding.description} ({binding.key})",
                                    f"{binding.description}: {binding.key}",
                                    lambda a=binding.action, o=owner: o.run_action(a))

    def watch_theme(self, name: str) -> None:
        from neuro_tui.app import themes

        themes.remember_theme(name)
        for screen in self.screen_stack:  # App.query would only see the default screen
            for log in screen.query("MarkdownLog"):
                if log.is_mounted:
                    log.rerender()

    def action_help(self) -> None:
        from neuro_tui.app.help_screen import HelpScreen

        self.push_screen(HelpScreen())

    def action_next_theme(self) -> None:
        names = sorted(self.available_themes)
        self.theme = names[(names.index(self.theme) + 1) % len(names)]
        self.notify(f"theme: {self.theme}")


def create_app(config, session_factory: Callable[[Any], Any] | None = None, *,
               retriever: Callable[..., Any] | None = None, resume: str | None = None,
               persist: bool = True) -> NeuroApp:
    """Build the app. `resume` is a saved chat's id (or "last"): an unknown one raises
    MissingError here, before the screen takes over the terminal."""
    from neuro_tui.app import themes
    from neuro_tui.app.wiring import prepare_child_processes
    from neuro_tui.chat import store as chat_store
    from neuro_tui.chat.service import ChatService

    prepare_child_processes()
    if resume:
        resume = chat_store.find(resume).chat_id

    def open_chat(chat_id: str | None, at_turn: int | None = None) -> ChatScreen:
        saved = chat_store.find(chat_id) if chat_id else None
        store = None
        if persist:
            store = chat_store.ChatStore.open(saved.path, saved.transcript.title) if saved \
                else chat_store.ChatStore.create(model=str(config.model))
        transcript = saved.transcript if saved else (store.transcript() if store else None)
        service = ChatService(config, session_factory=session_factory, retriever=retriever,
                              store=store, transcript=transcript)
        return ChatScreen(service, config, resumed=saved is not None, at_turn=at_turn)

    return NeuroApp(config, open_chat, theme_name=themes.initial_theme(config), resume=resume)
