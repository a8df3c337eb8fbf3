"""ServerSession: the chat over an OpenAI-compatible HTTP server (implements base.ChatSession).

The second engine behind the same seam as LlamaSession (engine/session.py): same events,
same states, same history. What differs, and why:
- the conversation is the message list sent with every request (the server keeps no
  chat state; llama-server's prompt cache, asked for with `cache_prompt`, makes turn N
  cost only its new tokens: `last_timings["cache_n"]` says how many were reused);
- token counts and rates are exact when the server reports them (llama-server `timings`,
  OpenAI `usage`): TurnStats.tokens_exact is True then;
- interrupt() closes the HTTP stream (llama-server stops generating when the client goes);
- restart(recap=None) keeps the message list (nothing was lost: reconnect and go on);
  restart(recap) starts a new list whose system prompt carries `recap`; under ChatService
  the context policy instead sets the list itself (set_history: chat/message_list.py), and
  a resumed chat restores the server's saved slot (save_state/restore_state, only on a
  server neuro-tui started: slot_dir; engine/server_state.py, chat/slot_resume.py);
- errors arrive as SessionError: kind "crash" (the server went away or refused the
  connection; the message names the URL, partial=True keeps the text) and "hang" leave
  state CRASHED: call restart() (reconnects; restarts an owned llama-server), exactly as
  on the pty. "protocol" (malformed/truncated stream), "context", "auth", "model",
  "busy", "server", "request" leave it STOPPED: that turn failed, ask() works again.
- a 429/503 before the first answer byte is retried `spec.retries` times with backoff;
  each wait is announced with an EngineNotice event (and `notice`).
Connecting (client, probe, an owned llama-server: `launcher`, which lives exactly as long
as the chat) is engine/server_connect.py; a turn is engine/server_turn.py.
"""

from __future__ import annotations

from pathlib import Path

import httpx

from neuro_tui.engine.endpoint import ServerSpec
from neuro_tui.engine.events import EngineNotice, SessionState  # noqa: F401 - re-exported
from neuro_tui.engine.server_connect import connect, disconnect, headers, reconnect
from neuro_tui.engine.server_info import ServerInfo
from neuro_tui.engine.server_state import count_tokens, slot_action
from neuro_tui.engine.server_turn import interrupt, run_turn, stop_reader
from neuro_tui.engine.server_warm import Warmer
from neuro_tui.engine.session import Exchange
from neuro_tui.engine.timing import LiveStats, ProcessProbe


