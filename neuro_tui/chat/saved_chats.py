"""The saved chats, as the F5 screen and `neuro-tui sessions` see them: listed newest
first, found by id, prefix or "last", deleted.

Why apart from the writer (chat/store.py): reading the folder never writes, and one bad
file never hides the others (it is listed with its problems, so it can still be deleted).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from neuro_tui import paths
from neuro_tui.chat.chatfile import load
from neuro_tui.chat.transcript import Transcript
from neuro_tui.errors import MissingError


def chats_dir() -> Path:
    return paths.sessions_dir()  # the folder kept its first name: old chats stay found


@dataclass(frozen=True)
class SavedChat:
    path: Path
    transcript: Transcript
    updated: float

    @property
    def chat_id(self) -> str:
        return self.path.stem


def read(path: Path) -> SavedChat:
    """One saved chat; a file that cannot be read at all becomes an empty chat whose
    problems say why (it is still listed, so it can be deleted)."""
    try:
        transcript, updated = load(path), path.stat().st_mtime
    except OSError as error:
        transcript = Transcript(chat_id=path.stem, problems=(f"unreadable: {error}",))
        updated = 0.0
    return SavedChat(path, transcript, updated)


def list_chats(folder: Path | None = None) -> list[SavedChat]:
    """Newest first; one bad file never hides the others."""
    folder = folder or chats_dir()
    found = [read(p) for p in folder.glob("*.jsonl")] if folder.is_dir() else []
    return sorted(found, key=lambda c: (c.updated, c.chat_id), reverse=True)


def find(chat_id: str) -> SavedChat:
    """By exact id, unique prefix, or "last"."""
    chats = list_chats()
    if chat_id == "last":
        if not chats:
            raise MissingError("no saved chats yet")
        return chats[0]
    matches = [c for c in chats if c.chat_id == chat_id] or [
        c for c in chats if c.chat_id.startswith(chat_id)]
    if len(matches) != 1:
        raise MissingError(f"no saved chat {chat_id!r}" if not matches
                           else f"{chat_id!r} matches {len(matches)} chats",
                           hint="see `neuro-tui sessions list`")
    return matches[0]


def delete(chat_id: str) -> SavedChat:
    chat = find(chat_id)
    chat.path.unlink()
    from neuro_tui.chat.slot_resume import forget

    forget(chat.chat_id)  # the server engine's saved state holds the chat's tokens too
    return chat

