"""The real app in a real terminal: tmux, the real llama-cli and SmolLM2.

Types a question, waits for the streamed answer and the timing overlay's numbers, stops a
long answer with Esc, asks a follow-up, quits with Ctrl+Q, and checks the saved chat.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = [pytest.mark.integration, pytest.mark.slow]
VENV_BIN = Path(sys.executable).parent


def tmux(*args: str) -> str:
    return subprocess.run(["tmux", *args], check=True, capture_output=True, text=True).stdout


class Pane:
    def __init__(self, name: str):
        self.name = name

    def screen(self) -> str:
        return tmux("capture-pane", "-t", self.name, "-p")

    def keys(self, *keys: str) -> None:
        tmux("send-keys", "-t", self.name, *keys)

    def type(self, text: str) -> None:
        tmux("send-keys", "-t", self.name, "-l", text)

    def wait(self, pattern: str, timeout: float = 60) -> re.Match:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if match := re.search(pattern, self.screen()):
                return match
            time.sleep(0.2)
        raise AssertionError(f"{pattern!r} not on screen after {timeout}s:\n{self.screen()}")


@pytest.fixture(params=["llama_cli_old", "llama_cli_bitnet"], ids=["old", "bitnet"])
def app_pane(request, smollm2, isolated_dirs):
    llama_cli = request.getfixturevalue(request.param)
    if not shutil.which("tmux"):
        pytest.skip("tmux not installed")
    name = f"neuro-tui-test-{os.getpid()}"
    env = {k: os.environ[k] for k in ("NEURO_TUI_CONFIG_DIR", "NEURO_TUI_DATA_DIR",
                                      "NEURO_TUI_RUNTIME_DIR", "NEURO_BITNET_MODELS_DIR")}
    env |= {"NEURO_TUI_SEED": "7", "NEURO_TUI_THREADS": "1", "NEURO_TUI_MAX_TOKENS": "400",
            "NEURO_TUI_CTX_SIZE": "2048", "TERM": "xterm-256color"}
    exports = " ".join(f"{k}={shlex.quote(v)}" for k, v in env.items())
    command = (f"env {exports} {VENV_BIN / 'neuro-tui'} --model {shlex.quote(str(smollm2))} "
               f"--cli {shlex.quote(str(llama_cli))}")
    tmux("new-session", "-d", "-s", name, "-x", "120", "-y", "40", command)
    pane = Pane(name)
    yield pane
    subprocess.run(["tmux", "kill-session", "-t", name], capture_output=True)



def wait_for_finished_turns(pane, count: int, timeout: float) -> None:
    """Until the newest saved chat holds `count` finished turns, read from the chat file the
    app writes as turns end (a long answer scrolls earlier stats lines off the screen)."""
    from neuro_tui.chat import store

    end = time.monotonic() + timeout
    while True:
        chats = store.list_chats()
        turns = chats[0].transcript.turns if chats else ()
        if len(turns) >= count and all(t.finished for t in turns[:count]):
            return
        assert time.monotonic() < end, pane.screen()
        time.sleep(0.3)


def stop_a_story_then_follow_up(pane, timeout: float) -> None:
    """Ask for a long story, Esc 0.3 s into it (idle, SmolLM2 writes ~170 tok/s: well
    before any limit), see "stopped", ask a follow-up and wait until its turn is saved."""
    pane.type("Write a very long story about a dragon who learns to cook.")
    pane.keys("Enter")
    pane.wait(r"state\s+generating", timeout=60)
    time.sleep(0.3)
    pane.keys("Escape")
    pane.wait(r"stopped", timeout=30)
    pane.type("Thanks. Now name one city in Germany.")
    pane.keys("Enter")
    pane.wait(r"› Thanks\. Now name one city in Germany\.")
    wait_for_finished_turns(pane, 3, timeout=timeout)


def test_ask_see_timing_stop_and_follow_up(app_pane, isolated_dirs):
    pane = app_pane
    pane.wait(r"\bready\b", timeout=120)
    pane.keys("F2")
    pane.wait(r"Timing \(F2\)")
    pane.type("What is the capital of France?")
    pane.keys("Enter")
    pane.wait(r"› What is the capital of France\?")
    note = pane.wait(r"(\d+) tokens · ([\d.]+) tok/s · TTFT (\d+) ms", timeout=120)
    assert int(note.group(1)) > 0 and float(note.group(2)) > 0
    # the overlay shows the finished turn's figures (it may lag the note by one repaint)
    pane.wait(r"tok/s\s+~?[\d.]+", timeout=5)
    screen = pane.screen()
    assert re.search(r"TTFT\s+\d+ ms", screen), screen
    assert re.search(r"tokens\s+~?[1-9]\d*", screen), screen
    assert re.search(r"load\s+\d+", screen), screen

    stop_a_story_then_follow_up(pane, timeout=120)
    pane.keys("C-q")
    time.sleep(1.5)

    from neuro_tui.chat import store

    [saved] = store.list_chats()
    turns = saved.transcript.turns
    assert turns[0].question == "What is the capital of France?" and len(turns) == 3
    assert turns[1].stop_reason == "interrupted"


def test_prefill_countdown_escape_marks_and_a_deleted_source(smollm2, llama_cli_old,
                                                             isolated_dirs, tmp_path):
    """#13/#14 on the real llama-cli 0.3.16 + SmolLM2 and a real index: the status line
    counts down while llama-cli reads the sources, Esc stops that read and the next
    question is answered, the finished answer gets its citations line, and a source whose
    file was deleted after indexing says so in the viewer (its indexed text shown)."""
    if not shutil.which("tmux"):
        pytest.skip("tmux not installed")
    notes = tmp_path / "zebra-notes.md"
    notes.write_text("# Zebra care notes\n\nZebras at the Lakeside farm are fed hay twice a "
                     "day. The zebra paddock is cleaned every Tuesday by the keeper.\n")
    storage = tmp_path / "index"
    repo = Path(__file__).resolve().parents[2]
    subprocess.run([str(VENV_BIN / "neuro-tui"), "index", str(repo / "docs"), str(notes),
                    "--storage", str(storage)], check=True, capture_output=True)
    notes.unlink()
    name = f"neuro-tui-prefill-{os.getpid()}"
    env = {k: os.environ[k] for k in ("NEURO_TUI_CONFIG_DIR", "NEURO_TUI_DATA_DIR",
                                      "NEURO_TUI_RUNTIME_DIR")}
    env |= {"NEURO_TUI_SEED": "7", "NEURO_TUI_THREADS": "1", "NEURO_TUI_MAX_TOKENS": "60",
            "NEURO_TUI_PREFILL_SECONDS": "10", "TERM": "xterm-256color"}
    exports = " ".join(f"{k}={shlex.quote(v)}" for k, v in env.items())
    tmux("new-session", "-d", "-s", name, "-x", "140", "-y", "40",
         f"env -u COLUMNS -u LINES {exports} {VENV_BIN / 'neuro-tui'} --model "
         f"{shlex.quote(str(smollm2))} --cli {shlex.quote(str(llama_cli_old))} "
         f"--storage {shlex.quote(str(storage))}")  # sized by the pane, not by inherited env
    pane = Pane(name)
    try:
        pane.wait(r"\bready\b", timeout=120)
        pane.type("How does the prefill budget size the sources in the benchmarks?")
        pane.keys("Enter")
        left = pane.wait(r"reading sources: (\d+) tokens, ~([\d.]+) s left · Esc stops", 90)
        assert int(left.group(1)) > 50
        pane.keys("Escape")
        pane.wait(r" stopped  local sources", timeout=60)  # the status line's state
        assert "reading sources" not in pane.screen()

        pane.type("How often are the zebras at the Lakeside farm fed?")
        pane.keys("Enter")
        pane.wait(r"› How often are the zebras", timeout=10)
        pane.wait(r"citations: .*", timeout=120)  # the answer ended and was checked
        pane.wait(r" ready  local sources", timeout=30)
        if "F4 shows them" in pane.screen():  # a narrow terminal hides the side panes
            pane.keys("F4")
        pane.keys("Tab")
        for number in range(1, 9):  # find the deleted file among the sources
            pane.keys(str(number), "Enter")
            time.sleep(0.6)
            if "zebra-notes.md no longer exists" in pane.screen():
                break
            pane.keys("Escape")
            time.sleep(0.3)
        screen = pane.screen()
        assert "zebra-notes.md no longer exists (deleted or moved" in screen, screen
        assert "fed hay twice a day" in screen
    finally:
        subprocess.run(["tmux", "kill-session", "-t", name], capture_output=True)
