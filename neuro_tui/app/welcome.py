"""The empty chat: what is loaded and the first keys to press.

At 80x24 the side panes are hidden, so this is the only place a newcomer learns which
model and runtime answer, how much context there is, and whether questions stay local.
"""

from __future__ import annotations

from pathlib import Path

from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

from neuro_tui.app.runtime_label import runtime_label
from neuro_tui.app.status_line import remote_engine
from neuro_tui.chat.transcript import Transcript

KEYS = [("Enter", "send"), ("F1", "all keys"), ("F2", "timing"), ("F4", "panes"),
        ("F5", "saved chats"), ("F8", "web"), ("F10", "model"), ("Ctrl+Q", "quit")]


def welcome_text(engine, state: str, config, web: bool, width: int = 80,
                 remote: bool = False) -> Text:
    """`engine`: the last EngineStarting/EngineReady event (None before the first);
    `remote`: the server engine is off this machine (shown red, like web search)."""
    t = Text()
    t.append("neuro-tui", style="bold")
    if remote:  # not private: say so first, not "local"
        t.append(" · a chat with a model on another machine\n\n", style="bold red")
    else:
        t.append(" · a private chat with a local model\n\n", style="dim")
    rows = []
    if engine is None:
        rows.append(("model", f"{config.model} ({state})"))
    elif engine.flavor == "server":  # the name the server reports (vLLM's hold a "/")
        rows.append(("model", f"{engine.model or '(the server chooses)'} ({state})"))
        rows.append(("runtime", f"server · {engine.runtime}"))
        if remote:
            rows.append(("", "not this machine: chats and sources are sent there"))
        rows.append(("context", f"{engine.ctx_size} tokens"))
    else:
        rows.append(("model", f"{Path(engine.model).name} ({state})"))
        rows.append(("runtime", f"{runtime_label(engine.runtime, engine.flavor)} · "
                                f"{engine.runtime}"))
        rows.append(("context", f"{engine.ctx_size} tokens"))
    if engine is None:
        rows.append(("context", f"{config.ctx_size} tokens"))
    rows.append(("local", f"on: {config.storage}" if config.storage
                 else "off (neuro-tui index DIR says how to use it)"))
    rows.append(("web", "ON: questions are sent to DuckDuckGo" if web
                 else "off: nothing leaves this machine (F8)"))
    for name, value in rows:
        t.append(f"{name:<9}", style="dim")
        red = (name == "web" and web) or (remote and name in ("runtime", ""))
        if 9 + len(value) > width and " · " in value:  # the path on a line of its own,
            value = value.replace(" · ", " ·\n" + " " * 9, 1)  # under the value, not at 0
        t.append(f"{value}\n", style="bold red" if red else "")
    t.append("\nType a question and press Enter.\n")
    column = 0
    for key, what in KEYS:  # lines broken by us: a key never parts from its label
        item = len(key) + 1 + len(what)
        if column and column + 2 + item > width:
            t.append("\n")
            column = 0
        elif column:
            t.append("  ")
            column += 2
        t.append(key, style="bold")
        t.append(f" {what}")
        column += item
    return t


class Welcome(Widget):
    """Shown while the transcript has no turn."""

    DEFAULT_CSS = "Welcome { height: auto; padding: 1 2; }"

    transcript: reactive[Transcript] = reactive(Transcript, init=False)
    engine: reactive[str] = reactive("starting", init=False, layout=True)
    web: reactive[bool] = reactive(False, init=False, layout=True)
    loaded = reactive(None, init=False, layout=True)  # EngineStarting | EngineReady

    def render(self) -> Text:
        return welcome_text(self.loaded, self.engine, self.app.config, self.web,
                            self.content_size.width or 80, bool(remote_engine(self.screen)))

    def watch_transcript(self, transcript: Transcript) -> None:
        self.display = not transcript.turns
