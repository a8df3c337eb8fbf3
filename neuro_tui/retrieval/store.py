"""The on-disk Tantivy index: schema, opening, the writer lock, per-file bookkeeping.

Each indexed file has one "file" document (path, mtime, size, hash) committed in the same
Tantivy commit as its passages, so the index is its own manifest: a killed run leaves the
last commit intact, and its file documents say exactly which files are done.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import tantivy

from neuro_tui.errors import MissingError, NeuroError, UsageError

SCHEMA_VERSION = "1"
MARKER = "neuro-tui-index"  # holds SCHEMA_VERSION; marks the folder as ours
WRITER_HEAP = 128_000_000


class IndexBusy(NeuroError):
    """Another process holds the index writer lock (Tantivy's LockBusy)."""


def build_schema() -> tantivy.Schema:
    sb = tantivy.SchemaBuilder()
    sb.add_text_field("key", stored=True, tokenizer_name="raw")  # path#n
    sb.add_text_field("path", stored=True, tokenizer_name="raw")  # delete-by-term target
    sb.add_text_field("doctype", stored=True, tokenizer_name="raw")  # passage | file
    sb.add_text_field("title", stored=True)
    sb.add_text_field("heading", stored=True)
    sb.add_text_field("body", stored=True)
    sb.add_unsigned_field("line_start", stored=True)
    sb.add_unsigned_field("line_end", stored=True)
    sb.add_text_field("file_key", stored=True, tokenizer_name="raw")  # file docs only
    sb.add_integer_field("mtime_ns", stored=True)
    sb.add_unsigned_field("size", stored=True)
    sb.add_text_field("hash", stored=True, tokenizer_name="raw")
    return sb.build()


SCHEMA = build_schema()


def open_index(storage: Path, *, create: bool) -> tantivy.Index:
    """Open (or create) the index folder; a missing index is a MissingError for readers."""
    storage = Path(storage).expanduser()
    if not create and not (storage.is_dir() and tantivy.Index.exists(str(storage))):
        raise MissingError(f"no index at {storage}",
                           hint=f"build one with: neuro-tui index PATH --storage {storage}")
    marker = storage / MARKER
    if create:
        storage.mkdir(parents=True, exist_ok=True)
        if not marker.exists():
            if any(storage.iterdir()) and not (storage / "meta.json").exists():
                # never scatter index files among the user's own documents
                raise UsageError(f"{storage} is not empty and is not a neuro-tui index",
                                 hint="choose an empty or new folder for --storage")
            marker.write_text(SCHEMA_VERSION + "\n")
    if marker.exists() and marker.read_text().strip() != SCHEMA_VERSION:
        raise NeuroError(f"the index at {storage} was made by another neuro-tui version",
                         hint="index again into a new --storage folder")
    try:
        return tantivy.Index(SCHEMA, path=str(storage), reuse=True)
    except (OSError, ValueError) as error:
        raise NeuroError(f"cannot open the index at {storage}: {error}") from None


def open_writer(index: tantivy.Index, storage: Path, threads: int = 2) -> tantivy.IndexWriter:
    try:
        return index.writer(WRITER_HEAP, threads)
    except ValueError as error:
        if "LockBusy" in str(error):
            raise IndexBusy(
                f"the index at {storage} is being updated by another neuro-tui process",
                hint="searches still work; run the indexer again when it finishes") from None
        raise


@dataclass(frozen=True)
class FileState:
    mtime_ns: int
    size: int
    hash: str


def file_states(index: tantivy.Index) -> dict[str, FileState]:
    """path -> state of every file the last commit recorded as fully indexed."""
    index.reload()
    searcher = index.searcher()
    query = tantivy.Query.term_query(SCHEMA, "doctype", "file")
    total = searcher.num_docs
    if total == 0:
        return {}
    states = {}
    for _score, address in searcher.search(query, limit=total, count=False).hits:
        doc = searcher.doc(address)
        states[doc["file_key"][0]] = FileState(doc["mtime_ns"][0], doc["size"][0], doc["hash"][0])
    return states


def file_doc(path: str, state: FileState) -> tantivy.Document:
    return tantivy.Document(doctype="file", file_key=path, mtime_ns=state.mtime_ns,
                            size=state.size, hash=state.hash)
