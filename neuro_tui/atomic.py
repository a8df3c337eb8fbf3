"""Replace a file whole or not at all, readable by this user only.

Why one helper: a reader (another neuro-tui, a resumed chat) must never see half a file,
and what these files hold (a chat's message list, this machine's measured speeds) is the
user's. mkstemp creates the temporary file 0600 in the same folder, so the rename is atomic
and two writers never share a temporary name.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def write_private(path: Path, text: str) -> None:
    """`text` into `path` (0600), atomically; the folder must exist."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w") as out:
            out.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
