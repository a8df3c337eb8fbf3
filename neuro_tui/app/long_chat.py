"""The long-conversation actions of the chat screen (issue 16), kept out of ChatScreen:
the line that marks where turns left the model's view, the selection screen, and fork.

Plain functions the ChatScreen calls with its own state (no mixin, no state here)."""

from __future__ import annotations

from neuro_tui.chat import events as ev
from neuro_tui.chat.keep_turns import spans


def dropped_note(event: ev.TurnsDropped) -> str:
    """The mark in the chat pane; the turns themselves stay on screen and in the file."""
    parts = []
    if event.dropped:
        parts.append(f"turns {spans(event.dropped)} are no longer in the model's view")
    if event.summarised:
        parts.append(f"turns {spans(event.summarised)} only by their question")
    why = "context full" if event.reason == "context" else "resumed within the prefill budget"
    return f"── {'; '.join(parts)} ({why}, policy {event.policy}) ──"


def open_selection(screen, dropped: frozenset[int] = frozenset()) -> None:
    """Select and copy over the chat; `f` there forks at the turn under the cursor."""
    from neuro_tui.app.selection_screen import SelectionScreen

    def chosen(result: tuple[str, int] | None) -> None:
        if result and result[0] == "fork":
            fork_at(screen, result[1])
        elif result and result[0] == "edit":
            edit_at(screen, result[1])

    screen.app.push_screen(SelectionScreen(screen.service.transcript, screen.selected_turn,
                                           dropped), chosen)


def edit_at(screen, turn: int) -> None:
    """Ask turn `turn` again, differently: a fork holding the turns before it, opened with
    that question in the input to edit (the original chat keeps its answer)."""
    chosen = screen.service.transcript.at(turn)
    if chosen is None:
        return
    if turn == 1:
        screen.query_one("ChatInput").load_text(chosen.question)
        screen.notify("turn 1 has nothing before it: edit and send it in this chat")
        return
    old = screen
    if not fork_at(screen, turn - 1):
        return

    def fill(tries: int = 40) -> None:  # the fork's ChatScreen mounts after the switch
        new = old.app.screen
        if new is not old and hasattr(new, "service") and new.is_mounted:
            new.query_one("ChatInput").load_text(chosen.question)
        elif tries:
            old.app.set_timer(0.05, lambda: fill(tries - 1))

    old.app.call_later(fill)


def fork_at(screen, turn: int) -> bool:
    """A new chat holding turns 1..turn (the original untouched), opened in its place."""
    from neuro_tui.chat.fork import fork
    from neuro_tui.chat.store import read
    from neuro_tui.errors import NeuroError

    service = screen.service
    store = getattr(service, "store", None)
    if service.state == "answering":
        screen.notify("stop the answer first (Esc), then fork", severity="warning")
        return False
    if store is None or not store.path.exists():
        screen.notify("this chat is not saved yet: nothing to fork", severity="warning")
        return False
    try:
        made = fork(read(store.path), turn,
                    default_model=str(getattr(screen.config, "model", "auto")))
    except (NeuroError, OSError) as error:
        screen.notify(f"cannot fork: {error}", severity="error")
        return False
    if made.notice:
        screen.notify(made.notice, severity="warning", timeout=10)
    screen.notify(f"forked at turn {turn}: {made.saved.chat_id}")
    screen.app.switch_chat(made.saved.chat_id)
    return True
