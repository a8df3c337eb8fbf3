"""Fork a saved chat at a turn: a new chat file holding turns 1..N, the original untouched.

Why a new file written from the Transcript (not a copy of the bytes): the fork holds exactly
what the loader found valid (a damaged original forks cleanly), and its meta line records
where it came from (`forked_from`), which listings show as "forked from ...". The model is
told the kept turns the usual way: a ChatService over the fork's transcript gives them as
its recap (ChatService(transcript=made.saved.transcript, store=ChatStore.open(
made.saved.path, made.saved.transcript.title)): without the title the store would retitle
the fork after its next question).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from neuro_tui.chat import events as ev
from neuro_tui.chat.saved_chats import SavedChat, read
from neuro_tui.chat.store import ChatStore
from neuro_tui.errors import UsageError
from neuro_tui.textsafe import one_line


@dataclass(frozen=True)
class Fork:
    saved: SavedChat  # the new chat
    source_id: str
    turn: int
    model: str  # what the fork will use
    notice: str | None = None  # e.g. the original's model file is gone


def fork(original: SavedChat, upto: int, folder: Path | None = None,
         default_model: str = "auto", models_dir: Path | None = None) -> Fork:
    """A new chat with `original`'s turns 1..`upto` (finished ones only)."""
    transcript = original.transcript
    kept = [t for t in transcript.turns if t.number <= upto and t.finished]
    if not kept or transcript.at(upto) is None:
        numbers = [t.number for t in transcript.turns]
        raise UsageError(f"cannot fork at turn {upto}: the chat has turns "
                         + (f"{numbers[0]}-{numbers[-1]}" if numbers else "none"))
    model, notice = model_for(transcript.model, default_model, models_dir)
    title = one_line(transcript.title or "chat", 50) + f" (fork at turn {upto})"
    store = ChatStore.create(model=model, title=title, folder=folder or original.path.parent,
                             context_policy=transcript.context_policy)  # the chat's choice
    store._meta["forked_from"] = {"id": original.chat_id, "turn": upto,  # noqa: SLF001
                                  "title": transcript.title}
    store.rename(title)
    store.index_turns = False  # one search-index update for the fork, not one per turn
    for turn in kept:
        store.record(ev.TurnQueued(turn.number, turn.question))
        if turn.sources:
            store.record(ev.SourcesFound(turn.number, turn.sources))
        store.record(ev.AnswerDelta(turn.number, turn.answer))
        store.record(ev.TurnEnded(turn.number, turn.status, turn.stop_reason or "eos",
                                  turn.stats, turn.partial, turn.error))
    store.index_whole_chat()
    store.close()
    return Fork(read(store.path), original.chat_id, upto, model, notice)


def forked_from(path: Path) -> dict | None:
    """{"id", "turn", "title"} when the chat in `path` is a fork (read from its meta line)."""
    try:
        with open(path, "rb") as f:
            first = json.loads(f.readline() or b"{}")
    except (OSError, ValueError):
        return None
    origin = first.get("forked_from") if isinstance(first, dict) else None
    return origin if isinstance(origin, dict) and isinstance(origin.get("id"), str) else None


def describe(path: Path) -> str:
    """ "forked from <id> at turn N" or "" (for listings)."""
    origin = forked_from(path)
    if origin is None:
        return ""
    return f"forked from {one_line(origin['id'], 40)} at turn {origin.get('turn', '?')}"


def model_for(model: str, default_model: str, models_dir: Path | None = None
              ) -> tuple[str, str | None]:
    """(the model the fork uses, a notice): the chat's own model while it can be found,
    else the default, saying so."""
    if model and model_exists(model, models_dir):
        return model, None
    gone = one_line(Path(model).name if "/" in model else model, 60) or "(not recorded)"
    return default_model, (f"the model of this chat, {gone}, is gone: the fork uses the "
                           f"default model ({default_model}); choose another in the model "
                           "screen (F10) or with --model")


def model_exists(model: str, models_dir: Path | None = None) -> bool:
    from neuro_tui import paths
    from neuro_tui.models.resolve import resolve_model

    try:
        resolve_model(model, models_dir)
        return True
    except Exception:  # unknown name or missing file: look for a file of that name
        folder = models_dir or paths.models_dir()
        stem = Path(model).stem if model.endswith(".gguf") else model
        return folder.is_dir() and any(p.stem == stem for p in folder.rglob("*.gguf"))
