"""The shared hostile-text table (tests/hostile_text.py) through the TUI.

Pilot: the fake llama-cli answers with every case; what the transcript renders (the Strips'
segments, i.e. what Textual writes to the terminal as text) holds no control character and
every case's visible text (`hostile.lost`, the check `ask`/`chat --plain` stdout pass too).
tmux: the real app in a real terminal, captured with escapes
(`capture-pane -e`): only SGR colour sequences, no title change, nothing after a sequence lost.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests import hostile_text as hostile
from tests.tui.conftest import answer, answered, ready
from tests.tui.fake_cli import FAKE_ENV

SGR = re.compile(r"\x1b\[[0-9;:]*m")


def flat(text: str) -> str:
    """Markdown joins soft line breaks and the screen wraps: compare words, not lines."""
    return " ".join(text.split())


async def test_hostile_answer_is_shown_as_text_and_nothing_after_it_is_lost(make_app, fake):
    fake([hostile.all_in_one()], token_delay=0)
    app = make_app()
    async with app.run_test(size=(120, 60)) as pilot:
        await ready(pilot, app)
        await pilot.press(*"hi", "enter")
        await answered(pilot, app)
        log = app.chat.query_one("MarkdownLog")
        segments = [seg.text for y in range(log.line_count) for seg in log.render_line(y)]
        shown = "".join(segments)
        assert hostile.escaped(shown) == [], "control characters reached the screen"
        assert hostile.escaped(answer(app, 1)) == []
        screen = flat("\n".join(log.text_lines()))
        assert hostile.lost(screen) == []  # the same check as ask / chat --plain stdout
        assert screen.count(hostile.AFTER) == len(hostile.CASES)
        assert "[link=file:///etc/passwd]click[/link]" in screen  # markup shown as text


@pytest.mark.integration
def test_hostile_answer_in_a_real_terminal(fake_llama_cli, smollm2, isolated_dirs):
    if not shutil.which("tmux"):
        pytest.skip("tmux not installed")
    name = f"neuro-tui-hostile-{os.getpid()}"
    env = {k: os.environ[k] for k in ("NEURO_TUI_CONFIG_DIR", "NEURO_TUI_DATA_DIR",
                                      "NEURO_TUI_RUNTIME_DIR")}
    env |= {"FAKE_ANSWERS": json.dumps([hostile.all_in_one()]), "FAKE_TOKEN_DELAY": "0.001",
            "FAKE_LOAD_DELAY": "0.05", "TERM": "xterm-256color", "NEURO_TUI_THREADS": "1"}
    exports = " ".join(f"{k}={shlex.quote(v)}" for k, v in env.items())
    # a tmux server started earlier keeps its own environment: no other script leaks in
    exports = " ".join(f"-u {name}" for name in FAKE_ENV if name not in env) + " " + exports
    binary = Path(sys.executable).parent / "neuro-tui"
    command = (f"env {exports} {binary} --model {shlex.quote(str(smollm2))} "
               f"--cli {shlex.quote(str(fake_llama_cli))}")

    def tmux(*args: str) -> str:
        return subprocess.run(["tmux", *args], check=True, capture_output=True,
                              text=True).stdout

    tmux("new-session", "-d", "-s", name, "-x", "160", "-y", "60", command)
    try:
        title = tmux("display-message", "-p", "-t", name, "#{pane_title}")
        end = time.monotonic() + 60
        while "ready" not in tmux("capture-pane", "-p", "-t", name):
            assert time.monotonic() < end, tmux("capture-pane", "-p", "-t", name)
            time.sleep(0.2)
        tmux("send-keys", "-t", name, "-l", "hi")
        tmux("send-keys", "-t", name, "Enter")
        while not re.search(r"tokens · [\d.]+ tok/s", tmux("capture-pane", "-p", "-t", name)):
            assert time.monotonic() < end + 60, tmux("capture-pane", "-p", "-t", name)
            time.sleep(0.2)
        time.sleep(0.3)  # the frame after the stats line
        raw = tmux("capture-pane", "-p", "-e", "-t", name)
        assert hostile.escaped(SGR.sub("", raw)) == [], "only colour escapes on screen"
        screen = flat(SGR.sub("", raw))
        assert hostile.lost(screen) == [], screen
        assert screen.count(hostile.AFTER) == len(hostile.CASES), screen
        assert tmux("display-message", "-p", "-t", name, "#{pane_title}") == title
    finally:
        subprocess.run(["tmux", "kill-session", "-t", name], capture_output=True)
