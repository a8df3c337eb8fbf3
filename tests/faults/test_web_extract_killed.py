"""kill -9 of the app while trafilatura extracts a page leaves no process behind.

The extractors fork from a forkserver, so their parent is the forkserver, not the app; before
they watched the app's pid, both the forkserver and a 900 MB extractor kept running."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.faults.test_index_faults import _alive, family_of

OWNER = Path(__file__).with_name("extract_owner.py")


def test_kill_9_during_web_extraction_leaves_no_extractor(tmp_path):
    proc = subprocess.Popen([sys.executable, str(OWNER)], cwd=tmp_path,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    family = family_of(proc, 3)  # resource tracker, forkserver, one extractor
    assert len(family) >= 3, "the extractor never started"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    deadline = time.monotonic() + 5
    while _alive(family) and time.monotonic() < deadline:
        time.sleep(0.1)
    survivors = _alive(family)
    for pid in survivors:  # do not leave them to the next test
        os.kill(pid, signal.SIGKILL)
    assert survivors == []
