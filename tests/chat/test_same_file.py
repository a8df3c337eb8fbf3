"""The CLI half of "the CLI and the TUI save the same chat file" (tests/chat/scripted.py)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from neuro_tui.chat import store
from tests.chat.scripted import EXPECTED, QUESTIONS, fake_env, saved_form

pytestmark = pytest.mark.timeout(120)


def test_chat_plain_save_writes_the_scripted_chat(fake_llama_cli, smollm2):
    stdin = "".join(q + "\n" for q in QUESTIONS).encode()
    result = subprocess.run(
        [sys.executable, "-m", "neuro_tui", "chat", "--plain", "--save", "--cli",
         str(fake_llama_cli), "--model", str(smollm2), "--threads", "1", "--max-tokens", "0"],
        input=stdin, capture_output=True, env={**os.environ, **fake_env()}, timeout=100)
    assert result.returncode == 0, result.stderr.decode()
    [saved] = store.list_chats()
    assert f"chat saved as {saved.chat_id}" in result.stderr.decode()
    assert saved_form(saved.path) == EXPECTED
