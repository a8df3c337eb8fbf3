"""engine/prompt_probe.py on real processes: blocked reading its terminal is "at the prompt";
computing, sleeping or reading another file is not (a model cannot fake the first)."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest

from neuro_tui.engine.prompt_probe import READ, waiting_for_input

pytestmark = pytest.mark.skipif(not os.path.exists("/proc/self/syscall") or READ is None,
                                reason="the probe reads Linux's /proc")


def child(code: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE,
                            stdout=subprocess.DEVNULL)


def settles(proc: subprocess.Popen, expected: bool, seconds: float = 5.0) -> bool:
    """The probe gives `expected` within `seconds` (the child needs a moment to get there)
    and then keeps giving it."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if waiting_for_input(proc.pid) is expected:
            return all(waiting_for_input(proc.pid) is expected for _ in range(20))
        time.sleep(0.02)
    return False


@pytest.mark.parametrize("code, expected", [
    ("import sys; sys.stdin.buffer.read(1)", True),  # llama-cli at its prompt
    ("import time; time.sleep(60)", False),  # a model that pauses
    ("while True: pass", False),  # a model that computes
    ("import os; r, w = os.pipe(); os.read(r, 1)", False),  # reading, but not its terminal
    ("import sys, threading\nthreading.Thread(target=lambda: [0 for _ in iter(int, 1)],"
     " daemon=True).start()\nsys.stdin.buffer.read(1)", False),  # its log thread still writes
])
def test_only_a_process_blocked_on_its_input_is_at_the_prompt(code, expected):
    proc = child(code)
    try:
        assert settles(proc, expected)
    finally:
        proc.kill()
        proc.wait()


def test_a_process_that_is_gone_cannot_be_asked():
    proc = child("pass")
    proc.wait()
    assert waiting_for_input(proc.pid) is None
    assert waiting_for_input(None) is None
