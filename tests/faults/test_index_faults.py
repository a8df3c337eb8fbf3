"""Indexing hostile folders (issue #12, items 11-13): symlink loops, FIFOs, dangling links,
unreadable, too big and binary files are skipped with a counted reason in every mode; the
size and rate count only what was indexed; `kill -9` of the indexer leaves no process."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import psutil
import pytest

from neuro_tui.retrieval.indexer import index_paths

pytestmark = pytest.mark.timeout(120)
GOOD = "# Good\n\nThe zorblat festival is held in Quennick every spring.\n"


def hostile_folder(root):
    """One good file next to everything that is not one to read."""
    root.mkdir()
    (root / "good.md").write_text(GOOD)
    (root / "loop.md").symlink_to("loop.md")  # ELOOP
    (root / "gone.md").symlink_to("nowhere.md")
    os.mkfifo(root / "pipe.fifo.md")  # open() would block forever
    (root / "mem.md").symlink_to("/proc/self/mem")  # a regular file whose read fails (EIO)
    with open(root / "huge.txt", "wb") as handle:  # 50 MB, sparse: over the 16 MB limit
        handle.truncate(50 * 1000 * 1000)
    (root / "blob.txt").write_bytes(b"\x00\x01\x02" * 100)
    (root / "logo.png").write_bytes(b"\x89PNG\r\n")
    return root


REASONS = {"symlink loop": "loop.md", "dangling link": "gone.md", "FIFO": "pipe.fifo.md",
           "unreadable": "mem.md", "too big": "huge.txt", "binary": "blob.txt"}


def cli(*args, timeout=60):
    return subprocess.run([sys.executable, "-m", "neuro_tui", "index", *map(str, args)],
                          capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, "COLUMNS": "400"})  # long tmp paths unwrapped


@pytest.mark.parametrize("recursive", [False, True])
def test_every_odd_entry_is_skipped_with_its_reason(tmp_path, recursive):
    docs = hostile_folder(tmp_path / "docs")
    report = index_paths(tmp_path / "index", [docs], recursive=recursive, workers=1)
    assert report.added == 1 and report.bytes == len(GOOD)
    for reason, name in REASONS.items():
        assert any(name in path for path in report.skipped[reason]), (reason, report.skipped)
    again = index_paths(tmp_path / "index", [docs], recursive=recursive, workers=1)
    assert again.added == 0 and again.bytes == 0
    assert set(REASONS) <= set(again.skipped)  # still reported on the next run


@pytest.mark.parametrize("flag", [[], ["-r"]])
def test_cli_summary_lists_skips_by_reason_and_counts_only_indexed_bytes(tmp_path, flag):
    docs = hostile_folder(tmp_path / "docs")
    result = cli(docs, *flag, "--storage", tmp_path / "index")
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert "1 added" in result.stderr and "from 0.0 MB" in result.stderr  # not 50.0 MB
    for reason, name in REASONS.items():
        assert f"({reason})" in result.stderr and name in result.stderr, reason


def test_a_fifo_or_dangling_link_named_on_the_command_line(tmp_path):
    docs = hostile_folder(tmp_path / "docs")
    result = cli(docs / "pipe.fifo.md", docs / "gone.md", docs / "good.md",
                 "--storage", tmp_path / "index")
    assert result.returncode == 0, result.stderr
    assert "skipped 1 (FIFO)" in result.stderr and "skipped 1 (dangling link)" in result.stderr
    assert "1 added" in result.stderr and "Traceback" not in result.stderr


def family_of(proc: subprocess.Popen, at_least: int, timeout: float = 60) -> list[int]:
    """The pids under `proc` once it has `at_least` descendants (or what it has by then)."""
    parent = psutil.Process(proc.pid)
    family: list[int] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and proc.poll() is None:
        family = [c.pid for c in parent.children(recursive=True)]
        if len(family) >= at_least:
            break
        time.sleep(0.05)
    return family


def _alive(pids):
    out = []
    for pid in pids:
        try:
            if psutil.Process(pid).status() != psutil.STATUS_ZOMBIE:
                out.append(pid)
        except psutil.NoSuchProcess:
            pass
    return out


def test_kill_9_of_the_indexer_leaves_no_process_and_the_index_resumes(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    line = "Plain words about festivals, towns and seasons for the index to chew on.\n"
    for i in range(600):
        (docs / f"note{i:03}.md").write_text(f"# Note {i}\n\n" + line * 400)
    storage = tmp_path / "index"
    proc = subprocess.Popen([sys.executable, "-m", "neuro_tui", "index", str(docs),
                             "--storage", str(storage)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    children = family_of(proc, 3)  # the resource tracker and two workers
    assert len(children) >= 3, "the indexer never started its workers"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    time.sleep(5)
    survivors = _alive(children)
    for pid in survivors:  # do not leave them to the next test
        os.kill(pid, signal.SIGKILL)
    assert survivors == []
    resumed = cli(docs, "--storage", storage, timeout=120)
    assert resumed.returncode == 0, resumed.stderr
    assert "removed" in resumed.stderr and "Traceback" not in resumed.stderr
