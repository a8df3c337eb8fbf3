"""Starting one llama-cli process: the system prompt file, the wait for its first prompt
with the load failures said in the log's words, and the atexit guard for leftovers.

Why apart from session.py: this is everything that happens before the first turn and after
the last, where the session is the conversation in between.
"""

from __future__ import annotations

import asyncio
import atexit
import os
import signal
import tempfile
import time
import weakref
from pathlib import Path

from neuro_tui.engine.loglines import ErrorLine, load_failure_reason
from neuro_tui.engine.params import SessionSpec
from neuro_tui.engine.protocol import Ready
from neuro_tui.engine.ptyproc import PtyProcess
from neuro_tui.errors import GenerationError, MissingError

_LIVE: weakref.WeakSet = weakref.WeakSet()  # every llama-cli this interpreter spawned


def private_file(text: str, folder: Path) -> Path:
    """`text` in a new file only this user can read (mkstemp: mode 0600)."""
    folder.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=".system-", suffix=".txt", dir=folder)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    return Path(name)


def exit_words(proc: PtyProcess | None) -> str:
    """How the process ended, in words (for crash messages)."""
    if proc and proc.signal:
        return f"killed by signal {proc.signal} ({signal.Signals(proc.signal).name})"
    return f"exit code {proc.exit_code}" if proc else "not started"


async def wait_until_ready(proc: PtyProcess, queue: asyncio.Queue, spec: SessionSpec) -> None:
    """Spawn `proc` and read its parsed output from `queue` up to the first prompt. Raises
    GenerationError (not ready within spec.load_timeout_s) or MissingError (it exited: the
    log's reason, e.g. "invalid magic")."""
    _LIVE.add(proc)
    proc.spawn()
    errors: list[str] = []
    deadline = time.monotonic() + spec.load_timeout_s
    while True:
        try:
            item = await asyncio.wait_for(queue.get(), max(0.01, deadline - time.monotonic()))
        except TimeoutError:
            await proc.end()
            raise GenerationError(f"llama-cli was not ready after {spec.load_timeout_s:.0f} s",
                                  hint=f"log: {proc.log_path}") from None
        if item is None:
            await proc.wait_exit(2.0)
            await proc.end()
            reason = (load_failure_reason(proc.log_tail(200))
                      or (errors[0] if errors else exit_words(proc)))
            raise MissingError(f"llama-cli could not load {Path(spec.model).name}: {reason}",
                               hint=f"log: {proc.log_path}")
        events = item[1]
        errors += [e.text for e in events if isinstance(e, ErrorLine)]
        if any(isinstance(e, Ready) for e in events):
            return


@atexit.register
def _kill_leftovers() -> None:
    """If the app exits without close(), take the llama-cli process groups with it."""
    for proc in list(_LIVE):
        if proc.child is not None and not proc.child.closed:
            proc.kill_group(signal.SIGKILL)
