"""neuro_tui/lifetime.py: the death signal asked for in the child only, from the main
thread only; SIGHUP/SIGTERM run the cleanups, then end the process by that signal."""

from __future__ import annotations

import subprocess
import sys
import threading
import time

from neuro_tui import lifetime


def test_no_death_signal_from_a_worker_thread():
    """PR_SET_PDEATHSIG follows the spawning thread: a child of a thread that ends would die."""
    assert lifetime.dies_with_us() is not None
    seen = []
    thread = threading.Thread(target=lambda: seen.append(lifetime.dies_with_us()))
    thread.start()
    thread.join()
    assert seen == [None]


def test_child_dies_when_its_parent_is_killed():
    """A parent SIGKILLed right after spawning: its `sleep` child goes too."""
    script = ("import subprocess, sys; from neuro_tui import lifetime\n"
              "p = subprocess.Popen(['sleep', '60'], preexec_fn=lifetime.dies_with_us())\n"
              "print(p.pid, flush=True); import time; time.sleep(60)\n")
    parent = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    child = int(parent.stdout.readline())
    parent.kill()
    parent.wait(5)
    end = time.monotonic() + 5
    while time.monotonic() < end and _running(child):
        time.sleep(0.05)
    assert not _running(child)


def _running(pid: int) -> bool:
    import psutil

    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def test_hangup_runs_cleanups_then_ends_by_the_signal_or_the_old_handler():
    script = ("import os, signal, sys; from neuro_tui import lifetime\n"
              "mode = sys.argv[1]\n"
              "if mode == 'chain':\n"
              "    signal.signal(signal.SIGTERM, lambda *a: print('old handler', flush=True))\n"
              "lifetime.on_hangup(lambda: print('cleaned', flush=True))\n"
              "os.kill(os.getpid(), signal.SIGTERM)\n"
              "print('still here', flush=True)\n")
    plain = subprocess.run([sys.executable, "-c", script, "plain"], capture_output=True,
                           text=True, timeout=30)
    assert plain.returncode == -15 and plain.stdout == "cleaned\n"
    chain = subprocess.run([sys.executable, "-c", script, "chain"], capture_output=True,
                           text=True, timeout=30)
    assert chain.returncode == 0
    assert chain.stdout == "cleaned\nold handler\nstill here\n"
