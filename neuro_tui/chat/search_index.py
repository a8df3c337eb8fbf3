"""Search across every saved chat: a Tantivy index of the chat files, one document per turn.

Why an index of its own (not the documents index): it is derived data about the user's own
chats, rebuilt from the chat files at any time (it lives beside them and is simply rebuilt
when it is missing, damaged or of another schema). It is brought up to date before
every search from the files' (mtime, size), which catches chats another process wrote; the
chat's own process also adds each turn as it ends (chat/search_update.py), so that search
finds nothing to do. Every turn document has a `key` ("<chat>/<turn>", the file's state
"<chat>/file") so one turn can be replaced alone.
Questions weigh more than answers (as `llm logs -q` ranks prompts): what the user asked is
what they remember. The chat's title is searched on its first turn only: it is the first
question unless renamed, and on every turn it made each turn a hit for turn 1's words,
listed with its own unrelated snippet.
"""

from __future__ import annotations

import os
import shutil
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import tantivy

from neuro_tui.chat import saved_chats
from neuro_tui.errors import UsageError
from neuro_tui.retrieval import query as lenient
from neuro_tui.retrieval.search import _clean_fragment

SCHEMA_VERSION = "chat-index-3"  # 2: the key field; 3: the title searched on turn 1 only
BOOSTS = {"question": 3.0, "title": 1.5, "answer": 1.0}
SNIPPET_CHARS = 160
WRITER_HEAP = 15_000_000
WRITER_WAIT_S = 0.5


def _schema() -> tantivy.Schema:
    sb = tantivy.SchemaBuilder()
    sb.add_text_field("doctype", stored=True, tokenizer_name="raw")  # turn | file
    sb.add_text_field("key", stored=False, tokenizer_name="raw")  # chat/turn | chat/file
    sb.add_text_field("chat_id", stored=True, tokenizer_name="raw")
    sb.add_unsigned_field("turn", stored=True)
    sb.add_text_field("title", stored=False)  # searched: the chat's first turn only
    sb.add_text_field("chat_title", stored=True, tokenizer_name="raw")  # shown: every turn
    sb.add_text_field("question", stored=True)
    sb.add_text_field("answer", stored=True)
    sb.add_integer_field("mtime_ns", stored=True)
    sb.add_unsigned_field("size", stored=True)
    return sb.build()


SCHEMA = _schema()


@dataclass(frozen=True)
class ChatHit:
    chat_id: str
    title: str
    turn: int
    field: str  # "question" | "answer": where the snippet is from
    snippet: str  # control-free
    highlights: tuple[tuple[int, int], ...]  # character ranges in `snippet`
    score: float


def index_dir(folder: Path | None = None) -> Path:
    """Beside the chat files it is made from (one index per chats folder: a test's or a
    second profile's chats never share it)."""
    return (folder or saved_chats.chats_dir()).parent / "chat-index"


def turn_doc(chat_id: str, number: int, title: str, question: str, answer: str,
             first: bool):
    """One turn; `first` (the chat's first turn) also carries the title's words."""
    doc = tantivy.Document(doctype="turn", key=f"{chat_id}/{number}", chat_id=chat_id,
                           turn=number, chat_title=title, question=question, answer=answer)
    if first:
        doc.add_text("title", title)
    return doc


def file_doc(chat_id: str, state: tuple[int, int]):
    return tantivy.Document(doctype="file", key=f"{chat_id}/file", chat_id=chat_id,
                            mtime_ns=state[0], size=state[1])


def add_chat(writer, chat_id: str, path: Path, state: tuple[int, int]) -> None:
    """All of a chat file's turns (what is valid of it, cleaned), then its state."""
    transcript = saved_chats.read(path).transcript
    for at, turn in enumerate(transcript.turns):
        writer.add_document(turn_doc(chat_id, turn.number, transcript.title, turn.question,
                                     turn.answer, at == 0))
    writer.add_document(file_doc(chat_id, state))


