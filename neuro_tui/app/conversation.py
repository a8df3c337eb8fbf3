"""Drives one ChatSession for the app: start, queue, ask, stop, persist, retrieve.

Kept apart from the widgets so the turn logic reads top to bottom. Everything the screen
needs is posted as a message (AnswerStreamed, SourcesRetrieved, ...); the app decides how
to show it. Messages typed before the model is ready, or while it answers, are queued and
sent in order.
"""

from __future__ import annotations

import asyncio
import copy
import time
from collections.abc import Callable
from typing import Any

from neuro_tui.app import messages as m
from neuro_tui.app.safe_text import clean
from neuro_tui.engine.events import AnswerText, ContextWarning, SessionError, TurnStats
from neuro_tui.errors import NeuroError


class Conversation:
    def __init__(self, app, config, session_factory: Callable[[Any], Any],
                 retriever: Callable[..., Any] | None = None, writer=None) -> None:
        self.app = app
        self.config = config
        self.factory = session_factory
        self.retriever = retriever
        self.writer = writer
        self.session = None
        self.ready = False
        self.busy = False
        self.failed: str | None = None
        self.turn = 0
        self.queue: list[str] = []
        self.web = bool(config.web)
        self.recap: str | None = None  # earlier turns, given to a (re)started model
        self.started_at: float | None = None  # when the current start() began

    def effective_config(self):
        """The config with the recap appended to the system prompt (the user's is untouched)."""
        if not self.recap:
            return self.config
        config = copy.copy(self.config)
        config.values = dict(self.config.values)
        config.values["system_prompt"] = (
            f"{self.config.system_prompt}\n\nEarlier in this conversation:\n{self.recap}")
        return config

    async def start(self) -> None:
        self.ready, self.failed = False, None
        self.started_at = time.monotonic()
        try:
            if self.session is None:
                self.session = await asyncio.to_thread(self.factory, self.effective_config())
            spec = getattr(self.session, "spec", None)
            if self.writer is not None and spec is not None:
                self.writer.set_model(spec.model.stem)
            await self.session.start()
        except NeuroError as error:
            # a log path as hint is what F3 shows; other hints (commands to run) are kept
            hint = error.hint if error.hint and not error.hint.startswith("log:") else None
            text = clean(f"{error.message} ({hint})" if hint else error.message)
            self.failed = "load" if "could not load" in error.message else "missing"
            self.app.post_message(m.SessionFailed(self.failed, text))
            return
        except Exception as error:  # load failure: shown, with the log tail, never raised
            self.failed = "load"
            message = clean(str(error)) or type(error).__name__
            self.app.post_message(m.SessionFailed("load", message))
            return
        self.ready = True
        self.app.post_message(m.SessionLoaded())
        await self._drain()

    def submit(self, text: str) -> bool:
        """Queue a message; returns False when it has to wait (loading or answering)."""
        self.queue.append(text)
        if self.ready and not self.busy:
            self.app.run_worker(self._drain(), group="turns", exclusive=False)
            return True
        return False

    async def _drain(self) -> None:
        while self.queue and self.ready and not self.busy:
            await self._ask(self.queue.pop(0))

    async def _ask(self, text: str) -> None:
        self.busy = True
        self.turn += 1
        turn = self.turn
        if self.writer is not None:
            self.writer.user(text)
        prompt, stop_reason, stats, pending = text, "eos", None, None
        failure: m.SessionFailed | None = None  # posted after the (partial) answer
        try:
            if self.retriever is not None and (self.config.storage or self.web):
                prompt = await self._retrieve(turn, text)
            self.app.post_message(m.AnswerStarted(turn))
            async for event in self.session.ask(prompt):
                if isinstance(event, AnswerText):
                    if pending is None or not pending.extend(event.text):
                        pending = m.AnswerStreamed(turn, event.text)
                        self.app.post_message(pending)
                    if self.writer is not None:
                        self.writer.delta(event.text)
                elif isinstance(event, TurnStats):
                    stop_reason, stats = event.stop_reason, event.as_json()
                elif isinstance(event, ContextWarning):
                    self.app.notify(f"context {event.ctx_used}/{event.ctx_size}: older turns "
                                    "will be dropped", severity="warning")
                elif isinstance(event, SessionError):
                    stop_reason = "error"
                    self.ready = event.kind not in ("crash", "hang", "load")
                    self.failed = None if self.ready else event.kind
                    failure = m.SessionFailed(event.kind, event.message, event.log_tail)
        except Exception as error:  # the engine broke: show it, keep the app alive
            stop_reason = "error"
            self.ready, self.failed = False, "crash"
            failure = m.SessionFailed("crash", clean(str(error)) or repr(error))
        finally:
            self.busy = False
        if self.writer is not None:
            self.writer.end_turn(stop_reason, stats)
        self.app.post_message(m.AnswerFinished(turn, stop_reason, stats))
        if failure is not None:
            self.app.post_message(failure)

    async def _retrieve(self, turn: int, text: str) -> str:
        try:
            prompt, sources, *notes = await asyncio.to_thread(self.retriever, text, self.config,
                                                              self.web)
        except Exception as error:  # no sources is better than no answer: say so, go on
            self.app.notify(f"retrieval failed: {clean(str(error)) or repr(error)}",
                            severity="error")
            return text
        for note in (notes[0] if notes else []):
            self.app.notify(clean(note), severity="warning")
        if self.writer is not None:
            self.writer.sources([s.as_json() for s in sources])
        self.app.post_message(m.SourcesRetrieved(turn, sources))
        return prompt

    async def stop(self) -> bool:
        if self.busy and self.session is not None:
            await self.session.interrupt()
            return True
        return False

    async def restart(self, recap: str | None = None) -> None:
        """A fresh llama-cli (new model or parameters); it is told what was said so far."""
        self.recap = recap or self.recap
        if self.session is not None:
            await self.session.close()
            self.session = None
        self.busy = False
        await self.start()

    async def close(self) -> None:
        if self.session is not None:
            await self.session.close()
        if self.writer is not None:
            self.writer.close()
