"""llama-cli under a pexpect pty, driven from asyncio: spawn, read, write, end, reap.

Why this shape: `sh -c 'exec llama-cli ... 2>LOG'` keeps the ~125 log lines out of the
answer stream but on disk for the log view and error messages; the child is a session
leader (pty.fork does setsid), so its process group is killed as one and it gets SIGHUP if
we die. Reads come from the event loop (add_reader) and writes are non-blocking and
chunked, so a 20 KB paste never deadlocks against its own echo.
"""

from __future__ import annotations

import asyncio
import os
import shlex
import signal
import time
from collections.abc import Callable
from pathlib import Path

import pexpect

CHILD_ENV = {"LANG": "C.UTF-8", "LC_ALL": "C.UTF-8", "TERM": "xterm-256color"}


class PtyProcess:
    def __init__(self, argv: list[str], log_path: Path, on_read: Callable[[bytes | None], None],
                 record: Path | None = None):
        self.argv, self.log_path, self.on_read = argv, log_path, on_read
        self.record = open(record, "ab") if record else None  # raw pty bytes, for debugging
        self.child: pexpect.spawn | None = None
        self.exit_code: int | None = None
        self.signal: int | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    @property
    def pid(self) -> int | None:
        return self.child.pid if self.child else None

    def spawn(self) -> None:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        command = "exec " + shlex.join(self.argv) + " 2>" + shlex.quote(str(self.log_path))
        env = {**os.environ, **CHILD_ENV}
        self.child = pexpect.spawn("sh", ["-c", command], env=env, echo=False,
                                   dimensions=(40, 200), use_poll=True)
        self.child.delaybeforesend = None
        os.set_blocking(self.child.child_fd, False)
        self._loop = asyncio.get_running_loop()
        self._loop.add_reader(self.child.child_fd, self._readable)

    def _readable(self) -> None:
        try:
            data = os.read(self.child.child_fd, 65536)
        except BlockingIOError:
            return
        except OSError:  # EIO: the child side of the pty is gone
            data = b""
        if not data:
            self._stop_reading()
            self.on_read(None)
            return
        if self.record:
            self.record.write(data)
            self.record.flush()
        self.on_read(data)

    def _stop_reading(self) -> None:
        if self._loop and self.child and not self.child.closed:
            self._loop.remove_reader(self.child.child_fd)

    async def write(self, data: bytes) -> None:
        """All of `data`, in chunks, yielding to the reader whenever the pty is full."""
        view = memoryview(data)
        while view:
            try:
                sent = os.write(self.child.child_fd, view[:1024])
                view = view[sent:]
            except BlockingIOError:
                await asyncio.sleep(0.002)
            except OSError:
                return  # the child is gone; the reader reports it

    def write_now(self, data: bytes) -> None:
        try:
            os.write(self.child.child_fd, data)
        except OSError:
            pass

    def alive(self) -> bool:
        if self.child is None:
            return False
        try:
            alive = self.child.isalive()
        except pexpect.ExceptionPexpect:
            alive = False
        if not alive:
            self.exit_code, self.signal = self.child.exitstatus, self.child.signalstatus
        return alive

    async def wait_exit(self, timeout: float) -> bool:
        end = time.monotonic() + timeout
        while self.alive():
            if time.monotonic() > end:
                return False
            await asyncio.sleep(0.02)
        return True

    def kill_group(self, sig: int) -> None:
        if self.child is None:
            return
        try:
            os.killpg(self.child.pid, sig)
        except (ProcessLookupError, PermissionError):
            pass

    async def end(self, polite: bytes | None = None, timeout: float = 2.0) -> None:
        """`polite` (e.g. EOF) first, then SIGHUP, then SIGKILL; always reaped, fd closed."""
        if self.child is None:
            return
        if polite and self.alive():
            self.write_now(polite)
            await self.wait_exit(timeout / 2)
        for sig in (signal.SIGHUP, signal.SIGKILL):
            if not self.alive():
                break
            self.kill_group(sig)
            await self.wait_exit(timeout / 2)
        self._stop_reading()
        if self.record:
            self.record.close()
            self.record = None
        try:
            self.child.close(force=True)
        except Exception:
            pass
        self.alive()

    def log_tail(self, lines: int = 20) -> list[str]:
        try:
            text = self.log_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return []
        return [line for line in text.splitlines() if line.strip()][-lines:]
