"""A streamed answer's text, shared by the Turn versions it grows through.

`Transcript.apply` makes a new Turn for every AnswerDelta; `answer + text` copied the whole
answer each time, so a fragment cost grew with the answer (bench/bench_chat_service.py
prints the cost at the start and the end of a long answer). The versions of one answer
share one AnswerText: the newest appends in place and each version keeps its own length,
so an older snapshot still reads exactly the text it had. Readers see a plain str.
"""

from __future__ import annotations


class AnswerText:
    __slots__ = ("_joined", "_parts", "size")

    def __init__(self, text: str = "") -> None:
        self._joined, self._parts, self.size = text, [], len(text)

    def extend(self, size: int, text: str) -> tuple[AnswerText, int]:
        """The first `size` characters plus `text`: appended in place when `size` is the
        whole text (the newest version grows), else copied (an older one forks)."""
        if size == self.size:
            self._parts.append(text)
            self.size += len(text)
            return self, self.size
        fresh = AnswerText(self.text(size) + text)
        return fresh, fresh.size

    def text(self, size: int) -> str:
        if self._parts:
            self._joined += "".join(self._parts)
            self._parts.clear()
        return self._joined if size == len(self._joined) else self._joined[:size]


class AnswerField:
    """A dataclass field that reads as str and is stored as a str or (AnswerText, size)."""

    def __set_name__(self, owner: type, name: str) -> None:
        self._slot = "_" + name

    def __get__(self, obj: object, objtype: type | None = None) -> str:
        if obj is None:
            return ""  # the field's default
        value = obj.__dict__[self._slot]
        return value if isinstance(value, str) else value[0].text(value[1])

    def __set__(self, obj: object, value: str) -> None:
        obj.__dict__[self._slot] = value


def grown(stored: str | tuple[AnswerText, int], text: str) -> tuple[AnswerText, int]:
    """What a Turn stores for its answer after `text` arrives."""
    if isinstance(stored, str):
        stored = (AnswerText(stored), len(stored))
    return stored[0].extend(stored[1], text)
