"""The per-file half of indexing (read, hash, extract, chunk), runnable in a worker process.

Kept free of Tantivy objects so results pickle cheaply; the parent alone writes the index.
Loading and chunking are CPU-bound Python, so on 2 cores two workers roughly halve the time
while Tantivy's own writer threads run alongside.
"""

from __future__ import annotations

import hashlib
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

from neuro_tui.retrieval.chunking import chunk_text
from neuro_tui.retrieval.loaders import Skipped, load


@dataclass
class Prepared:
    path: str
    status: str  # indexed | touched | skipped | unreadable
    mtime_ns: int = 0
    size: int = 0
    hash: str = ""
    reason: str = ""  # skip reason (binary, too big, unreadable, encoding)
    title: str = ""
    chunks: list[tuple[int, str, str, int, int]] = field(default_factory=list)
    # (n, heading, text, line_start, line_end)


def prepare(path: str, old_hash: str | None, max_bytes: int) -> Prepared:
    try:
        st = os.stat(path)
        if not stat.S_ISREG(st.st_mode):  # became a FIFO/device since the walk: never open
            return Prepared(path, "unreadable", reason="not a regular file")
        if st.st_size > max_bytes and not path.endswith(".gz"):
            return Prepared(path, "skipped", st.st_mtime_ns, st.st_size,
                            f"skip:too big:{st.st_size}", "too big")
        with open(path, "rb") as handle:
            raw = handle.read()
    except OSError as error:
        return Prepared(path, "unreadable", reason=error.strerror or str(error))
    digest = hashlib.blake2b(raw, digest_size=16).hexdigest()
    done = Prepared(path, "indexed", st.st_mtime_ns, st.st_size, digest)
    if old_hash == digest:
        done.status = "touched"  # new mtime, same bytes: only the bookkeeping changes
        return done
    try:
        doc = load(Path(path), max_bytes, raw)
    except Skipped as skip:
        done.status, done.reason, done.hash = "skipped", skip.reason, f"skip:{skip.reason}"
        return done
    done.title = doc.title
    keep_lines = doc.source_lines  # extracted HTML has no line numbers worth citing
    done.chunks = [(c.n, c.heading, c.text, c.line_start if keep_lines else 0,
                    c.line_end if keep_lines else 0) for c in chunk_text(doc.text, doc.kind)]
    return done


def prepare_args(args: tuple[str, str | None, int]) -> Prepared:
    return prepare(*args)
