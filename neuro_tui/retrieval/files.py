"""Which paths indexing reads, and why it leaves the others out.

Why a module of its own: a folder can hold things that are not files to read: a FIFO (open()
would block forever), a socket or device, a symlink loop (ELOOP), a dangling link, a file we
may not read. Each is classified once here, with lstat/stat and no open(), and reported with a
fixed reason so the summary can count it, in every mode (with and without --recursive, and
for paths given on the command line).
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Iterable, Iterator
from pathlib import Path

SKIP_DIRS = {"__pycache__", "node_modules", ".git", ".hg", ".svn", ".venv", ".tox"}
FIFO, SPECIAL, LOOP, DANGLING, UNREADABLE = (
    "FIFO", "not a regular file", "symlink loop", "dangling link", "unreadable")


def classify(path: str) -> tuple[str, str | None]:
    """("file" | "dir" | "skip", skip reason or None), without opening anything."""
    try:
        st = os.stat(path)
    except OSError as error:
        if error.errno == errno.ELOOP:
            return "skip", LOOP
        if error.errno == errno.ENOENT and os.path.islink(path):
            return "skip", DANGLING
        return "skip", f"{UNREADABLE}: {error.strerror}"
    if stat.S_ISDIR(st.st_mode):
        return "dir", None
    if stat.S_ISFIFO(st.st_mode):
        return "skip", FIFO
    if not stat.S_ISREG(st.st_mode):
        return "skip", SPECIAL
    if not os.access(path, os.R_OK):
        return "skip", UNREADABLE
    return "file", None


def _note(skipped: dict[str, list[str]] | None, reason: str, path: str) -> None:
    if skipped is not None:
        name, _, detail = reason.partition(": ")
        skipped.setdefault(name, []).append(f"{path}: {detail}" if detail else path)


def walk(paths: Iterable[Path], recursive: bool,
         skipped: dict[str, list[str]] | None = None) -> Iterator[str]:
    """Absolute paths of the regular, readable files under the given files/folders (hidden
    folders left out); everything else goes into `skipped` (reason -> paths)."""
    for root in paths:
        root_s = os.path.abspath(os.path.expanduser(root))
        kind, reason = classify(root_s)
        if kind == "skip":
            if reason.startswith(UNREADABLE) and not os.path.lexists(root_s):
                raise FileNotFoundError(root_s)
            _note(skipped, reason, root_s)
            continue
        if kind == "file":
            yield root_s
            continue
        for folder, _dirs, files in _folders(root_s, recursive, skipped):
            for name in sorted(files):
                full = os.path.join(folder, name)
                kind, reason = classify(full)
                if kind == "file":
                    yield full
                elif kind == "skip":
                    _note(skipped, reason, full)


def _folders(root: str, recursive: bool, skipped: dict[str, list[str]] | None):
    """(folder, dirs, files) like os.walk (symlinked folders not followed), one level unless
    `recursive`; folders we cannot list are reported, not raised."""
    def unlisted(error: OSError) -> None:
        _note(skipped, f"{UNREADABLE}: {error.strerror}", error.filename or root)

    if not recursive:
        try:
            names = sorted(os.listdir(root))
        except OSError as error:
            unlisted(error)
            return
        dirs = [n for n in names if os.path.isdir(os.path.join(root, n))
                and not os.path.islink(os.path.join(root, n))]
        yield root, dirs, [n for n in names if n not in dirs]
        return
    for folder, dirs, files in os.walk(root, onerror=unlisted):
        real_dirs = [d for d in dirs if not os.path.islink(os.path.join(folder, d))]
        files = files + [d for d in dirs if d not in real_dirs]  # linked folders: classify
        dirs[:] = sorted(d for d in real_dirs if d not in SKIP_DIRS and not d.startswith("."))
        yield folder, dirs, files


def unique_files(files: list[str]) -> list[str]:
    """One path per real file, the real one first: /usr/share/doc-style symlinks (index.html
    -> python-policy.html) would otherwise index the same text twice and double its hits."""
    by_target: dict[str, str] = {}
    for path in files:
        target = os.path.realpath(path)
        current = by_target.get(target)
        if current is None or (path == target and current != target):
            by_target[target] = path
    keep = set(by_target.values())
    return [f for f in files if f in keep]
