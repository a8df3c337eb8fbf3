"""The chat search index kept current as each turn ends, not only when someone searches.

Why a background thread: the update (open the index, one writer, replace two documents,
commit) costs milliseconds that the answer's stream must not wait for, so the store hands
the ended turn over and returns. Why "incremental unless in doubt": the store says what the
file looked like after its previous indexed turn (`before`); when the index holds exactly
that, only this turn and the file's new state are written, else (an update was missed
because another process held the writer, a search synced mid-turn, the chat was renamed, it
was written elsewhere) the whole chat is re-read from its file. An index that does not
exist is left alone: nobody has searched yet, and the first search builds it from the files.
"""

from __future__ import annotations

import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import tantivy

from neuro_tui.chat import search_index as si

_WORKER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="chat-index")
WRITER_HEAP = 15_000_000
FORCE_FULL = (-1, -1)  # a `before` no index holds: re-read the chat


@dataclass(frozen=True)
class EndedTurn:
    path: Path  # the chat file
    number: int
    title: str
    question: str
    answer: str
    before: tuple[int, int] | None  # file state the index should hold (None: a new chat)
    after: tuple[int, int]  # file state once this turn was written


@dataclass(frozen=True)
class Update:
    how: str  # turn | chat | busy | gone
    seconds: float


def turn_ended(turn: EndedTurn) -> Future | None:
    """Queue the index update for `turn` (None when there is no index to update)."""
    index = si.index_dir(turn.path.parent)
    marker = index / "neuro-chat-index"
    try:
        if marker.read_text().strip() != si.SCHEMA_VERSION:
            return None  # another version's: the next search rebuilds it
    except OSError:
        return None
    return _WORKER.submit(update, index, turn)


def wait() -> None:
    """Until every queued update is done (tests, benchmarks)."""
    _WORKER.submit(lambda: None).result()


def update(index_path: Path, turn: EndedTurn) -> Update:
    started = time.perf_counter()
    chat_id = turn.path.stem
    try:
        index = tantivy.Index(si.SCHEMA, path=str(index_path), reuse=True)
        writer = index.writer(WRITER_HEAP, 1)
    except (OSError, ValueError):  # being rebuilt, or another process is writing it:
        return Update("busy", time.perf_counter() - started)  # the next turn re-reads
    if _state(index, chat_id) == turn.before:
        how = "turn"
        for key in (f"{chat_id}/{turn.number}", f"{chat_id}/file"):
            writer.delete_documents_by_term("key", key)
        writer.add_document(si.turn_doc(chat_id, turn.number, turn.title, turn.question,
                                        turn.answer, turn.number == 1))
        writer.add_document(si.file_doc(chat_id, turn.after))
    else:
        how = "chat"
        writer.delete_documents_by_term("chat_id", chat_id)
        try:
            stat = turn.path.stat()
        except OSError:
            how = "gone"  # deleted meanwhile: forgotten
        else:
            si.add_chat(writer, chat_id, turn.path, (stat.st_mtime_ns, stat.st_size))
    writer.commit()
    writer.wait_merging_threads()
    return Update(how, time.perf_counter() - started)


def _state(index: tantivy.Index, chat_id: str) -> tuple[int, int] | None:
    searcher = index.searcher()
    query = tantivy.Query.term_query(si.SCHEMA, "key", f"{chat_id}/file")
    hits = searcher.search(query, limit=1, count=False).hits
    if not hits:
        return None
    doc = searcher.doc(hits[0][1])
    return doc["mtime_ns"][0], doc["size"][0]
