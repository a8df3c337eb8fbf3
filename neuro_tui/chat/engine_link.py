"""The engine a ChatService talks to: made by a factory, started (with a recap), closed.

Why apart: the service decides *when* (queue, restarts, close); this knows *how* — which
engine call starts it, how a load failure becomes an EngineFailed event instead of an
exception, what the Ready notice says. Any engine.base.ChatSession works here.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from typing import Any

from neuro_tui.chat import events as ev
from neuro_tui.errors import NeuroError
from neuro_tui.textsafe import strip_controls


def default_session_factory(config) -> Any:
    """Resolve model + llama-cli (raises MissingError with the fix) and make a LlamaSession."""
    from neuro_tui.engine.session import LlamaSession
    from neuro_tui.launch import build_session_spec

    return LlamaSession(build_session_spec(config))


class EngineLink:
    def __init__(self, factory: Callable[[Any], Any] | None = None) -> None:
        self.factory = factory or default_session_factory
        self.session = None
        self.started = False  # a process ran before: the next start is a restart

    async def start(self, config, recap: str, renew: bool, recap_turns: int = 0,
                    on_model: Callable[[str], None] | None = None
                    ) -> AsyncIterator[ev.ChatEvent]:
        """Yields EngineStarting, then EngineReady or EngineFailed (last). `renew`: make a
        new session from `config` (new model or parameters) instead of restarting it;
        `recap` ("" for none) summarises `recap_turns` earlier turns."""
        restarting = self.started
        try:
            if renew or self.session is None:
                old, self.session = self.session, None
                if old is not None:
                    await old.close()
                self.session = await asyncio.to_thread(self.factory, config)
            session = self.session
            spec = getattr(session, "spec", None)
            if on_model is not None and spec is not None:
                on_model(spec.model.stem)
            info = engine_info(spec, config)
            yield ev.EngineStarting(*info, restart=restarting)
            if restarting or recap:
                await session.restart(recap)  # on a never-started session: start with it
            else:
                await session.start()
            self.started = True
        except Exception as error:  # load failure: an event, never raised
            yield failed(error)
            return
        notice = None
        if restarting or recap:
            notice = (f"llama-cli restarted; the model was given a recap of the {recap_turns} "
                      "earlier turn(s)" if recap else "llama-cli restarted")
        yield ev.EngineReady(*info, load_ms=session.stats.load_ms,
                             warnings=tuple(getattr(session, "warnings", ())), notice=notice)

    async def close(self) -> None:
        if self.session is not None:
            await self.session.close()


def failed(error: Exception) -> ev.EngineFailed:
    hint = getattr(error, "hint", None)
    message = strip_controls(getattr(error, "message", "") or str(error)) or type(error).__name__
    kind = "load" if "could not load" in message or not isinstance(error, NeuroError) \
        else "missing"
    return ev.EngineFailed(kind, message, strip_controls(hint or "") or None, error=error)


def engine_info(spec, config) -> tuple[str, str, str, int]:
    """(model, runtime, flavor, ctx_size) for EngineStarting/EngineReady."""
    if spec is None:
        return (str(getattr(config, "model", "")), "", "", int(config.ctx_size or 0))
    return (spec.model.stem, str(spec.binary), str(getattr(spec.flavor, "value", spec.flavor)),
            spec.params.ctx_size)