class ChatSearch:
    def __init__(self, folder: Path | None = None, index_path: Path | None = None) -> None:
        self.folder = folder or saved_chats.chats_dir()
        self.path = index_path or index_dir(folder)
        self.index = self._open()
        self._known: dict[str, tuple[int, int]] | None = None  # files at the last sync

    def _open(self) -> tantivy.Index:
        marker = self.path / "neuro-chat-index"
        if self.path.exists() and (not marker.exists()
                                   or marker.read_text().strip() != SCHEMA_VERSION):
            shutil.rmtree(self.path)  # derived data of another version: rebuild it
        self.path.mkdir(parents=True, exist_ok=True)
        marker.write_text(SCHEMA_VERSION + "\n")
        try:
            return tantivy.Index(SCHEMA, path=str(self.path), reuse=True)
        except (OSError, ValueError):
            shutil.rmtree(self.path)  # damaged: the chat files are the truth
            self.path.mkdir(parents=True)
            marker.write_text(SCHEMA_VERSION + "\n")
            return tantivy.Index(SCHEMA, path=str(self.path), reuse=True)

    # -- keeping it current ----------------------------------------------------------------
    def _states(self) -> dict[str, tuple[int, int]]:
        self.index.reload()
        searcher = self.index.searcher()
        if not searcher.num_docs:
            return {}
        query = tantivy.Query.term_query(SCHEMA, "doctype", "file")
        hits = searcher.search(query, limit=searcher.num_docs, count=False).hits
        docs = (searcher.doc(address) for _score, address in hits)
        return {d["chat_id"][0]: (d["mtime_ns"][0], d["size"][0]) for d in docs}

    def sync(self) -> int:
        """Index new and grown chat files, forget deleted ones; the number changed."""
        updates = sys.modules.get("neuro_tui.chat.search_update")
        if updates is not None:  # this process's ended turns go in first (milliseconds)
            updates.wait()
        files, current = {}, {}
        try:
            entries = list(os.scandir(self.folder))  # half glob's cost: the sync is most of
        except OSError:  # a search's time (0.2 of 0.3 ms for 50 chats)
            entries = []
        for entry in entries:
            if not entry.name.endswith(".jsonl"):
                continue
            try:
                st = entry.stat()
            except OSError:
                continue
            chat_id = entry.name[:-6]
            files[chat_id], current[chat_id] = Path(entry.path), (st.st_mtime_ns, st.st_size)
        if current == self._known:  # nothing grew since our last look: no index read
            return 0
        known = self._states()
        changed = [c for c, state in current.items() if known.get(c) != state]
        gone = [c for c in known if c not in current]
        if not changed and not gone:
            self._known = current
            return 0
        writer = self._writer()
        if writer is None:  # another process is updating it: search its last commit
            return 0  # (and look again next time: _known stays as it was)
        for chat_id in changed + gone:
            writer.delete_documents_by_term("chat_id", chat_id)
        for chat_id in changed:
            add_chat(writer, chat_id, files[chat_id], current[chat_id])
        writer.commit()
        writer.wait_merging_threads()
        self.index.reload()
        self._known = current
        return len(changed) + len(gone)

    def _writer(self):
        """The index's writer; another process's turn update holds it for milliseconds."""
        deadline = time.monotonic() + WRITER_WAIT_S
        while True:
            try:
                return self.index.writer(WRITER_HEAP, 1)
            except ValueError:
                if time.monotonic() > deadline:
                    return None
                time.sleep(0.02)

    # -- searching -------------------------------------------------------------------------
    def search(self, user_query: str, limit: int = 10, *, sync: bool = True) -> list[ChatHit]:
        """Best turns first. Raises UsageError for a query with no searchable word."""
        text = lenient.to_tantivy(user_query)
        if not text:
            raise UsageError(f"nothing to search for in {user_query.strip()[:40]!r}: the query "
                             "has no letters or digits, only punctuation or spaces",
                             hint='search for words, e.g. neuro-tui sessions search "capital"')
        if sync:
            self.sync()
        parsed = self.index.parse_query(text, list(BOOSTS), field_boosts=BOOSTS)
        parsed = tantivy.Query.boolean_query([
            (tantivy.Occur.Must, parsed),
            (tantivy.Occur.Must, tantivy.Query.term_query(SCHEMA, "doctype", "turn"))])
        searcher = self.index.searcher()
        result = searcher.search(parsed, limit=limit, count=False)
        generators = {}
        for name in ("question", "answer"):
            generators[name] = tantivy.SnippetGenerator.create(searcher, parsed, SCHEMA, name)
            generators[name].set_max_num_chars(SNIPPET_CHARS)
        hits = []
        for score, address in result.hits:
            doc = searcher.doc(address)
            field, snippet, ranges = "question", doc.get_first("question") or "", ()
            for name, generator in generators.items():
                found = generator.snippet_from_doc(doc)
                if found.highlighted():
                    field, snippet = name, found.fragment()
                    ranges = tuple((r.start, r.end) for r in found.highlighted())
                    snippet, ranges = _whole_if_short(doc.get_first(name) or "", snippet,
                                                      ranges)
                    break
            clean, spans = _clean_fragment(snippet[:SNIPPET_CHARS * 4], ranges)
            hits.append(ChatHit(doc.get_first("chat_id") or "", doc.get_first("chat_title") or "",
                                int(doc.get_first("turn") or 0), field, clean, spans,
                                float(score)))
        return hits


def _whole_if_short(text: str, fragment: str, ranges):
    """A short field is shown whole (Tantivy trims its fragment's edges, even a '?')."""
    at = text.find(fragment)
    if len(text) > SNIPPET_CHARS or at < 0:
        return fragment, ranges
    shift = len(text[:at].encode())
    return text, tuple((a + shift, b + shift) for a, b in ranges)
