"""How a ChatService's events reach its consumer: posted, applied, queued, woken.

Why its own object: events come from two sides at once. run() drives one source at a time
(an engine start, a turn), while submit()/restart()/close() post from key handlers on the
same loop; a load or a prefill can keep the source silent for seconds, and a question
queued meanwhile must reach the consumer at once, not when the source speaks next. Every
event goes through `post` (its effect applied first: transcript, file), then the outbox
the consumer drains; one waiter on the wake event serves many source events (a task less
per token).
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable, Iterator
from typing import Any


class EventStream:
    def __init__(self, apply: Callable[[Any], None]) -> None:
        """apply(event): what the event changes, done before anyone sees it."""
        self._apply = apply
        self._outbox: deque = deque()
        self._wake = asyncio.Event()

    def post(self, event: Any) -> Any:
        self._apply(event)
        self._outbox.append(event)
        return event

    def wake(self) -> None:
        """Something changed (a question queued, a restart asked for): wait() returns."""
        self._wake.set()

    async def wait(self) -> None:
        self._wake.clear()
        await self._wake.wait()

    def drain(self) -> Iterator[Any]:
        """The posted events, oldest first, also those posted while draining."""
        while self._outbox:
            yield self._outbox.popleft()

    async def pump(self, source, seen: Callable[[Any], None] | None = None):
        """Post `source`'s events (`seen` first) and yield the outbox: at once also when
        something else posts while `source` waits."""
        step = wake = None
        try:
            while True:
                for event in self.drain():
                    yield event
                step = step or asyncio.ensure_future(_next(source))
                if wake is None or wake.done():
                    self._wake.clear()
                    wake = asyncio.ensure_future(self._wake.wait())
                await asyncio.wait({step, wake}, return_when=asyncio.FIRST_COMPLETED)
                if not step.done():
                    continue  # posted meanwhile: yield it now
                done, step = step, None
                try:
                    event = done.result()
                except StopAsyncIteration:
                    return
                if seen is not None:
                    seen(event)
                self.post(event)
        finally:
            if wake is not None:
                wake.cancel()
            if step is not None:  # the consumer left while `source` was waiting
                step.cancel()
                await asyncio.gather(step, return_exceptions=True)
            await source.aclose()


async def _next(source):
    return await source.__anext__()
