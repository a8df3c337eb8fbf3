"""ChatService: the one turn loop, shared by the TUI, `ask` and `chat --plain`.

It owns the engine session (engine.base.ChatSession), the queue, turn numbering, retrieval,
the chat store, restart with a recap, and the context policy hook. It never calls into a
UI: consumers iterate `run()` and get typed events (chat/events.py); the transcript it
keeps (`service.transcript`) is `Transcript.apply` of exactly those events.

    service = ChatService(config, store=ChatStore.create(model="smollm2"))
    service.submit("hello")                 # any time: while loading, while answering
    async for event in service.run():       # TUI: one worker, forever (until close())
        ...                                 # CLI: run(until_idle=True) returns when idle
    await service.close()

submit/stop/restart/set_web are safe to call from any coroutine on the same loop while
run() is being iterated elsewhere (e.g. key handlers while a Textual worker consumes run()).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

from neuro_tui.chat.events import ChatEvent
from neuro_tui.chat.transcript import Transcript


class ChatService:
    def __init__(self, config, *, session_factory: Callable[[Any], Any] | None = None,
                 retriever: Callable[..., Any] | None = None, store=None,
                 transcript: Transcript | None = None, context_policy=None) -> None:
        """config: neuro_tui.config.Config. session_factory(config) -> ChatSession (default:
        launch.build_session_spec + LlamaSession; called in a thread, may raise NeuroError).
        retriever(question, config, web) -> (prompt, [Source], [note]) (default: the
        retrieval pipeline; used when config.storage or web is on). store: a ChatStore the
        transcript is persisted to (None: not saved). transcript: a resumed chat (its turns
        are given to the first engine as a recap). context_policy: see chat/policy.py."""
        raise NotImplementedError

    # -- state, read at any time ---------------------------------------------------------
    transcript: Transcript  # the chat so far, queued turns included
    web: bool  # web search on for the next turns

    @property
    def state(self) -> str:
        """idle | loading | ready | answering | failed | closed."""
        raise NotImplementedError

    @property
    def session(self):
        """The engine session (ChatSession) or None: spec, stats (LiveStats), log_path."""
        raise NotImplementedError

    # -- commands ------------------------------------------------------------------------
    def submit(self, text: str) -> int | None:
        """Queue a message; returns its turn number, or None when it was refused (empty
        after cleaning, cannot fit the context, service closed): a MessageRefused event
        says why and the chat goes on. Emits TurnQueued."""
        raise NotImplementedError

    def run(self, *, until_idle: bool = False) -> AsyncIterator[ChatEvent]:
        """The event stream: starts the engine when needed, sends queued turns one by one,
        performs requested restarts. until_idle: return once nothing is queued or running
        (CLI); otherwise wait for more until close() (TUI worker)."""
        raise NotImplementedError

    def ask(self, text: str) -> AsyncIterator[ChatEvent]:
        """submit(text), then run(until_idle=True): one question's events (CLI, tests)."""
        raise NotImplementedError

    async def stop(self) -> bool:
        """Stop the answer being generated (Ctrl+C semantics); queued turns still go.
        True when there was one to stop."""
        raise NotImplementedError

    def restart(self, config=None) -> None:
        """Ask for a fresh engine (after a crash, or with a new model/params in `config`);
        it gets the recap of the finished turns. Done by run() once the current answer
        has stopped."""
        raise NotImplementedError

    def set_web(self, on: bool) -> None:
        raise NotImplementedError

    async def close(self) -> None:
        """Stop everything, end the engine (no orphan), flush the store; run() then yields
        EngineClosed and ends. Idempotent."""
        raise NotImplementedError
