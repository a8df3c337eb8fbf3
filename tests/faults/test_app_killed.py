"""The app SIGKILLed mid-answer (no cleanup at all): llama-cli does not outlive it, the chat
file keeps every streamed word, says the answer was cut off, and the chat resumes."""

from __future__ import annotations

import json
import os
import select
import signal
import subprocess
import sys
import time

import psutil
import pytest

pytestmark = pytest.mark.timeout(120)


def sessions(*args):
    return subprocess.run([sys.executable, "-m", "neuro_tui", "sessions", *args],
                          capture_output=True, text=True, timeout=60)


def test_chat_killed_mid_answer_keeps_the_streamed_text(fake_llama_cli, smollm2):
    env = {**os.environ, "FAKE_ANSWERS": json.dumps(["{endless}"]),
           "FAKE_TOKEN_DELAY": "0.02"}
    app = subprocess.Popen([sys.executable, "-m", "neuro_tui", "chat", "--plain", "--save",
                            "--cli", str(fake_llama_cli), "--model", str(smollm2),
                            "--max-tokens", "0"],
                           stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                           stderr=subprocess.DEVNULL, env=env)
    app.stdin.write(b"tell me everything\n")
    app.stdin.flush()
    seen, deadline = b"", time.monotonic() + 60
    while b"word20 " not in seen and time.monotonic() < deadline:
        if select.select([app.stdout], [], [], 1.0)[0]:
            seen += os.read(app.stdout.fileno(), 4096)
    assert b"word20 " in seen, seen
    llama = [p.pid for p in psutil.Process(app.pid).children(recursive=True)]
    app.send_signal(signal.SIGKILL)
    app.wait(10)
    time.sleep(2)
    alive = [p for p in llama if psutil.pid_exists(p)
             and psutil.Process(p).status() != psutil.STATUS_ZOMBIE]
    for pid in alive:
        os.kill(pid, signal.SIGKILL)
    assert alive == []  # llama-cli got SIGHUP through the pty
    shown = sessions("show", "last")
    assert shown.returncode == 0, shown.stderr
    assert "tell me everything" in shown.stdout
    assert "word1 word2" in shown.stdout and "word20" in shown.stdout  # streamed text kept
    assert "cut off" in shown.stdout and "Traceback" not in shown.stderr
