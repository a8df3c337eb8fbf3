"""Is llama-cli waiting at its prompt? Asked of the kernel, not of the bytes.

Why: a bare `\\n> ` can be model text, so the stream parser only calls it a possible end,
confirmed after a quiet spell (0.3 s). But llama-cli at its prompt is blocked reading its
terminal, and a model cannot put it there: its main thread sits in read() on fd 0 while
every other thread (0.3.16's log thread, the compute threads) sleeps, so whatever it
printed has been written. Linux shows both in /proc (the thread's syscall and state); where
it does not (macOS, no permission), `None`, and the quiet spell decides as before.
"""

from __future__ import annotations

import os
import platform
from pathlib import Path

READ = {"x86_64": "0", "amd64": "0", "aarch64": "63", "arm64": "63"}.get(platform.machine().lower())


def waiting_for_input(pid: int | None) -> bool | None:
    """True: its main thread blocks in read(0) and no thread runs; False: not (yet); None:
    this machine cannot tell."""
    if not pid or READ is None:
        return None
    try:
        call = Path(f"/proc/{pid}/syscall").read_text().split()
        threads = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return None
    if len(call) < 2 or call[0] != READ or int(call[1], 16) != 0:
        return False
    for tid in threads:
        try:
            stat = Path(f"/proc/{pid}/task/{tid}/stat").read_text()
        except OSError:
            return False  # a thread that comes or goes: not settled yet
        if stat[stat.rindex(")") + 2] in "RD":
            return False
    return True
