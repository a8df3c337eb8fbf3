"""LlamaSession: one live llama-cli conversation over a pty (implements engine.base.ChatSession).

Public API (stable; the TUI, `ask` and `chat --plain` rely on it):
    s = LlamaSession(spec: SessionSpec, record_pty: Path | None = None)  # nothing spawned yet
    await s.start()   # spawn, wait for the first prompt. Raises MissingError (binary missing;
                      # model fails to load: the log's reason, e.g. "invalid magic") or
                      # GenerationError (not ready within spec.load_timeout_s)
    async for ev in s.ask(text):  # on first iteration: ValueError if the message is empty,
                                  # RuntimeError unless state is READY or STOPPED
        AnswerText(text)          # fragments of RAW model text (only the framing removed):
                                  #   the chat core cleans it once (textsafe)
        ContextWarning(ctx_used, ctx_size)  # once, at 80 % (estimate), before it wraps
        SessionError(message, kind, exit_code, signal, log_tail, partial)
                                  # kind "crash": llama-cli died mid-answer (partial answer
                                  #   kept in s.history, state CRASHED: call restart())
                                  # kind "hang": no byte for spec.hang_timeout_s and no CPU
                                  #   use (state CRASHED: call restart())
                                  # kind "context": new CLI refused (request > context)
        TurnStats(...)            # the last event of every turn that was not a crash/hang;
                                  # stop_reason "eos" | "max_tokens" | "interrupted"
    await s.interrupt()  # Ctrl+C semantics: the answer stops, the process stays. Returns at
                         # once; the running ask() iterator then ends with a TurnStats whose
                         # stop_reason is "interrupted" (state STOPPED, ask() allowed again)
    await s.restart(recap=None)  # fresh process; earlier turns go to the model as a recap in
                         # its system prompt (built from s.history when None, "" for none);
                         # s.notice tells the user. The transcript (s.history) is kept.
    await s.close()      # EOF at the prompt, then SIGHUP, then SIGKILL to the process group;
                         # always reaped (no zombie); an atexit hook kills leftovers
    Attributes: s.state (SessionState), s.stats (timing.LiveStats, updated live: tokens,
    tok_s, ttft_ms, load_ms, prompt_tokens, ctx_used/ctx_size, rss_bytes, cpu_percent, and
    gen_tok_s_reported/prompt_tok_s from the new CLI), s.log_path (llama-cli's stderr),
    s.history (list[Exchange(user, answer, partial)]), s.warnings (parameters not passed, with
    why), s.notice (str | None), s.pid, s.perf() (dict kind -> Perf from llama-cli's perf
    lines; the old protocol prints them at exit, so read it after close()).
    Abandoning an ask() iterator mid-answer is safe: the next ask() stops and drains it.
    Token counts are estimates (one pty read ~ one token, coalesced reads counted by words):
    TurnStats.tokens_exact is False; llama-cli only gives exact counts at exit (perf lines).
"""

from __future__ import annotations

import asyncio
import os
import time
from pathlib import Path

from neuro_tui import paths
from neuro_tui.engine import args as argmod
from neuro_tui.engine.context_count import open_context
from neuro_tui.engine.events import Exchange, Flavor, SessionState
from neuro_tui.engine.loglines import Perf, classify_line, why_lines
from neuro_tui.engine.params import SessionSpec
from neuro_tui.engine.protocol import StreamParser
from neuro_tui.engine.ptyproc import PtyProcess
from neuro_tui.engine.recap import build_recap
from neuro_tui.engine.sanitize import Prepared, prepare, system_text
from neuro_tui.engine.startup import exit_words, private_file, wait_until_ready
from neuro_tui.engine.timing import ContextTracker, LiveStats, ProcessProbe
from neuro_tui.engine.turn import run_turn
from neuro_tui.engine.turn_state import TurnState, after_late_ctrl_c, drain
from neuro_tui.errors import GenerationError, MissingError


