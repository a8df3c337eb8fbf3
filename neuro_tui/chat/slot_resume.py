"""Fast resume on the server engine: llama-server's saved slot instead of a recap.

After each turn the server writes its slot (the chat's KV cache and tokens) to
`<chat id>.slot` in its --slot-save-path (engine/llama_server.slot_dir(): beside the chat
files), and we write `<chat id>.json` beside it: the message list that state belongs to
(system prompt, the turns sent, word for word as sent, and which turns were out). Resuming
the chat restores that slot and sends the same list, so the server reads only the new
question. When that cannot be done — no saved state for this chat, a server neuro-tui did
not start (it has no --slot-save-path), another model, or the restore fails — the chat
resumes with the recap (ChatService.recap, sized by the prefill-time budget) and a Notice
says why. Only the newest MAX_SAVED chats keep a saved state (SmolLM2: ~23 KB a token), and
a state whose chat file is gone is deleted.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from neuro_tui.atomic import write_private
from neuro_tui.chat import events as ev
from neuro_tui.chat import keep_turns
from neuro_tui.chat.message_list import applies, view
from neuro_tui.engine.events import Exchange

VERSION = 1
MAX_SAVED = 8


def _chat(service) -> tuple[str, Path] | None:
    """(chat id, state folder) when this chat's state can be saved on this server."""
    session, store = service.session, service.store
    folder = getattr(session, "slot_dir", None)
    chat_id = getattr(store, "chat_id", None)
    return (chat_id, Path(folder)) if folder and chat_id else None


def wanted(service) -> bool:
    """A saved chat starting on the server engine: try its saved state before a recap."""
    return (applies(service.engine.session) and not service.engine.started
            and bool(keep_turns.recappable(service.transcript.finished_turns)))


async def save(service):
    """Save the server's state of this chat (after a turn); a Notice the first time it
    fails (the chat goes on; only its next resume is slower)."""
    where = _chat(service)
    if where is None:
        return
    from neuro_tui.engine.server_state import StateError

    chat_id, folder = where
    session, v = service.session, view(service)
    try:
        figures = await session.save_state(f"{chat_id}.slot")
    except StateError as why:
        if not v.save_failed:
            v.save_failed = True
            yield ev.Notice(f"{why}: resuming this chat later will use a recap", "warning")
        return
    history = session.sent_history
    meta = {"version": VERSION, "model": str(session.spec.model),
            "ctx_size": session.stats.ctx_size, "system": session.system,
            "turns": [[n, e.user, e.answer, e.partial] for n, e in zip(v.numbers, history,
                                                                       strict=False)],
            "out": sorted(v.out), "tokens": figures.get("n_saved")}
    write_private(folder / f"{chat_id}.json", json.dumps(meta))
    try:
        os.chmod(folder / f"{chat_id}.slot", 0o600)  # it holds the chat's tokens
    except OSError:
        pass
    v.last_save = figures
    prune(folder, getattr(service.store, "path", None))


def prune(folder: Path, chat_file: Path | None) -> None:
    """Keep the newest MAX_SAVED states; drop those whose chat file was deleted."""
    chats = chat_file.parent if chat_file is not None else None
    states = sorted(folder.glob("*.slot"), key=lambda p: p.stat().st_mtime, reverse=True)
    kept = 0
    for state in states:
        gone = chats is not None and not (chats / f"{state.stem}.jsonl").exists()
        kept += not gone
        if gone or kept > MAX_SAVED:
            for path in (state, state.with_suffix(".json")):
                path.unlink(missing_ok=True)


def forget(chat_id: str) -> None:
    """Delete a chat's saved server state (the chat was deleted)."""
    from neuro_tui.engine.llama_server import slot_dir

    for suffix in (".slot", ".json"):
        (slot_dir() / f"{chat_id}{suffix}").unlink(missing_ok=True)


