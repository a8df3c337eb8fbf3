"""A local llama-server: find it, start it on a free loopback port, wait for /health, stop it.

Why llama-server and not our own server: it is the same pinned llama.cpp as llama-cli
(built beside it by `runtime install`), it speaks the OpenAI API every other engine
speaks, and it reports exact timings. It listens on 127.0.0.1 only, so nothing can reach
it from off the machine. Servers kept with `engine start --keep` are recorded (pid, URL,
model, log) by engine/server_registry.py so `engine status/stop` and the app find them;
which binary, and whether it may save slots: engine/server_binary.py. A server started for
a chat dies with the app however it ends (neuro_tui/lifetime.py).
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import time
from pathlib import Path

import httpx

from neuro_tui import lifetime, paths
from neuro_tui.engine.params import GenerationParams
from neuro_tui.engine.server_binary import find_binary, slot_saves_safe  # noqa: F401
from neuro_tui.errors import GenerationError, MissingError

HOST = "127.0.0.1"


def slot_dir() -> Path:
    """Where the servers neuro-tui starts save a chat's state (--slot-save-path): beside
    the chat files, in the data folder, never in the repo."""
    return paths.sessions_dir() / "server-state"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


class LocalServer:
    """One llama-server process serving `model` on 127.0.0.1:`port`."""

    def __init__(self, binary: Path, model: Path, params: GenerationParams, *,
                 port: int | None = None, log_dir: Path | None = None,
                 ready_timeout_s: float = 300.0, state_dir: Path | None = None,
                 saves_slots: bool = True):
        self.binary, self.model, self.params = Path(binary), Path(model), params
        # its --slot-save-path (fast resume, server_state.py); None: never asked to save
        self.state_dir = (state_dir or slot_dir()) if saves_slots else None
        self.port = port or free_port()
        self.ready_timeout_s = ready_timeout_s
        stamp = time.strftime("%Y%m%d-%H%M%S")
        self.log_path = (log_dir or paths.logs_dir()) / f"llama-server-{stamp}-{self.port}.log"
        self.proc: subprocess.Popen | None = None
        self.load_ms: float | None = None
        self.keep = False  # True: outlives this process (engine start --keep)
        # spawned to outlive us (engine start --keep): no death signal, no hangup stop
        self.detached = False

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    @property
    def pid(self) -> int | None:
        return self.proc.pid if self.proc else None

    @property
    def running(self) -> bool:
        return self.alive()

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def argv(self) -> list[str]:
        p = self.params
        argv = [str(self.binary), "-m", str(self.model), "--host", HOST, "--port", str(self.port),
                "-c", str(p.ctx_size), "-t", str(p.threads), "-b", str(p.batch_size),
                "-np", "1", "--alias", self.model.stem,
                # a prompt longer than the context is refused (400) instead of cut silently
                # in its middle, so the chat's context policy decides what is dropped
                "--no-context-shift"]
        if self.state_dir is not None:
            argv += ["--slot-save-path", str(self.state_dir)]
        return [*argv, *p.extra_args]

    async def start(self) -> None:
        """Spawn and wait until /health says ok; MissingError/GenerationError with the log's
        reason when it exits or does not get ready in time."""
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        if self.state_dir is not None:
            self.state_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        t0 = time.monotonic()
        # Its own session (Ctrl+C and a terminal's hangup reach only us), yet it dies with
        # us however we end (neuro_tui/lifetime.py): a chat's server is the chat's.
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(
                self.argv(), stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True,
                preexec_fn=None if self.detached else lifetime.dies_with_us())
        if self not in _LIVE:
            _LIVE.append(self)
        lifetime.on_hangup(stop_all_now)  # also while a --keep server loads
        async with httpx.AsyncClient(trust_env=False, timeout=2.0) as client:
            while True:
                if self.proc.poll() is not None:
                    raise MissingError(f"llama-server exited ({self.proc.returncode}) before "
                                       f"it was ready: {self.reason()}",
                                       hint=f"log: {self.log_path}")
                try:
                    if (await client.get(f"{self.url}/health")).status_code == 200:
                        break
                except httpx.TransportError:
                    pass  # not listening yet
                if time.monotonic() - t0 > self.ready_timeout_s:
                    await self.stop()
                    raise GenerationError(f"llama-server was not ready after "
                                          f"{self.ready_timeout_s:.0f} s",
                                          hint=f"log: {self.log_path}")
                await asyncio.sleep(0.1)
        self.load_ms = (time.monotonic() - t0) * 1000

    async def ensure(self) -> None:
        """Running and answering /health, else (re)started: a server that was killed may
        not be reaped yet when its connection drops, so poll() alone cannot tell."""
        if self.alive():
            try:
                async with httpx.AsyncClient(trust_env=False, timeout=2.0) as client:
                    if (await client.get(f"{self.url}/health")).status_code == 200:
                        return
            except httpx.TransportError:
                pass
        await self.stop()
        await self.start()

    def reason(self) -> str:
        try:
            lines = self.log_path.read_text(errors="replace").splitlines()
        except OSError:
            return "no log"
        errors = [ln for ln in lines if "error" in ln.lower() or "failed" in ln.lower()]
        return (errors or lines or ["no output"])[-1].strip()[:200]

    async def stop(self) -> None:
        """SIGTERM to its process group, SIGKILL after 5 s; always reaped. No-op if kept."""
        if self.proc is None or self.keep:
            return
        if self.proc.poll() is None:
            _signal_group(self.proc.pid, signal.SIGTERM)
            for _ in range(50):
                if self.proc.poll() is not None:
                    break
                await asyncio.sleep(0.1)
            else:
                _signal_group(self.proc.pid, signal.SIGKILL)
        self.proc.wait()


def _signal_group(pid: int, sig: int) -> None:
    try:
        os.killpg(pid, sig)
    except (ProcessLookupError, PermissionError):
        pass


_LIVE: list[LocalServer] = []


def _kill_leftovers() -> None:
    """The app's own (not kept) servers go when it goes, even without close()."""
    for server in _LIVE:
        if not server.keep and server.alive():
            _signal_group(server.pid, signal.SIGKILL)


def stop_all_now(grace_s: float = 2.0) -> None:
    """On SIGHUP/SIGTERM of the app: SIGTERM each of its servers (they finish their
    writes), SIGKILL what still runs after `grace_s`; synchronous, we are ending."""
    ours = [s for s in _LIVE if not s.keep and s.alive()]
    for server in ours:
        _signal_group(server.pid, signal.SIGTERM)
    end = time.monotonic() + grace_s
    while any(s.alive() for s in ours) and time.monotonic() < end:
        time.sleep(0.05)
    _kill_leftovers()


import atexit  # noqa: E402 - registered right after what it calls

atexit.register(_kill_leftovers)
