"""Child processes that do not outlive neuro-tui, however it ends.

Why: cleanup at normal exit (close(), atexit) does not run when the app is killed by
SIGKILL, nor by SIGHUP (an SSH session that drops, `tmux kill-session`) or SIGTERM, whose
default action ends Python at once. A llama-server started for a chat then kept running,
re-parented to init, holding its model in memory and its port. Two layers:
- the kernel: PR_SET_PDEATHSIG (Linux) sends the child SIGKILL when its parent goes, for
  every way of dying, SIGKILL included (index workers use it too: retrieval/workers.py);
- SIGHUP/SIGTERM: a handler that stops the children gracefully while the app can still
  act, then ends the app by the same signal (its exit status stays "killed by SIGHUP").
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
import threading
from collections.abc import Callable

PR_SET_PDEATHSIG = 1
HANGUPS = (signal.SIGHUP, signal.SIGTERM)


def _prctl():
    if not sys.platform.startswith("linux"):
        return None
    try:
        return ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None


def set_death_signal(sig: int = signal.SIGKILL) -> bool:
    """Ask the kernel to send this process `sig` when its parent thread ends."""
    prctl = _prctl()
    return prctl is not None and prctl(PR_SET_PDEATHSIG, int(sig), 0, 0, 0) == 0


def dies_with_us() -> Callable[[], None] | None:
    """A subprocess.Popen preexec_fn: the child gets SIGKILL when we die, or exits at once
    if we died before it asked. None off Linux, or off the main thread: the signal follows
    the spawning *thread*, so a worker thread's end would kill the child too early.
    prctl is looked up here, in the parent: the child only calls it before exec."""
    prctl = _prctl()
    if prctl is None or threading.current_thread() is not threading.main_thread():
        return None
    parent = os.getpid()

    def preexec() -> None:
        prctl(PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)
        if os.getppid() != parent:
            os._exit(1)

    return preexec


_CLEANUPS: list[Callable[[], None]] = []


def on_hangup(cleanup: Callable[[], None]) -> None:
    """Run `cleanup` (quick, synchronous) on SIGHUP/SIGTERM before the app ends by it.
    Installed from the main thread only (Python's rule); a handler someone set before is
    called after the cleanups instead of the default action."""
    if cleanup not in _CLEANUPS:
        _CLEANUPS.append(cleanup)
    if threading.current_thread() is not threading.main_thread():
        return
    for sig in HANGUPS:
        previous = signal.getsignal(sig)
        if previous in (_hangup, signal.SIG_IGN, None):
            continue  # ours already; nohup (the user asked us to live on); not Python's
        _PREVIOUS[sig] = previous
        signal.signal(sig, _hangup)


_PREVIOUS: dict[int, object] = {}


def _hangup(signum: int, frame) -> None:
    for cleanup in list(_CLEANUPS):
        try:
            cleanup()
        except Exception:  # noqa: BLE001 - the next one must still run; we are ending
            pass
    previous = _PREVIOUS.get(signum, signal.SIG_DFL)
    if callable(previous) and previous is not _hangup:
        previous(signum, frame)
        return
    signal.signal(signum, signal.SIG_DFL)
    os.kill(os.getpid(), signum)
