"""From the ChatService's event stream to the screen's messages, answer text coalesced.

A fast model yields a delta per token; posting each as a message would make the screen's
queue (and its handler) grow with the token rate. Deltas arriving before the screen has
handled the last AnswerStreamed are added to it, so the cost is one message per frame.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

from textual.message import Message

from neuro_tui.chat import events as ev


class AnswerStreamed(Message):
    """Answer text of `turn`; fragments arriving before the screen handles it are added
    to it (`extend`)."""

    def __init__(self, turn: int, text: str) -> None:
        super().__init__()
        self.turn, self.parts, self.consumed = turn, [text], False

    def extend(self, text: str) -> bool:
        if self.consumed:
            return False
        self.parts.append(text)
        return True

    def take(self) -> str:
        self.consumed = True
        return "".join(self.parts)


async def forward(events: AsyncIterator, post: Callable[[Message], object],
                  wrap: Callable[[object], Message]) -> None:
    """Post every event (`wrap`ped), answer deltas as AnswerStreamed."""
    streamed: AnswerStreamed | None = None
    async for event in events:
        if isinstance(event, ev.AnswerDelta):
            if streamed is None or streamed.turn != event.turn or not streamed.extend(event.text):
                streamed = AnswerStreamed(event.turn, event.text)
                post(streamed)
        else:
            streamed = None
            post(wrap(event))