def _load(service, folder: Path, chat_id: str) -> dict:
    from neuro_tui.engine.server_state import StateError

    try:
        meta = json.loads((folder / f"{chat_id}.json").read_text())
    except (OSError, ValueError):
        meta = None
    if not isinstance(meta, dict) or not (folder / f"{chat_id}.slot").is_file():
        raise StateError("no saved server state for this chat")
    session = service.session
    if meta.get("version") != VERSION or meta.get("model") != str(session.spec.model):
        raise StateError(f"the saved server state is for another model "
                         f"({meta.get('model')!r})")
    if meta.get("ctx_size") != session.stats.ctx_size:
        raise StateError("the saved server state is for another context size")
    numbers = {t.number for t in service.transcript.turns}
    if not all(isinstance(t, list) and len(t) == 4 and t[0] in numbers for t in meta["turns"]):
        raise StateError("the saved server state does not match this chat's file")
    return meta


def _no_state_reason(session) -> str:
    """Why a server keeps no state of this chat: not ours, or ours but unsafe to ask."""
    if session.pid is not None:  # ours, started without --slot-save-path (server_binary)
        return (f"the llama-server at {session.url} (bitnet.cpp's build) cannot save a "
                "chat's state safely, so none was kept")
    return (f"{session.url} is not a server neuro-tui started, so it keeps no saved state "
            "of this chat")


async def resume(service):
    """Events of resuming this chat on the server engine: restored, or the recap."""
    from neuro_tui.engine.server_state import StateError

    session, v = service.session, view(service)
    if not applies(session):
        return
    where = _chat(service)
    try:
        if getattr(session, "slot_dir", None) is None:
            raise StateError(_no_state_reason(session))
        if where is None:
            raise StateError("this chat is not saved")
        meta = _load(service, where[1], where[0])
        figures = await session.restore_state(f"{where[0]}.slot")
    except StateError as why:
        async for event in _recap(service, str(why)):
            yield event
        return
    sent = [Exchange(user, answer, partial) for _, user, answer, partial in meta["turns"]]
    v.session, v.numbers, v.out = session, [t[0] for t in meta["turns"]], set(meta["out"])
    known = set(v.numbers) | v.out
    later = [t for t in keep_turns.recappable(service.transcript.finished_turns)
             if t.number not in known]  # turns the chat got elsewhere (llama-cli): send them
    sent += [Exchange(t.question, t.answer, t.partial) for t in later]
    v.numbers += [t.number for t in later]
    restored = figures.get("n_restored")
    v.changed = bool(later) or not isinstance(restored, int)
    if not v.changed:  # the server holds exactly this list: its size is known, nothing to count
        session.stats.ctx_used = restored
    session.set_history(sent, meta["system"])
    if v.out:  # left out by the context policy before the chat was closed, and still
        yield ev.TurnsDropped(None, tuple(sorted(v.out)), (), tuple(v.numbers),
                              getattr(service.policy, "name", ""), "context")
    ms = (figures.get("timings") or {}).get("restore_ms") or figures.get("wall_ms") or 0
    text = (f"resumed from the server's saved state ({figures.get('n_restored')} tokens read "
            f"back in {ms:.0f} ms): the model sees turns {keep_turns.spans(tuple(v.numbers))}"
            " as before")
    if v.out:
        text += f", not {keep_turns.spans(tuple(sorted(v.out)))}"
    yield ev.Notice(text, "info")


async def _recap(service, why: str):
    session, v = service.session, view(service)
    recap = service.recap()
    for event in getattr(service.policy, "pop_events", tuple)():
        yield event
    base = session.spec.params.system_prompt
    session.set_history([], f"{base}\n\n{recap}" if recap else base)
    done = keep_turns.recappable(service.transcript.finished_turns)
    v.session, v.numbers, v.out, v.changed = session, [], {t.number for t in done}, True
    told = getattr(service.policy, "recap_turns", len(done))
    yield ev.Notice(f"{why}: the model was given a recap of {told} earlier turn(s) "
                    "instead", "info")
