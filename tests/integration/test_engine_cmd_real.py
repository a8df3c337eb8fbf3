"""`neuro-tui engine start/status/stop` with the real llama-server and SmolLM2, as a user
runs them (subprocesses of the installed console script's entry), then the app's factory
connecting to the kept server."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time

import psutil
import pytest

from neuro_tui import config as config_mod
from neuro_tui.engine.events import AnswerText, TurnStats
from neuro_tui.engine.factory import build_session
from tests.integration.test_server_real import llama_server_bin

pytestmark = [pytest.mark.integration, pytest.mark.slow, pytest.mark.timeout(300)]
__all__ = ["llama_server_bin"]


def neuro(*args: str, **kw) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "neuro_tui", *args], capture_output=True,
                          text=True, timeout=120, **kw)


@pytest.fixture
def env(llama_server_bin, smollm2, monkeypatch):
    monkeypatch.setenv("LLAMA_SERVER_PATH", llama_server_bin)
    monkeypatch.setenv("NEURO_TUI_THREADS", "1")
    monkeypatch.setenv("NEURO_TUI_MODEL", str(smollm2))
    return os.environ


async def test_keep_status_connect_stop(env):
    started = neuro("engine", "start", "--keep")
    assert started.returncode == 0, started.stderr
    url = started.stdout.strip()
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+", url), started.stdout
    pid = int(re.search(r"pid (\d+)", started.stderr).group(1))
    try:
        status = neuro("engine", "status", "--json")
        [entry] = json.loads(status.stdout)
        assert (entry["pid"], entry["url"], entry["health"]) == (pid, url, "ok")
        session = build_session(config_mod.load({"engine": "server", "max_tokens": 8}))
        await session.start()
        assert session.url == url and session.pid == pid and session.stats.rss_bytes
        events = [e async for e in session.ask("Say hello.")]
        assert isinstance(events[-1], TurnStats) and any(isinstance(e, AnswerText)
                                                         for e in events)
        await session.close()
        assert psutil.pid_exists(pid), "closing the chat stopped a kept server"
    finally:
        stopped = neuro("engine", "stop")
    assert f"stopped llama-server pid {pid}" in stopped.stdout
    assert not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    assert "no llama-server is kept running" in neuro("engine", "status").stdout


def test_foreground_start_stops_on_sigterm(env):
    proc = subprocess.Popen([sys.executable, "-m", "neuro_tui", "engine", "start"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        url = proc.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:"), url
        server = [c for c in psutil.Process(proc.pid).children(recursive=True)
                  if "llama-server" in c.name()]
        assert len(server) == 1
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(30) == 0
        end = time.monotonic() + 10
        while server[0].is_running() and server[0].status() != psutil.STATUS_ZOMBIE:
            assert time.monotonic() < end, "llama-server outlived `engine start`"
            time.sleep(0.1)
        assert "llama-server stopped" in proc.stderr.read()
    finally:
        if proc.poll() is None:
            proc.kill()


def test_start_failures_are_one_line(env, tmp_path):
    missing = neuro("engine", "start", "--model", str(tmp_path / "nope.gguf"))
    assert missing.returncode != 0 and "nope.gguf" in missing.stderr
    assert "Traceback" not in missing.stderr
    broken = neuro("engine", "start", "--server", "/bin/false")
    assert broken.returncode != 0 and "llama-server exited (1) before it was ready" in \
        broken.stderr, broken.stderr
    assert "Traceback" not in broken.stderr