class ServerSession:
    keeps_history = True  # restart(None) loses nothing: the message list is the memory

    def __init__(self, spec: ServerSpec, launcher=None, pid: int | None = None,
                 slot_dir: Path | None = None):
        self.spec = spec  # after start(): .model = the model the server reports
        self._wanted = spec.model  # what to ask for ('' = the server's first), every start
        self.launcher = launcher
        self.stats = LiveStats(ctx_size=None)
        self.history: list[Exchange] = []
        self.warnings: list[str] = []
        self.notice: str | None = None
        self.info: ServerInfo | None = None
        self.last_timings: dict | None = None  # llama-server's figures for the last turn
        self.last_usage: dict | None = None
        self.last_request: dict | None = None  # the last payload (no headers: no key)
        self._pid = pid
        self.slot_dir = slot_dir  # its --slot-save-path: a server neuro-tui started, else None
        self._client: httpx.AsyncClient | None = None
        self._system = spec.params.system_prompt
        self._first = 0  # history index the message list starts at (after a recap)
        self._turn = 0
        self._reader = None  # the running stream task
        self._current = None  # the running turn's generator
        self._queue = None
        self._probe = ProcessProbe(None)
        self._warmer = Warmer(self)

    # -- the seam's attributes -----------------------------------------------------------
    @property
    def state(self) -> SessionState:
        return self.stats.state

    @property
    def log_path(self) -> Path | None:
        return self.launcher.log_path if self.launcher else None

    @property
    def pid(self) -> int | None:
        return self.launcher.pid if self.launcher else self._pid

    @property
    def url(self) -> str:
        return self.spec.endpoint.display

    def headers(self) -> dict[str, str]:
        return headers(self.spec)  # the key read from its variable now, never stored

    # -- lifecycle -----------------------------------------------------------------------
    async def start(self) -> None:
        await connect(self)

    @property
    def sent_history(self) -> list:
        """The exchanges its message list carries: those since a restart with a recap."""
        return self.history[self._first:]

    async def restart(self, recap: str | None = None) -> None:
        await self._quiesce()
        if recap is not None:
            base = self.spec.params.system_prompt
            self._system = f"{base}\n\n{recap}" if recap else base
            self._first = len(self.history)
        await reconnect(self)
        self.notice = (f"reconnected to {self.url}; the model was given a recap of the "
                       f"{len(self.history)} earlier turn(s)" if recap else
                       f"reconnected to {self.url}; the conversation goes on")

    async def close(self) -> None:
        await self._quiesce()
        await disconnect(self)

    async def _quiesce(self) -> None:
        """No warm, no turn, no stream running."""
        await self._warmer.cancel()
        await self._close_current()
        await stop_reader(self)

    async def interrupt(self) -> None:
        await interrupt(self)

    def sample_process(self) -> None:
        if self.stats.state not in (SessionState.GENERATING, SessionState.PREFILL):
            self._probe.sample(self.stats)

    # -- prefill while typing (engine/server_warm.py) ------------------------------------
    def warm(self, prefix: str) -> bool:
        """Start reading `prefix` (the next user message without its question) into the
        server's prompt cache; False when this server cannot be warmed. Returns at once."""
        return self._warmer.start(prefix)

    async def cancel_warm(self) -> None:
        await self._warmer.cancel()

    @property
    def last_warm(self) -> dict | None:
        return self._warmer.last

    @property
    def warm_prefix(self) -> str | None:
        """The prefix of the running or last warm (ask() with another prefix gains nothing
        from it: the core cancels it then)."""
        return self._warmer.prefix

    # -- what the chat core decides (chat/message_list.py, chat/slot_resume.py) -----------
    def set_history(self, exchanges: list[Exchange], system: str | None = None) -> None:
        """The earlier turns the next requests carry (the context policy's choice on this
        engine: no restart), and the system prompt (None: the configured one)."""
        self.history, self._first = list(exchanges), 0
        self._system = self.spec.params.system_prompt if system is None else system

    @property
    def system(self) -> str:
        return self._system

    async def count_tokens(self, text: str) -> int | None:
        return await count_tokens(self, text)

    async def save_state(self, filename: str) -> dict:
        """llama-server writes its slot (KV cache + tokens) to slot_dir/filename."""
        await self._warmer.cancel()  # a warm's tokens are not the conversation
        return await slot_action(self, "save", filename)

    async def restore_state(self, filename: str) -> dict:
        return await slot_action(self, "restore", filename)

    # -- turns ---------------------------------------------------------------------------
    def messages(self, text: str) -> list[dict[str, str]]:
        """The whole conversation as the server reads it: system, earlier turns, `text`."""
        out = [{"role": "system", "content": self._system}]
        for item in self.history[self._first:]:
            out.append({"role": "user", "content": item.user})
            if item.answer:
                out.append({"role": "assistant", "content": item.answer})
        out.append({"role": "user", "content": text})
        return out

    async def ask(self, text: str):
        """See run_turn. A caller may stop iterating mid-answer: the next ask() (or
        close/restart) closes that turn first, keeping what was said."""
        await self._close_current()
        self._current = turn = run_turn(self, text)
        try:
            async for event in turn:
                yield event
        finally:
            await turn.aclose()
            if self._current is turn:
                self._current = None

    async def _close_current(self) -> None:
        current, self._current = self._current, None
        if current is not None:
            await current.aclose()
