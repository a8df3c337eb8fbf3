"""The chat store: one append-only JSONL file per chat, holding exactly the Transcript.

Why JSONL: each ChatService event that changes the transcript is appended as it happens
(the question when it is queued, sources, answer fragments, the end of the turn), so a
killed app loses at most the bytes not yet flushed; we fsync at turn boundaries only (an
fsync per token would cost more than the token). Renames are appended too: no record is
ever rewritten. A file torn by a crash is terminated before anything is appended to it.
Reading a file is chat/chatfile.py; listing, finding and deleting the saved chats is
chat/saved_chats.py (re-exported here).
"""

from __future__ import annotations

import json
import os
import time
import uuid
from pathlib import Path
from typing import Any

from neuro_tui.chat import chatfile
from neuro_tui.chat.events import AnswerDelta, SourcesFound, TurnEnded, TurnQueued, TurnsDropped
from neuro_tui.chat.saved_chats import (  # noqa: F401 - the saved chats, read (F5, CLI)
    SavedChat,
    chats_dir,
    delete,
    find,
    list_chats,
    read,
)
from neuro_tui.chat.transcript import Transcript

load = chatfile.load


class ChatStore:
    """Appends one chat's records; a chat with no turn leaves no file."""

    def __init__(self, path: Path, meta: dict[str, Any] | None = None, title: str = ""):
        self.path = path
        self.chat_id = path.stem
        self.title = title
        self._meta = meta  # written with the first record
        self._file = None
        self._held: list[dict[str, Any]] = []  # marks written with the next record
        self._texts: dict[int, list[str]] = {}  # turn -> question, answer pieces (search)
        self._indexed = (_state(path), title)  # file state and title the index should hold
        self.index_update = None  # Future of the last turn's search_update (benchmarks)
        self.index_turns = True  # False: a writer of many turns at once (fork) indexes once

    @classmethod
    def create(cls, model: str = "", title: str = "", folder: Path | None = None,
               context_policy: str = "") -> ChatStore:
        chat_id = time.strftime("%Y%m%d-%H%M%S") + "-" + uuid.uuid4().hex[:6]
        path = (folder or chats_dir()) / f"{chat_id}.jsonl"
        meta = {"type": "meta", "id": chat_id, "title": title, "created": time.time(),
                "model": model, "version": 2}
        if context_policy:
            meta["context_policy"] = context_policy
        return cls(path, meta, title)

    @classmethod
    def open(cls, path: Path, title: str = "") -> ChatStore:
        """Append to an existing chat (resume)."""
        return cls(path, None, title)

    def transcript(self) -> Transcript:
        """A new chat's empty transcript, with this store's id and metadata."""
        meta = self._meta or {}
        return Transcript(chat_id=self.chat_id, title=self.title, model=meta.get("model", ""),
                          created=meta.get("created", time.time()),
                          context_policy=meta.get("context_policy", ""))

    # -- writing -------------------------------------------------------------------------
    def record(self, event: object) -> None:
        """Persist what `event` changes in the transcript (other events are not stored)."""
        if isinstance(event, TurnQueued):
            if not self.title:
                first = event.question.strip().splitlines()
                self.rename(first[0][:60] if first else "chat")
            self._append({"type": "user", "turn": event.turn, "content": event.question})
            self._texts[event.turn] = [event.question]
            self._sync()
        elif isinstance(event, SourcesFound):
            self._append({"type": "sources", "turn": event.turn,
                          "sources": [s.as_json() for s in event.sources]})
        elif isinstance(event, AnswerDelta):
            if event.text:
                self._append({"type": "delta", "turn": event.turn, "text": event.text})
                self._texts.get(event.turn, []).append(event.text)
        elif isinstance(event, TurnsDropped):  # held: resuming to read writes nothing
            self._held.append({"type": "dropped", "turn": event.turn,
                               "dropped": list(event.dropped),
                               "summarised": list(event.summarised), "kept": list(event.kept),
                               "policy": event.policy, "reason": event.reason})
        elif isinstance(event, TurnEnded):
            self._append({"type": "end", "turn": event.turn, "status": event.status.value,
                          "stop_reason": event.stop_reason, "stats": event.stats,
                          "partial": event.partial, "error": event.error})
            self._sync()
            self._index(event.turn)

    def set_model(self, model: str) -> None:
        if self._meta is not None:
            self._meta["model"] = model
        elif model:
            self._append({"type": "model", "model": model})

    def set_policy(self, name: str) -> None:
        """The chat's context policy (restored on resume and fork)."""
        if self._meta is not None:
            self._meta["context_policy"] = name
        else:
            self._append({"type": "policy", "policy": name})

    def rename(self, title: str) -> None:
        self.title = title
        self._append({"type": "rename", "title": title})

    def close(self) -> None:
        if self._file is not None and not self._file.closed:
            self._sync()
            self._file.close()

    def _append(self, record: dict[str, Any]) -> None:
        if self._file is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._file = open(self.path, "a+b")  # noqa: SIM115 - kept open for the chat
            self._terminate_torn_line()
            if self._meta is not None:
                meta, self._meta = self._meta, None
                self._write(meta)
        while self._held:
            self._write(self._held.pop(0))
        self._write(record)

    def _write(self, record: dict[str, Any]) -> None:
        record.setdefault("ts", time.time())
        self._file.write(json.dumps(record, ensure_ascii=False).encode("utf-8") + b"\n")
        self._file.flush()

    def _terminate_torn_line(self) -> None:
        """A crash mid-write leaves a last line without its newline: the next record must
        not be glued onto it (readers report the torn one and keep ours)."""
        end = self._file.seek(0, os.SEEK_END)
        if end:
            self._file.seek(end - 1)
            if self._file.read(1) != b"\n":
                self._file.write(b"\n")

    def _index(self, number: int | None) -> None:
        """Hand the ended turn (None: the whole chat) to the chat search index, when there
        is one: chat/search_update.py, a background thread."""
        texts = self._texts.pop(number, None) if number is not None else None
        if number is not None and not self.index_turns:
            return
        if not (self.path.parent.parent / "chat-index" / "neuro-chat-index").exists():
            return
        from neuro_tui.chat import search_update

        before, title = self._indexed
        if texts is None or (before is not None and title != self.title):
            before = search_update.FORCE_FULL  # a turn we did not see whole, or a rename
        after = _state(self.path)
        self._indexed = (after, self.title)
        question, answer = (texts[0], "".join(texts[1:])) if texts else ("", "")
        self.index_update = search_update.turn_ended(search_update.EndedTurn(
            self.path, number or 0, self.title, question, answer, before, after))

    def index_whole_chat(self) -> None:
        """One search-index update for all that was written (with index_turns False)."""
        if self._file is not None:
            self._sync()
        self._index(None)

    def _sync(self) -> None:
        self._file.flush()
        os.fsync(self._file.fileno())


def _state(path: Path) -> tuple[int, int] | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return st.st_mtime_ns, st.st_size


def rename(chat_id: str, title: str) -> None:
    """Retitle a saved chat: a rename record appended, nothing rewritten."""
    store = ChatStore.open(find(chat_id).path)
    store.rename(title)
    store.close()
