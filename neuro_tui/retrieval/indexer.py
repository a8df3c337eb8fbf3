"""Incremental indexing of files into the Tantivy store.

Unchanged files are skipped on mtime+size, then on a content hash; changed files are
deleted by their raw `path` term and re-added; files gone from disk are dropped. Work is
committed every couple of seconds, each file's passages together with its "file" document,
so a killed run keeps everything up to its last commit and the next run resumes there.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path

import tantivy

from neuro_tui.retrieval import store
from neuro_tui.retrieval.files import SKIP_DIRS, unique_files, walk  # noqa: F401 - API
from neuro_tui.retrieval.loaders import MAX_BYTES
from neuro_tui.retrieval.prepare import Prepared, prepare_args
from neuro_tui.retrieval.workers import in_order

COMMIT_SECONDS = 2.0  # NEURO_TUI_COMMIT_SECONDS overrides (tests commit more often)


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
    bytes: int = 0  # bytes of the files indexed this run (skipped ones not counted)
    seconds: float = 0.0
    skipped: dict[str, list[str]] = field(default_factory=dict)  # reason -> paths


def _under(path: str, roots: list[str]) -> bool:
    return any(path == r or path.startswith(r.rstrip(os.sep) + os.sep) for r in roots)


def index_paths(storage: Path, paths: list[Path], *, recursive: bool = False,
                max_bytes: int = MAX_BYTES, threads: int = 2, workers: int | None = None,
                progress: Callable[[Progress], None] | None = None) -> IndexReport:
    """Bring the index at `storage` up to date with `paths`; returns what happened."""
    started = time.perf_counter()
    index = store.open_index(storage, create=True)
    writer = store.open_writer(index, storage, threads)
    report = IndexReport()
    workers = workers if workers is not None else min(os.cpu_count() or 1, 4)
    try:
        known = store.file_states(index)
        own = [os.path.abspath(os.path.expanduser(storage))]  # never index the index itself
        files = unique_files([f for f in dict.fromkeys(walk(paths, recursive, report.skipped))
                              if not _under(f, own)])
        roots = [os.path.abspath(os.path.expanduser(p)) for p in paths]
        present = set(files)
        for gone in [p for p in known if _under(p, roots) and p not in present]:
            writer.delete_documents_by_term("path", gone)
            writer.delete_documents_by_term("file_key", gone)
            report.removed += 1
        todo, done = [], 0
        for path in files:  # unchanged on mtime+size: no read at all
            old = known.get(path)
            try:
                st = os.stat(path)
            except OSError:
                st = None
            if old and st and old.mtime_ns == st.st_mtime_ns and old.size == st.st_size:
                report.unchanged += 1
                done += 1
                if old.hash.startswith("skip:"):
                    report.skipped.setdefault(old.hash[5:].split(":")[0], []).append(path)
            else:
                todo.append((path, old.hash if old else None, max_bytes))
        every = float(os.environ.get("NEURO_TUI_COMMIT_SECONDS") or COMMIT_SECONDS)
        last_commit = time.monotonic()
        for item in in_order(prepare_args, todo, workers):
            _apply(writer, item, known.get(item.path), report)
            done += 1
            if progress:
                progress(Progress(done, len(files), report.bytes, item.path))
            if time.monotonic() - last_commit > every:
                writer.commit()
                last_commit = time.monotonic()
    except (KeyboardInterrupt, BrokenProcessPool):
        writer.commit()  # keep every finished file; the next run resumes after them
        raise KeyboardInterrupt from None
    writer.commit()
    writer.wait_merging_threads()
    report.seconds = time.perf_counter() - started
    return report


def _apply(writer: tantivy.IndexWriter, item: Prepared, old: store.FileState | None,
           report: IndexReport) -> None:
    """Write one prepared file: its passages and its file document go in together."""
    path = item.path
    if item.status == "unreadable":
        report.skipped.setdefault("unreadable", []).append(f"{path}: {item.reason}")
        return
    state = store.FileState(item.mtime_ns, item.size, item.hash)
    writer.delete_documents_by_term("file_key", path)
    if item.status == "touched":
        writer.add_document(store.file_doc(path, state))
        report.unchanged += 1
        return
    writer.delete_documents_by_term("path", path)
    if item.status == "skipped":
        report.skipped.setdefault(item.reason, []).append(path)
    for n, heading, text, line_start, line_end in item.chunks:
        writer.add_document(tantivy.Document(
            key=f"{path}#{n}", path=path, doctype="passage", title=item.title, heading=heading,
            body=text, line_start=line_start, line_end=line_end))
    writer.add_document(store.file_doc(path, state))
    if item.status == "indexed":
        report.bytes += item.size
    report.passages += len(item.chunks)
    if old:
        report.updated += 1
    elif item.chunks:
        report.added += 1
