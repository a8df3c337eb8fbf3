"""Chat sessions on disk: one append-only JSONL file per chat, no UI.

Why JSONL: every record is appended as it happens (user message, answer fragments, the
end of a turn), so a killed app loses at most the bytes not yet flushed; we fsync at turn
boundaries only, because an fsync per token would cost more than the token. Renames are
appended too, so no record is ever rewritten.
"""

from __future__ import annotations

import json
import os
import re
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from neuro_tui import paths
from neuro_tui.errors import MissingError


@dataclass
class Message:
    role: str  # "user" | "assistant"
    content: str
    sources: list[dict[str, Any]] = field(default_factory=list)
    stats: dict[str, Any] | None = None
    stop_reason: str | None = None


@dataclass
class SessionInfo:
    id: str
    title: str
    created: float
    model: str
    path: Path
    messages: list[Message] = field(default_factory=list)

    @property
    def updated(self) -> float:
        try:
            return self.path.stat().st_mtime
        except OSError:
            return self.created


class SessionWriter:
    """Appends records to one session file; `end_turn` fsyncs."""

    def __init__(self, info: SessionInfo, meta: dict[str, Any] | None = None):
        self.info = info
        self._meta = meta  # written with the first record: an unused chat leaves no file
        self._file = None

    @classmethod
    def create(cls, model: str = "", title: str = "") -> SessionWriter:
        sid = time.strftime("%Y%m%d-%H%M%S") + "-" + uuid.uuid4().hex[:6]
        info = SessionInfo(sid, title, time.time(), model, paths.sessions_dir() / f"{sid}.jsonl")
        return cls(info, {"type": "meta", "id": sid, "title": title, "created": info.created,
                          "model": model})

    @classmethod
    def resume(cls, info: SessionInfo) -> SessionWriter:
        return cls(info)

    def _append(self, record: dict[str, Any]) -> None:
        if self._file is None:
            self.info.path.parent.mkdir(parents=True, exist_ok=True)
            self._file = open(self.info.path, "a", encoding="utf-8")  # noqa: SIM115
            if self._meta is not None:
                meta, self._meta = self._meta, None
                self._append(meta)
        record.setdefault("ts", time.time())
        self._file.write(json.dumps(record, ensure_ascii=False) + "\n")
        self._file.flush()

    def _sync(self) -> None:
        self._file.flush()
        os.fsync(self._file.fileno())

    def user(self, text: str) -> None:
        if not self.info.title:
            self.rename(text.strip().splitlines()[0][:60] if text.strip() else "chat")
        self._append({"type": "user", "content": text})
        self._sync()

    def sources(self, sources: list[dict[str, Any]]) -> None:
        self._append({"type": "sources", "sources": sources})

    def delta(self, text: str) -> None:
        if text:
            self._append({"type": "delta", "text": text})

    def end_turn(self, stop_reason: str, stats: dict[str, Any] | None = None) -> None:
        self._append({"type": "end", "stop_reason": stop_reason, "stats": stats})
        self._sync()

    def set_model(self, model: str) -> None:
        if model and model != self.info.model:
            self.info.model = model
            if self._meta is not None:
                self._meta["model"] = model
            else:
                self._append({"type": "model", "model": model})

    def rename(self, title: str) -> None:
        self.info.title = title
        self._append({"type": "rename", "title": title})

    def close(self) -> None:
        if self._file is not None and not self._file.closed:
            self._sync()
            self._file.close()


def load(path: Path) -> SessionInfo:
    """Rebuild a chat from its records; a torn last line (killed mid-write) is skipped."""
    info = SessionInfo(path.stem, "", path.stat().st_mtime, "", path)
    answer: Message | None = None
    pending_sources: list[dict[str, Any]] = []
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        try:
            rec = json.loads(line)
        except json.JSONDecodeError:
            continue
        kind = rec.get("type")
        if kind == "meta":
            info.title, info.model = rec.get("title", ""), rec.get("model", "")
            info.created = rec.get("created", info.created)
        elif kind == "model":
            info.model = rec.get("model", info.model)
        elif kind == "rename":
            info.title = rec.get("title", info.title)
        elif kind == "user":
            answer = None
            info.messages.append(Message("user", rec.get("content", "")))
        elif kind == "sources":
            pending_sources = list(rec.get("sources", []))
        elif kind == "delta":
            if answer is None:
                answer = Message("assistant", "", pending_sources)
                pending_sources = []
                info.messages.append(answer)
            answer.content += rec.get("text", "")
        elif kind == "end":
            if answer is None:
                answer = Message("assistant", "", pending_sources)
                info.messages.append(answer)
            answer.stats, answer.stop_reason = rec.get("stats"), rec.get("stop_reason")
            answer, pending_sources = None, []
    return info


def list_sessions() -> list[SessionInfo]:
    """Newest first."""
    folder = paths.sessions_dir()
    found = [load(p) for p in folder.glob("*.jsonl")] if folder.is_dir() else []
    return sorted(found, key=lambda s: (s.updated, s.id), reverse=True)


def find(session_id: str) -> SessionInfo:
    """By exact id, unique prefix, or "last"."""
    sessions = list_sessions()
    if session_id == "last":
        if not sessions:
            raise MissingError("no saved chats yet")
        return sessions[0]
    matches = [s for s in sessions if s.id == session_id] or [
        s for s in sessions if s.id.startswith(session_id)]
    if len(matches) != 1:
        raise MissingError(f"no saved chat {session_id!r}" if not matches
                           else f"{session_id!r} matches {len(matches)} chats",
                           hint="see `neuro-tui sessions list`")
    return matches[0]


def delete(session_id: str) -> SessionInfo:
    info = find(session_id)
    info.path.unlink()
    return info


def rename(session_id: str, title: str) -> None:
    writer = SessionWriter.resume(find(session_id))
    writer.rename(title)
    writer.close()


def recap(messages: list[Message], limit: int = 1500) -> str:
    """A short transcript for the system prompt of a restarted model (newest turns kept)."""
    lines = [f"{m.role}: {' '.join(m.content.split())}" for m in messages if m.content]
    text = "\n".join(lines)
    return text[-limit:]


def export_markdown(info: SessionInfo) -> str:
    """The chat as Markdown; each answer's [n] markers become footnotes with its sources."""
    out = [f"# {info.title or info.id}", "",
           f"*{time.strftime('%Y-%m-%d %H:%M', time.localtime(info.created))}"
           + (f" · {info.model}*" if info.model else "*"), ""]
    for turn, msg in enumerate(info.messages, 1):
        if msg.role == "user":
            out += ["## You", "", msg.content, ""]
            continue
        body = re.sub(r"\[(\d+)\]", lambda m, t=turn: f"[^{t}-{m.group(1)}]", msg.content)
        out += ["## Assistant", "", body, ""]
        for i, src in enumerate(msg.sources, 1):
            n = src.get("n", i)
            where = src.get("location") or src.get("url") or src.get("path") or ""
            out.append(f"[^{turn}-{n}]: {src.get('title', '')} {where}".rstrip())
        if msg.sources:
            out.append("")
    return "\n".join(out)
