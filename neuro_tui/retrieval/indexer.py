"""Incremental indexing of files into the Tantivy store.

Unchanged files are skipped on mtime+size, then on a content hash; changed files are
deleted by their raw `path` term and re-added; files gone from disk are dropped. Work is
committed every couple of seconds, each file's passages together with its "file" document,
so a killed run keeps everything up to its last commit and the next run resumes there.
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import tantivy

from neuro_tui.retrieval import store
from neuro_tui.retrieval.chunking import chunk_text
from neuro_tui.retrieval.loaders import MAX_BYTES, Skipped, load

SKIP_DIRS = {"__pycache__", "node_modules", ".git", ".hg", ".svn", ".venv", ".tox"}
COMMIT_SECONDS = 2.0


@dataclass
class Progress:
    files_done: int
    files_total: int
    bytes_done: int
    path: str


@dataclass
class IndexReport:
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0
    passages: int = 0  # passages written this run
    bytes: int = 0  # bytes of files read this run
    seconds: float = 0.0
    skipped: dict[str, list[str]] = field(default_factory=dict)  # reason -> paths


def walk(paths: Iterable[Path], recursive: bool) -> Iterator[str]:
    """Absolute file paths under the given files/folders (hidden folders left out)."""
    for root in paths:
        root_s = os.path.abspath(os.path.expanduser(root))
        if os.path.isfile(root_s):
            yield root_s
            continue
        if not os.path.isdir(root_s):
            raise FileNotFoundError(root_s)
        if not recursive:
            for entry in sorted(os.scandir(root_s), key=lambda e: e.name):
                if entry.is_file():
                    yield entry.path
            continue
        for folder, dirs, files in os.walk(root_s):
            dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS and not d.startswith("."))
            for name in sorted(files):
                full = os.path.join(folder, name)
                if os.path.isfile(full):
                    yield full


def _read(path: str, size: int, max_bytes: int) -> tuple[bytes | None, str]:
    """(content, hash); content None for a file too big to read (hashed by size only)."""
    if size > max_bytes and not path.endswith(".gz"):
        return None, f"skip:too big:{size}"
    with open(path, "rb") as handle:
        raw = handle.read()
    return raw, hashlib.blake2b(raw, digest_size=16).hexdigest()


def _under(path: str, roots: list[str]) -> bool:
    return any(path == r or path.startswith(r.rstrip(os.sep) + os.sep) for r in roots)


def _passage_docs(path: str, max_bytes: int, raw: bytes | None) -> list[tantivy.Document]:
    if raw is None:
        raise Skipped("too big")
    doc = load(Path(path), max_bytes, raw)
    return [
        tantivy.Document(key=f"{path}#{c.n}", path=path, doctype="passage", title=doc.title,
                         heading=c.heading, body=c.text, line_start=c.line_start,
                         line_end=c.line_end)
        for c in chunk_text(doc.text, doc.kind)
    ]


def index_paths(storage: Path, paths: list[Path], *, recursive: bool = False,
                max_bytes: int = MAX_BYTES, threads: int = 2,
                progress: Callable[[Progress], None] | None = None) -> IndexReport:
    """Bring the index at `storage` up to date with `paths`; returns what happened."""
    started = time.perf_counter()
    index = store.open_index(storage, create=True)
    writer = store.open_writer(index, storage, threads)
    report = IndexReport()
    try:
        known = store.file_states(index)
        files = list(dict.fromkeys(walk(paths, recursive)))
        roots = [os.path.abspath(os.path.expanduser(p)) for p in paths]
        present = set(files)
        for gone in [p for p in known if _under(p, roots) and p not in present]:
            writer.delete_documents_by_term("path", gone)
            writer.delete_documents_by_term("file_key", gone)
            report.removed += 1
        last_commit = time.monotonic()
        for done, path in enumerate(files, 1):
            _index_one(writer, path, known.get(path), max_bytes, report)
            if progress:
                progress(Progress(done, len(files), report.bytes, path))
            if time.monotonic() - last_commit > COMMIT_SECONDS:
                writer.commit()
                last_commit = time.monotonic()
    except KeyboardInterrupt:
        writer.commit()  # keep every finished file; the next run resumes after them
        raise
    writer.commit()
    writer.wait_merging_threads()
    report.seconds = time.perf_counter() - started
    return report


def _index_one(writer: tantivy.IndexWriter, path: str, old: store.FileState | None,
               max_bytes: int, report: IndexReport) -> None:
    try:
        st = os.stat(path)
    except OSError as error:
        report.skipped.setdefault("unreadable", []).append(f"{path}: {error.strerror}")
        return
    if old and old.mtime_ns == st.st_mtime_ns and old.size == st.st_size:
        report.unchanged += 1
        if old.hash.startswith("skip:"):
            report.skipped.setdefault(old.hash[5:].split(":")[0], []).append(path)
        return
    try:
        raw, digest = _read(path, st.st_size, max_bytes)
    except OSError as error:
        report.skipped.setdefault("unreadable", []).append(f"{path}: {error.strerror}")
        return
    state = store.FileState(st.st_mtime_ns, st.st_size, digest)
    writer.delete_documents_by_term("file_key", path)
    if old and old.hash == digest:  # touched, not changed: refresh the bookkeeping only
        writer.add_document(store.file_doc(path, state))
        report.unchanged += 1
        return
    writer.delete_documents_by_term("path", path)
    try:
        docs = _passage_docs(path, max_bytes, raw)
    except Skipped as skip:
        report.skipped.setdefault(skip.reason, []).append(path)
        state = store.FileState(st.st_mtime_ns, st.st_size, f"skip:{skip.reason}")
        docs = []
    for doc in docs:
        writer.add_document(doc)
    writer.add_document(store.file_doc(path, state))
    report.bytes += st.st_size
    report.passages += len(docs)
    if old:
        report.updated += 1
    elif docs:
        report.added += 1
