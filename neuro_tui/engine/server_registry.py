"""Servers kept with `neuro-tui engine start --keep`: <data dir>/engines.json.

One entry per server (pid, URL, model, binary, log, started). A recorded pid counts only
while it is still a running llama-server, so a reused pid never gets signalled.
"""

from __future__ import annotations

import json
import signal
import time
from pathlib import Path

from neuro_tui import paths
from neuro_tui.atomic import write_private
from neuro_tui.engine.llama_server import LocalServer, _signal_group


def registry_path() -> Path:
    return paths.data_dir() / "engines.json"


def _pid_alive(pid: int) -> bool:
    """A llama-server with this pid runs (a reused pid of another program does not count)."""
    import psutil

    try:
        proc = psutil.Process(pid)
        return proc.status() != psutil.STATUS_ZOMBIE and "llama-server" in " ".join(
            [proc.name(), *proc.cmdline()[:1]])
    except (psutil.Error, ValueError):
        return False


def recorded() -> list[dict]:
    """Kept servers that still run (dead entries are dropped from the file)."""
    try:
        entries = json.loads(registry_path().read_text())
    except (OSError, ValueError):
        return []
    alive = [e for e in entries if isinstance(e, dict) and _pid_alive(int(e.get("pid", 0)))]
    if len(alive) != len(entries):
        _write(alive)
    return alive


def record(server: LocalServer) -> dict:
    entry = {"pid": server.pid, "url": server.url, "model": str(server.model),
             "binary": str(server.binary), "log": str(server.log_path),
             "slot_dir": str(server.state_dir) if server.state_dir else None,
             "started": time.strftime("%Y-%m-%dT%H:%M:%S%z")}
    _write([*[e for e in recorded() if e["pid"] != server.pid], entry])
    return entry


def forget(pid: int) -> None:
    _write([e for e in recorded() if e["pid"] != pid])


def _write(entries: list[dict]) -> None:
    path = registry_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    write_private(path, json.dumps(entries, indent=1))  # pids and URLs: this user's


def stop_recorded(pid: int, timeout_s: float = 5.0) -> bool:
    """SIGTERM a kept server (SIGKILL after `timeout_s`); False if it was not running."""
    if not _pid_alive(pid):
        forget(pid)
        return False
    _signal_group(pid, signal.SIGTERM)
    end = time.monotonic() + timeout_s
    while _pid_alive(pid) and time.monotonic() < end:
        time.sleep(0.1)
    if _pid_alive(pid):
        _signal_group(pid, signal.SIGKILL)
    forget(pid)
    return True
