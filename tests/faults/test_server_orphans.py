"""The app killed by SIGHUP (a dropped SSH session, `tmux kill-session`), SIGTERM or SIGKILL
while it answers on the server engine: the llama-server it started for the chat dies with
it (graceful stop on HUP/TERM, the kernel's death signal on KILL); a server kept with
`engine start --keep` stays up. And the pty llama-cli dies on the app's SIGHUP/SIGTERM too.
Real llama-server 0.3.16, real llama-cli 0.3.16, SmolLM2; real processes and signals."""

from __future__ import annotations

import os
import re
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pexpect
import psutil
import pytest

from tests.integration.test_server_real import llama_server_bin

pytestmark = pytest.mark.timeout(240)
__all__ = ["llama_server_bin"]
QUESTION = b"Write a very long story about a dragon.\n"


@pytest.fixture
def env(llama_server_bin, smollm2, monkeypatch):
    monkeypatch.setenv("LLAMA_SERVER_PATH", llama_server_bin)
    monkeypatch.setenv("NEURO_TUI_THREADS", "1")
    monkeypatch.setenv("NEURO_TUI_MODEL", str(smollm2))
    return dict(os.environ)


def children(pid: int, name: str) -> list[psutil.Process]:
    return [c for c in psutil.Process(pid).children(recursive=True) if name in c.name()]


def answering_chat(env: dict, *args: str) -> tuple[subprocess.Popen, psutil.Process | None]:
    """`chat --plain` asked for a long story, once its answer streams: (app, its child
    `llama-*` process if it started one)."""
    app = subprocess.Popen([sys.executable, "-m", "neuro_tui", "chat", "--plain",
                            "--max-tokens", "0", *args], stdin=subprocess.PIPE,
                           stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env)
    app.stdin.write(QUESTION)
    app.stdin.flush()
    seen, deadline = b"", time.monotonic() + 120
    while len(re.findall(rb"\w+", seen)) < 30 and time.monotonic() < deadline:
        assert app.poll() is None, seen
        if select.select([app.stdout], [], [], 1.0)[0]:
            seen += os.read(app.stdout.fileno(), 4096)
    assert len(re.findall(rb"\w+", seen)) >= 30, seen
    # the engine itself (llama-cli or llama-server), not the short-lived llama-tokenize
    # that counts the context exactly beside a pty llama-cli (engine/context_count.py)
    started = [c for c in children(app.pid, "llama-") if "tokenize" not in c.name()]
    assert len(started) <= 1, started
    return app, (started[0] if started else None)


def gone_within(proc: psutil.Process, seconds: float) -> bool:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        try:
            if proc.status() == psutil.STATUS_ZOMBIE:
                return True
        except psutil.NoSuchProcess:
            return True
        time.sleep(0.05)
    return False


@pytest.mark.parametrize("sig", [signal.SIGHUP, signal.SIGTERM, signal.SIGKILL],
                         ids=["HUP", "TERM", "KILL"])
def test_app_killed_leaves_no_llama_server(env, sig):
    app, server = answering_chat(env, "--engine", "server")
    assert "llama-server" in server.name() and server.ppid() == app.pid
    app.send_signal(sig)
    try:
        assert app.wait(15) == -sig  # ended by that signal, as without neuro-tui's handler
        assert gone_within(server, 5.0), f"llama-server {server.pid} outlived a {sig.name}"
    finally:
        if server.is_running():
            server.kill()
    [log] = (Path(env["NEURO_TUI_DATA_DIR"]) / "logs").glob("llama-server-*.log")
    if sig != signal.SIGKILL:  # the graceful path: llama-server got SIGTERM and cleaned up
        assert got_sigterm(log.read_text(errors="replace"))


def got_sigterm(log: str) -> bool:
    """llama-server's log shows it handled a SIGTERM (a SIGKILL leaves no line): it cleans
    up, or, when the signal lands while a slot is answering, 0.3.16's shutdown aborts on a
    still-joinable thread (seen once in a fresh-clone run, under load)."""
    return ("cleaning up before exit" in log
            or "terminate called without an active exception" in log)


@pytest.mark.parametrize("how", ["hangup", "kill"])
def test_tui_hangup_leaves_no_llama_server(env, how):
    """The TUI's terminal goes away (the pty master closes, as `tmux kill-session` or a
    dropped SSH session does): the kernel's SIGHUP ends the app and its llama-server. Or
    the TUI is SIGKILLed: its server was spawned from the app's main thread, so the
    kernel's death signal reaches it."""
    tui = pexpect.spawn(sys.executable, ["-m", "neuro_tui", "--engine", "server"],
                        env={**env, "TERM": "xterm-256color"}, dimensions=(30, 110),
                        timeout=120)
    try:
        deadline, server = time.monotonic() + 120, []
        while not server and time.monotonic() < deadline:
            tui.expect([pexpect.TIMEOUT, pexpect.EOF], timeout=0.5)
            server = children(tui.pid, "llama-server")
        assert server, "the TUI started no llama-server"
        port = re.search(r"--port (\d+)", " ".join(server[0].cmdline())).group(1)
        while time.monotonic() < deadline:  # loaded and serving, then the terminal goes
            try:
                if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.2)
        if how == "kill":
            os.kill(tui.pid, signal.SIGKILL)
        else:
            os.close(tui.child_fd)  # hang up: the kernel sends the TUI SIGHUP
        assert gone_within(psutil.Process(tui.pid), 15.0), "the TUI survived its hangup"
        assert gone_within(server[0], 5.0), f"llama-server outlived the TUI ({how})"
    finally:
        tui.terminate(force=True)
        for proc in server:
            if proc.is_running():
                proc.kill()


def test_kept_server_survives_the_app_killed(env):
    started = subprocess.run([sys.executable, "-m", "neuro_tui", "engine", "start", "--keep"],
                             capture_output=True, text=True, timeout=120, env=env)
    assert started.returncode == 0, started.stderr
    url = started.stdout.strip()
    kept = psutil.Process(int(re.search(r"pid (\d+)", started.stderr).group(1)))
    try:
        app, own = answering_chat(env, "--engine", "server")  # no url: the kept one
        assert own is None
        app.send_signal(signal.SIGKILL)
        app.wait(15)
        assert not gone_within(kept, 5.0), "killing the app stopped a kept server"
        assert httpx.get(f"{url}/health", timeout=5).status_code == 200
    finally:
        subprocess.run([sys.executable, "-m", "neuro_tui", "engine", "stop"],
                       capture_output=True, timeout=60, env=env)
    assert gone_within(kept, 10.0)


@pytest.mark.parametrize("sig", [signal.SIGHUP, signal.SIGTERM], ids=["HUP", "TERM"])
def test_app_hangup_ends_the_pty_llama_cli(env, llama_cli_old, sig):
    """Verified, not assumed: the app's end closes the pty master, and llama-cli (its
    session's leader on that pty) gets SIGHUP from the kernel and exits."""
    app, cli = answering_chat(env, "--cli", str(llama_cli_old))
    assert "llama-cli" in cli.name()
    app.send_signal(sig)
    try:
        assert app.wait(15) == -sig
        assert gone_within(cli, 5.0), f"llama-cli {cli.pid} outlived the app's {sig.name}"
    finally:
        if cli.is_running():
            cli.kill()
