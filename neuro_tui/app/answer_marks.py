"""Which blocks of a streamed answer the grounding glyphs change, so only those are
rendered again when the answer ends (app/markdown_log.py, `replace_answer`).

The glyphs (app/grounding_marks.py) go right after a `[n]` and add no line, so each block
frozen while streaming is the same line slice of the marked text. A block whose slice,
glyphs taken out, is not its old source (the text differs, or a fence was chunked) makes
the whole answer render again instead.
"""

from __future__ import annotations

import re
from typing import Protocol

GLYPHS = re.compile(r"(?<=\])(?:✓|≈|\\\?|\\!)+")  # as marked_answer writes them


class _Block(Protocol):
    source: str
    first: int
    end: int


def unmark(text: str) -> str:
    return GLYPHS.sub("", text)


def changed_blocks(blocks: list[_Block], marked: str) -> dict[int, str] | None:
    """Index in `blocks` -> its marked source, for the blocks the glyphs changed; None when
    the blocks are not slices of `marked` (the caller renders the answer whole)."""
    lines = marked.split("\n")
    if not blocks or blocks[-1].end > len(lines):
        return None
    changed: dict[int, str] = {}
    for i, block in enumerate(blocks):
        if block.first < 0:
            return None
        source = "\n".join(lines[block.first:block.end]).strip("\n")
        if source != block.source:
            if unmark(source) != block.source:
                return None
            changed[i] = source
    return changed
