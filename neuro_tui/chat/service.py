"""ChatService: the one turn loop, shared by the TUI, `ask` and `chat --plain`.

It owns the engine session (engine.base.ChatSession), the queue, turn numbering, retrieval,
the chat store, restart with a recap, and the context policy hook. It never calls into a
UI: consumers iterate `run()` and get typed events (chat/events.py); the transcript it
keeps (`service.transcript`) is `Transcript.apply` of exactly those events, and the store
persists exactly those events.

    service = ChatService(config, store=ChatStore.create(model="smollm2"))
    service.submit("hello")                 # any time: while loading, while answering
    async for event in service.run():       # TUI: one worker, forever (until close())
        ...                                 # CLI: run(until_idle=True) returns when idle
    await service.close()

submit/stop/restart/set_web are safe to call from any coroutine on the same loop while
run() is being iterated elsewhere (key handlers while a Textual worker consumes run()).
Only run() talks to the engine (except stop(), which only sends Ctrl+C).
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncIterator, Callable
from typing import Any

from neuro_tui.chat import engine_start
from neuro_tui.chat import events as ev
from neuro_tui.chat.engine_link import EngineLink, default_session_factory  # noqa: F401
from neuro_tui.chat.event_stream import EventStream
from neuro_tui.chat.policy import make_policy, refusal
from neuro_tui.chat.transcript import Transcript
from neuro_tui.chat.turn_runner import run_turn
from neuro_tui.textsafe import strip_controls

CLOSE_WAIT_S = 10.0


def default_retriever(question: str, config, web: bool, spec=None):
    from neuro_tui.chat.retrieval import retrieve

    return retrieve(question, config, web, spec)


class ChatService:
    def __init__(self, config, *, session_factory: Callable[[Any], Any] | None = None,
                 retriever: Callable[..., Any] | None = None, store=None,
                 transcript: Transcript | None = None, context_policy=None) -> None:
        """config: neuro_tui.config.Config. session_factory(config) -> ChatSession (default:
        launch.build_session_spec + LlamaSession; called in a thread, may raise NeuroError).
        retriever(question, config, web) -> (prompt, [Source], [note]) (default: the
        retrieval pipeline; used when config.storage or web is on; False: never).
        store: a ChatStore the transcript is persisted to (None: not saved). transcript: a
        resumed chat (its turns are given to the first engine as a recap). context_policy:
        see chat/policy.py (default: config's context_policy)."""
        self.config = config
        self.engine = EngineLink(session_factory)
        self.retriever = default_retriever if retriever is None else retriever
        self.retriever_takes_spec = retriever is None
        self.store = store
        self.transcript = transcript or (store.transcript() if store else Transcript())
        saved = self.transcript.context_policy  # a resumed chat's own, until F10 changes it
        self.policy = context_policy or make_policy(saved or None, config,
                                                    until_config_changes=bool(saved))
        self.web = bool(getattr(config, "web", False))
        self._state = "idle"
        self._queue: deque[int] = deque()
        self._events = EventStream(self._apply)
        self._run_done = asyncio.Event()
        self._restart: tuple[Any, str | None, bool] | None = None  # (config, recap, fresh)
        self._running: int | None = None
        self._stop_requested = False
        self._closing = self._closed = self._run_active = False

    # -- state, read at any time ---------------------------------------------------------
    @property
    def state(self) -> str:
        """idle | loading | ready | answering | failed | closed."""
        return self._state

    @property
    def session(self):
        """The engine session (ChatSession) or None: spec, stats (LiveStats), log_path."""
        return self.engine.session

    @property
    def running_turn(self) -> int | None:
        return self._running

    @property
    def queued(self) -> int:
        return len(self._queue)

    @property
    def stop_requested(self) -> bool:
        """stop() or restart() was asked for during the running turn."""
        return self._stop_requested

    def engine_down(self) -> None:
        """The engine died during a turn: queued turns wait for restart()."""
        self._state = "failed"

    # -- commands ------------------------------------------------------------------------
    def submit(self, text: str) -> int | None:
        """Queue a message; returns its turn number, or None when it was refused (empty
        after cleaning, cannot fit the context, service closed): a MessageRefused event
        says why and the chat goes on. Emits TurnQueued."""
        question = strip_controls(text).strip()
        refused = refusal(text, question, self.config, self._closing)
        if refused is not None:
            self._events.post(refused)
            self._events.wake()
            return None
        number = max(self.transcript.next_number, (self._running or 0) + 1,
                     (self._queue[-1] + 1) if self._queue else 1)
        waiting = len(self._queue) + (1 if self._running else 0)
        self._events.post(ev.TurnQueued(number, question, waiting))
        self._queue.append(number)
        self._events.wake()
        return number

    async def run(self, *, until_idle: bool = False) -> AsyncIterator[ev.ChatEvent]:
        """The event stream: starts the engine when needed, sends queued turns one by one,
        performs requested restarts. until_idle: return once nothing is queued or running,
        or the engine failed (CLI); otherwise wait for more until close() (TUI worker)."""
        if self._run_active:
            raise RuntimeError("ChatService.run() is already being iterated")
        self._run_active = True
        self._run_done.clear()
        try:
            while True:
                for event in self._events.drain():
                    yield event
                if self._closing:
                    await self._shutdown()
                    for event in self._events.drain():
                        yield event
                    return
                if self._restart is not None or self._state == "idle":
                    async for event in self._start():
                        yield event
                elif self._state == "ready" and self._queue:
                    async for event in self._turn(self._queue.popleft()):
                        yield event
                elif until_idle:
                    return
                else:
                    await self._events.wait()
        finally:
            self._run_active = False
            self._run_done.set()

    async def ask(self, text: str) -> AsyncIterator[ev.ChatEvent]:
        """submit(text), then run(until_idle=True): one question's events (CLI, tests)."""
        self.submit(text)
        async for event in self.run(until_idle=True):
            yield event

    async def stop(self) -> bool:
        """Stop the answer being generated (Ctrl+C semantics); queued turns still go.
        True when there was one to stop."""
        if self._running is None:
            return False
        self._stop_requested = True
        if self.engine.session is not None:
            await self.engine.session.interrupt()
        return True

    def restart(self, config=None, recap: str | None = None, *, fresh: bool = False) -> None:
        """Ask for a fresh engine (after a crash, or with a new model/params in `config`);
        it gets `recap`, by default the recap of the finished turns, except an engine that
        keeps its own history (server engine: `keeps_history`), which just reconnects
        unless `fresh` (the context policy wants a shorter start). Done by run() once the
        current answer has stopped (it is stopped now)."""
        self._restart = (config, recap, fresh)
        if self._running is not None and self.engine.session is not None:
            self._stop_requested = True
            asyncio.ensure_future(self.engine.session.interrupt())
        self._events.wake()

    def set_web(self, on: bool) -> None:
        self.web = bool(on)

    async def close(self) -> None:
        """Stop everything, end the engine (no orphan), flush the store; run() then yields
        EngineClosed and ends. Idempotent."""
        if self._closed:
            return
        self._closing = True
        await self.stop()
        self._events.wake()
        if self._run_active:
            try:
                await asyncio.wait_for(self._run_done.wait(), CLOSE_WAIT_S)
            except TimeoutError:
                pass
        await self._shutdown()

    # -- inside run() --------------------------------------------------------------------
    def _apply(self, event: ev.ChatEvent) -> None:
        """The one place an event takes effect (the transcript, the chat file), before the
        consumer sees it (event_stream.py)."""
        if isinstance(event, ev.TurnQueued):
            self._keep_policy()
        self.transcript = self.transcript.apply(event)
        if self.store is not None:
            self.store.record(event)

    def _keep_policy(self) -> None:
        """The chat file keeps the chat's context policy (restored on resume and fork)."""
        name = getattr(self.policy, "name", "")
        if name and name != self.transcript.context_policy:
            self.transcript = self.transcript.with_meta(context_policy=name)
            if self.store is not None:
                self.store.set_policy(name)

    def recap(self) -> str:
        """The one recap a fresh engine gets for this chat (chat/engine_start.py)."""
        return engine_start.recap(self)

    async def _start(self):
        config, recap, fresh = self._restart or (None, None, False)
        self._restart, self._state = None, "loading"
        self.config = config or self.config
        if config is not None:  # F10 Apply: the chosen policy is saved before a turn
            self._keep_policy()
        async for event in self._events.pump(engine_start.starting(self, config, recap, fresh),
                                             self._engine_state):
            yield event

    def _engine_state(self, event: ev.ChatEvent) -> None:
        if isinstance(event, ev.EngineReady):
            self._state = "ready"
        elif isinstance(event, ev.EngineFailed):
            self._state = "failed"

    async def _turn(self, number: int):
        self._running, self._stop_requested, self._state = number, False, "answering"
        try:
            async for event in self._events.pump(run_turn(self, number)):
                yield event
        finally:
            self._running = None
            if self._state == "answering":
                self._state = "ready"

    async def _shutdown(self) -> None:
        if self._closed:
            return
        self._closed = True
        await self.engine.close()
        if self.store is not None:
            self.store.close()
        self._state = "closed"
        self._events.post(ev.EngineClosed())

