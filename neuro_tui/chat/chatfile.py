"""Reading a chat file back into a Transcript: every record checked against a schema.

Why a schema: a chat file is data we wrote, but a crash can tear its last line and a user
(or another version) can leave records we do not expect. One bad record is skipped and
reported ("line 7: delta.text has the wrong type"); it never hides the rest of the chat, and
one bad file never hides the other chats. Files of the first format (no turn numbers, the
source's origin under "kind") load the same way. Text is cleaned (textsafe) as it is read:
a chat file is untrusted input too.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

from neuro_tui.chat.events import Source, TurnsDropped, TurnStatus
from neuro_tui.chat.transcript import Transcript, Turn
from neuro_tui.textsafe import strip_controls

NUMBER = (int, float)
OPT_STR = (str, type(None))
OPT_DICT = (dict, type(None))
OPT_INT = (int, type(None))
POLICIES = ("stop", "truncate-middle", "rolling")  # chat/policy.py's, without its imports
# record type -> field -> (accepted types, required)
SCHEMA: dict[str, dict[str, tuple[tuple[type, ...] | type, bool]]] = {
    "meta": {"id": (str, False), "title": (str, False), "created": (NUMBER, False),
             "model": (str, False), "context_policy": (str, False)},
    "model": {"model": (str, True)},
    "policy": {"policy": (str, True)},  # the chat's context policy changed (F10)
    "dropped": {"turn": (OPT_INT, False), "dropped": (list, True), "summarised": (list, False),
                "kept": (list, False), "policy": (str, False), "reason": (str, False)},
    "rename": {"title": (str, True)},
    "user": {"content": (str, True), "turn": (int, False)},
    "sources": {"sources": (list, True), "turn": (int, False)},
    "delta": {"text": (str, True), "turn": (int, False)},
    "end": {"stop_reason": (OPT_STR, False), "stats": (OPT_DICT, False),
            "status": (OPT_STR, False), "partial": (bool, False), "error": (OPT_STR, False),
            "turn": (int, False)},
}
CUT_OFF = "cut off: the app stopped before this answer ended"


def check(record: Any) -> str | None:
    """Why `record` is not a valid chat record (None when it is)."""
    if not isinstance(record, dict):
        return f"not a record: {json.dumps(record)[:40]}"
    kind = record.get("type")
    fields = SCHEMA.get(kind) if isinstance(kind, str) else None
    if fields is None:
        return f"unknown record type {json.dumps(kind)[:40]}"
    for name, (types, required) in fields.items():
        if name not in record:
            if required:
                return f"{kind}.{name} is missing"
        elif not isinstance(record[name], types) or isinstance(record[name], bool) and \
                types in (NUMBER, int):
            return f"{kind}.{name} has the wrong type ({type(record[name]).__name__})"
    if kind == "sources" and not all(isinstance(s, dict) for s in record["sources"]):
        return "sources.sources must hold objects"
    if kind == "dropped" and not all(isinstance(n, int) and not isinstance(n, bool)
                                     for key in ("dropped", "summarised", "kept")
                                     for n in record.get(key, ())):
        return "dropped: turn lists must hold turn numbers"
    if kind == "policy" and record["policy"] not in POLICIES:  # a newer version's
        return unknown_policy(record["policy"])
    return None


def unknown_policy(name: str) -> str:
    return (f"context policy {json.dumps(name)[:40]} is unknown to this version, the "
            "config's is used")


def source_from_json(data: dict[str, Any], index: int) -> Source:
    def text(key: str, default: str = "") -> str:
        value = data.get(key, default)
        return strip_controls(value) if isinstance(value, str) else default

    number = data.get("n", index)
    score = data.get("score")
    return Source(number=number if isinstance(number, int) else index,
                  title=text("title"), location=text("location") or text("url"),
                  origin=text("origin") or text("kind") or "local",
                  score=score if isinstance(score, NUMBER) else None, text=text("text"),
                  before=text("before"), after=text("after"), path=text("path"))


def load(path: Path) -> Transcript:
    """The chat in `path` (its id is the file name); `Transcript.problems` lists what was
    skipped, line by line."""
    raw = path.read_bytes()
    lines = raw.split(b"\n")
    torn_tail = bool(raw) and not raw.endswith(b"\n")
    meta: dict[str, Any] = {"chat_id": path.stem, "created": path.stat().st_mtime, "drops": ()}
    turns: dict[int, Turn] = {}  # by number: queued turns' records interleave
    pieces: dict[int, list[str]] = {}  # answer fragments not yet joined into their turn
    problems: list[str] = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            last = number == len(lines) and torn_tail
            problems.append(f"line {number}: " + ("torn record (the app was stopped while "
                            "writing it)" if last else "not JSON") + ", skipped")
            continue
        why = check(record) or _apply(record, meta, turns, pieces)
        if why:
            problems.append(f"line {number}: {why}, skipped")
    ordered = tuple(t if t.finished else _cut_off(t)
                    for t in (_joined(t, pieces) for t in turns.values()))
    return Transcript(turns=ordered, problems=tuple(problems), **meta)


def _joined(turn: Turn, pieces: dict[int, list[str]]) -> Turn:
    """`turn` with its answer fragments read so far: joined once, not `answer + text` per
    fragment (that copied the whole answer each time: 100k fragments took seconds)."""
    parts = pieces.pop(turn.number, None)
    return replace(turn, answer=turn.answer + "".join(parts)) if parts else turn


def _apply(record: dict[str, Any], meta: dict[str, Any], turns: dict[int, Turn],
           pieces: dict[int, list[str]]) -> str | None:
    """Add one valid record to the chat being loaded; why not, when it fits no turn."""
    kind = record["type"]
    if kind == "dropped":
        meta["drops"] += (TurnsDropped(record.get("turn"), *(
            tuple(record.get(key, ())) for key in ("dropped", "summarised", "kept")),
            strip_controls(record.get("policy", "")), strip_controls(record.get("reason", ""))),)
        return None
    if kind in ("meta", "model", "rename", "policy"):
        for key, name in (("title", "title"), ("created", "created"), ("model", "model"),
                          ("context_policy", "context_policy"), ("policy", "context_policy")):
            if key in record:
                value = record[key]
                meta[name] = strip_controls(value) if isinstance(value, str) else value
        if meta.get("context_policy", "") not in POLICIES + ("",):  # the rest of meta holds
            return unknown_policy(meta.pop("context_policy")).replace(", the", "; the")
        return None
    last = next(reversed(turns.values()), None)
    if kind == "user":
        number = record.get("turn")
        if number is None:  # first format: one turn after the other
            if last is not None and not last.finished:
                turns[last.number] = _cut_off(_joined(last, pieces))  # the app died
            number = last.number + 1 if last else 1
        if number in turns:
            return f"turn {number} appears twice"
        turns[number] = Turn(number, strip_controls(record["content"]),
                             status=TurnStatus.GENERATING)
        return None
    turn = turns.get(record["turn"]) if "turn" in record else last
    if turn is None or turn.finished:
        return f"{kind} record outside a turn"
    if kind == "sources":
        turn = replace(turn, sources=tuple(source_from_json(s, i)
                                           for i, s in enumerate(record["sources"], 1)))
    elif kind == "delta":
        pieces.setdefault(turn.number, []).append(strip_controls(record["text"]))
        return None
    else:
        turn = _ended(_joined(turn, pieces), record)
    turns[turn.number] = turn
    return None


def _ended(turn: Turn, record: dict[str, Any]) -> Turn:
    reason = record.get("stop_reason") or "eos"
    status = record.get("status")
    if status not in ("done", "stopped", "failed"):  # first format: only the stop reason
        status = {"interrupted": "stopped", "error": "failed"}.get(reason, "done")
    return replace(turn, status=TurnStatus(status), stop_reason=reason,
                   stats=record.get("stats"), partial=bool(record.get("partial")),
                   error=strip_controls(record.get("error") or "") or None)


def _cut_off(turn: Turn) -> Turn:
    return replace(turn, status=TurnStatus.FAILED, stop_reason="error", partial=True,
                   error=CUT_OFF)
