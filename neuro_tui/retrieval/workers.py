"""Worker processes for indexing that die with the indexer, even on `kill -9`.

Why: with the forkserver start method, a SIGKILLed `neuro-tui index` left the forkserver,
its two workers and the resource tracker running (about 270 MB), re-parented to init: the
workers waited forever on a queue nobody would write again. Now the workers are spawned
straight from the indexer and each one's initializer asks the kernel for SIGKILL when its
parent goes (PR_SET_PDEATHSIG, Linux) and watches the parent pid as a fallback (other
systems, and a parent thread that exits). The resource tracker then sees every writer of
its pipe gone and exits by itself.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import signal
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor

from neuro_tui.lifetime import set_death_signal

WATCH_EVERY_S = 0.5


def die_with_parent(parent_pid: int) -> None:
    """Worker initializer: end this process as soon as `parent_pid` is gone."""
    set_death_signal(signal.SIGKILL)  # Linux; the watch below covers the rest
    if os.getppid() != parent_pid:  # it died before prctl took effect
        os._exit(1)
    _exit_when(lambda: os.getppid() != parent_pid, "parent-watch")


def die_with(owner_pid: int) -> None:
    """End this process soon after `owner_pid` is gone, when the owner is not our parent.

    Why: a forkserver's children have the forkserver as parent, and the forkserver outlives
    a SIGKILLed owner while they run (measured: two trafilatura extractions of an 8 MB page,
    900 MB each, kept a core each busy after `kill -9` of the app), so getppid() cannot tell.
    """
    _exit_when(lambda: not _running(owner_pid), "owner-watch")


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except (ProcessLookupError, PermissionError):  # gone, or the pid is someone else's now
        return False
    return True


def _exit_when(gone: Callable[[], bool], name: str) -> None:
    """A daemon thread that ends this process once `gone()` is true."""
    def watch() -> None:
        while not gone():
            time.sleep(WATCH_EVERY_S)
        os._exit(1)

    threading.Thread(target=watch, name=name, daemon=True).start()


START_METHOD = "spawn"  # bench/bench_index_workers.py compares "forkserver" (before)


def pool(workers: int) -> ProcessPoolExecutor:
    """Spawned workers (the parent runs Tantivy threads: no fork) that die with us."""
    if START_METHOD != "spawn":  # their parent would be the forkserver: no watch possible
        return ProcessPoolExecutor(workers, mp_context=mp.get_context(START_METHOD))
    return ProcessPoolExecutor(workers, mp_context=mp.get_context("spawn"),
                               initializer=die_with_parent, initargs=(os.getpid(),))


def in_order(func: Callable, todo: list, workers: int, window: int = 8) -> Iterator:
    """func(item) for each item, in input order; a bounded window of work in flight keeps
    memory flat. Small jobs run in this process (a worker start costs more)."""
    if workers <= 1 or len(todo) < 8:
        for item in todo:
            yield func(item)
        return
    executor = pool(workers)
    flight: deque = deque()
    try:
        for item in todo:
            flight.append(executor.submit(func, item))
            if len(flight) >= window * workers:
                yield flight.popleft().result()
        while flight:
            yield flight.popleft().result()
    finally:
        executor.shutdown(wait=False, cancel_futures=True)
