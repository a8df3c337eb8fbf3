"""A message too long for the context: offer to add it to the local index instead.

The chat core refuses the message (its size vs the context); asking about the text then
works the way documents do: retrieval finds its best passages, numbered and cited.
"""

from __future__ import annotations

import time
from pathlib import Path

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Footer, Static

from neuro_tui import paths


class PasteOffer(ModalScreen[bool]):
    """Dismisses with True when the user wants the pasted text indexed."""

    BINDINGS = [
        Binding("enter,y", "dismiss(True)", "Add to the index"),
        Binding("escape,n", "dismiss(False)", "No"),
    ]

    def __init__(self, tokens: int | None, ctx_size: int | None, chars: int) -> None:
        super().__init__()
        self.tokens, self.ctx_size, self.chars = tokens, ctx_size, chars

    def compose(self) -> ComposeResult:
        size = f"about {self.tokens:,} tokens" if self.tokens else f"{self.chars:,} characters"
        context = f"{self.ctx_size:,}" if self.ctx_size else "the"
        text = Text()
        text.append(f"This message is {size} ({self.chars:,} characters); the model's context "
                    f"holds {context} tokens, so it was not sent.\n\n")
        text.append("Add the text to the local index as a source instead? Then ask about it: "
                    "the answer cites its passages.\n\n")
        text.append("Enter", style="bold")
        text.append(" add it   ")
        text.append("Esc", style="bold")
        text.append(" keep chatting")
        with Vertical(id="paste-box") as box:
            box.border_title = "Message too long"
            yield Static(text)
        yield Footer()


def index_text(text: str, config, report) -> tuple[bool, str]:
    """Runs in a thread: the text as a file in the data dir, indexed into the configured
    index (or the default one, which is then switched on for this chat)."""
    from neuro_tui.errors import NeuroError
    from neuro_tui.retrieval.indexer import index_paths

    folder = paths.data_dir() / "pastes"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"paste-{time.strftime('%Y%m%d-%H%M%S')}.md"
    path.write_text(text, encoding="utf-8")
    storage = config.storage or str(paths.index_dir())
    report(f"indexing the pasted text ({len(text):,} characters)…")
    try:
        result = index_paths(Path(storage), [path])
    except (NeuroError, OSError, ValueError) as error:
        return False, f"could not index the pasted text: {error}"
    if not config.storage:
        config.set("storage", storage, "pasted text")
    return True, (f"added the pasted text to the local index ({result.passages} passages, "
                  f"{path.name}): ask about it")


def offer_to_index(screen, event) -> None:
    """After a MessageRefused(too_long): nothing was sent, the chat goes on. The paste can
    be added to the local index instead (and then asked about with citations), or go back
    into the input to be shortened: nothing is lost."""
    from neuro_tui.app.chat_input import ChatInput
    from neuro_tui.app.jobs import Jobs

    def chosen(add: bool | None) -> None:
        if add:
            screen.query_one(Jobs).index_paste(event.text, screen.config)
        else:
            screen.query_one(ChatInput).load_text(event.text)

    screen.app.push_screen(PasteOffer(event.tokens, event.ctx_size, len(event.text)), chosen)