class LlamaSession:
    def __init__(self, spec: SessionSpec, record_pty: Path | None = None):
        self.spec = spec
        self.record_pty = record_pty  # append every raw pty byte here (debugging, tests)
        self.stats = LiveStats(ctx_size=spec.params.ctx_size)
        self.history: list[Exchange] = []
        self.warnings: list[str] = []
        self.notice: str | None = None
        self._proc: PtyProcess | None = None
        self._parser: StreamParser | None = None
        self._queue: asyncio.Queue = asyncio.Queue()
        self._turn = 0
        self._spawns = 0
        self._system: str = system_text(spec.params.system_prompt, spec.flavor)
        self._ctx: ContextTracker | None = None
        self._probe = ProcessProbe(None)
        self._ctrl_c_stops = self._counts_in_log = False
        self._last: TurnState | None = None  # the running or last turn (engine/turn.py)
        self._current = None  # the running turn's generator
        self.log_lines_at_ready = 0

    @property
    def state(self) -> SessionState:
        return self.stats.state

    @property
    def log_path(self) -> Path | None:
        return self._proc.log_path if self._proc else None

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc else None

    # -- lifecycle ------------------------------------------------------------------------
    async def start(self) -> None:
        binary = self.spec.binary
        if not (Path(binary).is_file() and os.access(binary, os.X_OK)):
            self.stats.state = SessionState.CRASHED
            raise MissingError(f"llama-cli not found or not executable: {binary}",
                               hint="neuro-tui runtime install")
        folder = self.spec.log_dir or paths.logs_dir()
        system_file = private_file(self._system, folder) if self._system else None
        try:
            await self._spawn(system_file)
        finally:  # llama-cli read it while parsing its arguments
            if system_file is not None:
                system_file.unlink(missing_ok=True)

    async def _spawn(self, system_file: Path | None) -> None:
        argv = argmod.build_argv(self.spec, self._system, system_file)
        self.warnings, self._ctrl_c_stops = argv.notes, argv.stop_with_ctrl_c
        self._counts_in_log = argv.counts_in_log
        self._parser = StreamParser(self.spec.flavor, color=True)
        self._queue = asyncio.Queue()
        self._spawns += 1
        stamp = time.strftime("%Y%m%d-%H%M%S")
        name = f"llama-{stamp}-{os.getpid()}-{self._spawns}.log"
        log = (self.spec.log_dir or paths.logs_dir()) / name
        self._proc = PtyProcess(argv.argv, log, self._on_read, self.record_pty)
        self.stats.state = SessionState.LOADING
        t0 = time.monotonic()
        try:
            await wait_until_ready(self._proc, self._queue, self.spec)
        except (GenerationError, MissingError):
            self.stats.state = SessionState.CRASHED
            raise
        self.stats.load_ms = (time.monotonic() - t0) * 1000
        self.log_lines_at_ready = len(self._proc.log_tail(10**6))  # crash reasons come after
        self._ctx = open_context(self.stats, self.spec, self._system, self._proc.log_path)
        self._probe = ProcessProbe(self._proc.pid)
        self._probe.sample(self.stats)
        self.stats.state = SessionState.READY

    def _on_read(self, data: bytes | None) -> None:
        if data is None:  # the child is gone: what the parser still held is certain now
            tail = self._parser.finish()
            if tail:
                self._queue.put_nowait((time.monotonic(), tail))
            self._queue.put_nowait(None)
            return
        self._queue.put_nowait((time.monotonic(), self._parser.feed(data)))

    def why(self) -> list[str]:
        """The log lines that say why llama-cli stopped (engine.loglines.why_lines)."""
        return why_lines(self._proc.log_tail(10**6)[self.log_lines_at_ready:]) if self._proc else []

    def exit_text(self) -> str:
        """How the process ended, in words (for crash messages)."""
        return exit_words(self._proc)

    async def restart(self, recap: str | None = None) -> None:
        if self._current is not None:  # an answer still streaming: keep what was said
            await self._current.aclose()
            self._current = None
        self._last = None  # a fresh process: nothing to drain, no Ctrl+C in flight
        await self._respawn(recap)

    async def respawn(self) -> None:
        """A fresh llama-cli told its history as a recap, from inside a turn (engine/turn.py:
        our Ctrl+C landed at the prompt and llama-cli quit)."""
        await self._respawn(None)

    async def _respawn(self, recap: str | None) -> None:
        if self._proc:
            await self._proc.end()
        recap = build_recap(self.history, self.spec.params.ctx_size) if recap is None else recap
        base = self.spec.params.system_prompt
        self._system = system_text(f"{base}\n\n{recap}" if recap else base, self.spec.flavor)
        self.stats.state = SessionState.IDLE
        await self.start()
        turns = len(self.history)
        self.notice = (f"llama-cli restarted; the model was given a recap of the {turns} earlier "
                       "turn(s) in its system prompt") if recap else "llama-cli restarted"

    async def close(self) -> None:
        if self._ctx is not None and self._ctx.counter is not None:
            self._ctx.counter.close()
        if self._proc is None or self.stats.state is SessionState.CLOSED:
            self.stats.state = SessionState.CLOSED
            return
        at_prompt = self.stats.state in (SessionState.READY, SessionState.STOPPED)
        polite = b"\x04" if at_prompt and self.spec.flavor is not Flavor.BITNET else None
        self.stats.state = SessionState.CLOSED
        await self._proc.end(polite)

    def perf(self) -> dict[str, Perf]:
        """llama-cli's perf lines (old protocol, printed at exit) from the log."""
        found: dict[str, Perf] = {}
        for line in self._proc.log_tail(400) if self._proc else []:
            event = classify_line(line)
            if isinstance(event, Perf):
                found[event.kind] = event
        return found

    # -- turns -----------------------------------------------------------------------------
    def sample_process(self) -> None:
        """Refresh RSS/CPU now; turns sample while they run, callers poll between turns."""
        if self._probe is not None and self.stats.state not in (SessionState.GENERATING,
                                                                 SessionState.PREFILL):
            self._probe.sample(self.stats)

    async def interrupt(self) -> None:
        if self.stats.state in (SessionState.PREFILL, SessionState.GENERATING) and self._last:
            self._last.interrupt()

    async def ask(self, text: str):
        prepared = prepare(text, self.spec.flavor)
        async for event in self.send(prepared):
            yield event

    async def send(self, prepared: Prepared):
        """One turn of a message ask() has prepared (sanitize.prepare): its events."""
        if self._current is not None:  # the last caller stopped listening mid-answer
            await self._current.aclose()
            self._current = None
        if self._last is not None and self._last.abandoned:
            await drain(self._last)
        if self.stats.state not in (SessionState.READY, SessionState.STOPPED):
            raise RuntimeError(f"llama-cli is not at its prompt ({self.stats.state.value})")
        await after_late_ctrl_c(self, self._last)
        self._turn += 1
        self._last = state = TurnState(
            self._turn, prepared, self._proc, self._parser, self._queue, self.stats,
            self.spec, self._probe, self._ctx,
            max_tokens=self.spec.params.max_tokens if self._ctrl_c_stops else 0,
            counts_in_log=self._counts_in_log)
        self._current = turn = run_turn(self, state)
        try:
            async for event in turn:
                yield event
        finally:
            await turn.aclose()
            if self._current is turn:
                self._current = None

