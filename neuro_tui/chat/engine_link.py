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
from neuro_tui.errors import NetworkError, NeuroError
from neuro_tui.textsafe import strip_controls


def default_session_factory(config) -> Any:
    """engine/factory.build_session: a LlamaSession (`[engine] kind = "llama-cli"`) or a
    ServerSession (`kind = "server"`); raises UsageError/MissingError with the fix."""
    from neuro_tui.engine.factory import build_session

    return build_session(config)


class EngineLink:
    def __init__(self, factory: Callable[[Any], Any] | None = None) -> None:
        self.factory = factory or default_session_factory
        self.session = None
        self.started = False  # a process ran before: the next start is a restart

    async def start(self, config, recap: str | None, renew: bool, recap_turns: int = 0,
                    on_model: Callable[[str], None] | None = None
                    ) -> AsyncIterator[ev.ChatEvent]:
        """Yields EngineStarting, then EngineReady or EngineFailed (last). `renew`: make a
        new session from `config` (new model or parameters) instead of restarting it;
        `recap` ("" for none) summarises `recap_turns` earlier turns; None: restart an
        engine that keeps its own history (server engine: reconnect, nothing lost)."""
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
        spec = getattr(session, "spec", spec)  # a server names its model once asked
        if on_model is not None and spec is not None and spec.model.stem != info[0]:
            on_model(spec.model.stem)
        info = engine_info(spec, config, getattr(session.stats, "ctx_size", None))
        notice = None
        if recap:  # the service counted the turns the recap really holds; the engine cannot
            notice = (f"{restarted(session)}; the model was given a recap of the "
                      f"{recap_turns} earlier turn(s)")
        elif restarting:  # the engine says what it did (server: "the conversation goes on")
            notice = getattr(session, "notice", None) or restarted(session)
        yield ev.EngineReady(*info, load_ms=session.stats.load_ms,
                             warnings=tuple(getattr(session, "warnings", ())), notice=notice)

    async def close(self) -> None:
        if self.session is not None:
            await self.session.close()


def restarted(session) -> str:
    url = getattr(session, "url", None)
    return f"reconnected to {url}" if url else "llama-cli restarted"


def failed(error: Exception) -> ev.EngineFailed:
    hint = getattr(error, "hint", None)
    message = strip_controls(getattr(error, "message", "") or str(error)) or type(error).__name__
    if isinstance(error, NetworkError):  # the server engine: nothing answers at the URL
        kind = "unreachable"
    elif "could not load" in message or not isinstance(error, NeuroError):
        kind = "load"
    else:
        kind = "missing"
    return ev.EngineFailed(kind, message, strip_controls(hint or "") or None, error=error)


def engine_info(spec, config, ctx_size: int | None = None) -> tuple[str, str, str, int]:
    """(model, runtime, flavor, ctx_size) for EngineStarting/EngineReady. `ctx_size`: the
    engine's own figure once started (a server's n_ctx), preferred over the parameter."""
    if spec is None:
        return (str(getattr(config, "model", "")), "", "", int(ctx_size or config.ctx_size or 0))
    return (spec.model.stem, str(spec.binary), str(getattr(spec.flavor, "value", spec.flavor)),
            int(ctx_size or spec.params.ctx_size))
