"""The real app in tmux on the server engine: `neuro-tui --engine server --url URL` against a
real llama-server (0.3.16 + SmolLM2 on 127.0.0.1), once (issue 15).

What a user sees: the model pane names the server, the model it reports and its own
context size; answers stream with exact counts (no "~"); Esc stops an answer; a follow-up
goes on from the message list; Ctrl+Q quits and the chat is saved with every turn.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import time

import pytest

from tests.integration.test_server_cli_real import server_url  # noqa: F401 - fixture
from tests.integration.test_server_real import llama_server_bin  # noqa: F401 - fixture
from tests.integration.test_tui_tmux import VENV_BIN, Pane, stop_a_story_then_follow_up, tmux

pytestmark = [pytest.mark.integration, pytest.mark.slow, pytest.mark.timeout(600)]


@pytest.fixture
def server_pane(server_url, isolated_dirs):  # noqa: F811
    if not shutil.which("tmux"):
        pytest.skip("tmux not installed")
    name = f"neuro-tui-server-test-{os.getpid()}"
    env = {k: os.environ[k] for k in ("NEURO_TUI_CONFIG_DIR", "NEURO_TUI_DATA_DIR",
                                      "NEURO_TUI_RUNTIME_DIR", "NEURO_BITNET_MODELS_DIR")}
    env |= {"NEURO_TUI_SEED": "7", "NEURO_TUI_MAX_TOKENS": "1000", "TERM": "xterm-256color"}
    exports = " ".join(f"{k}={shlex.quote(v)}" for k, v in env.items())
    command = f"env {exports} {VENV_BIN / 'neuro-tui'} --engine server --url {server_url}"
    tmux("new-session", "-d", "-s", name, "-x", "120", "-y", "40", command)
    yield Pane(name), server_url
    subprocess.run(["tmux", "kill-session", "-t", name], capture_output=True)


def test_tui_on_the_server_engine(server_pane):
    pane, url = server_pane
    pane.wait(r"\bready\b", timeout=60)
    if f"server {url}" not in pane.screen():  # side panes hidden at this width: F4 shows them
        pane.keys("F4")
    pane.wait(re.escape(f"server {url}"), timeout=10)
    screen = pane.screen()
    assert f"server {url}" in screen, screen
    assert "SmolLM2-135M-Instruct.Q4_1" in screen and "ctx 2048 (server)" in screen, screen
    assert "not this machine" not in screen

    pane.type("What is the capital of France?")
    pane.keys("Enter")
    pane.wait(r"› What is the capital of France\?")
    note = pane.wait(r"(~?)(\d+) tokens · ([\d.]+) tok/s · TTFT (\d+) ms", timeout=60)
    assert note.group(1) == "" and int(note.group(2)) > 0, note.group(0)  # exact: no "~"

    stop_a_story_then_follow_up(pane, timeout=60)
    note = pane.wait(r"(~?)(\d+) tokens · ([\d.]+) tok/s · TTFT (\d+) ms", timeout=10)
    assert note.group(1) == "", note.group(0)  # the follow-up's counts are exact too
    pane.keys("C-q")
    time.sleep(1.5)

    from neuro_tui.chat import store

    [saved] = store.list_chats()
    turns = saved.transcript.turns
    assert [t.question for t in turns] == [
        "What is the capital of France?",
        "Write a very long story about a dragon who learns to cook.",
        "Thanks. Now name one city in Germany."]
    assert turns[1].stop_reason == "interrupted" and turns[1].answer
    assert turns[2].answer.strip() and turns[2].stats["tokens_exact"]
    assert saved.transcript.model == "SmolLM2-135M-Instruct.Q4_1"
