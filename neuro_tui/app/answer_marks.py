"""An ended answer shown again with its grounding glyphs, rendering only the blocks the
glyphs change (MarkdownLog.replace_answer and its helpers: each function here is one of
MarkdownLog's methods, `replace_answer = answer_marks.replace_answer` in its class body,
so `log` is the widget and the state stays its own).

The glyphs (app/grounding_marks.py) go right after a `[n]` and add no line, so each block
frozen while streaming is the same line slice of the marked text. A block whose slice,
glyphs taken out, is not its old source (the text differs, or a fence was chunked) makes
the whole answer render again instead, reusing the strips of blocks it did not change.
Re-rendering the whole 10k-token bench answer at its end cost ~0.3 s; its 95 cited blocks
cost ~23 ms (bench/bench_stream_render.py, docs/benchmarks.md).
"""

from __future__ import annotations

import re
import time
from typing import Protocol

from textual.strip import Strip

NOW_S = 1 / 240  # rendering budget in the ending frame: the blocks at the bottom, in view
LATER_S = 1 / 30  # per later frame for the rest (each batch costs a layout: few, large)
FRAME_S = 1 / 30

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


def replace_answer(log, turn: int, text: str) -> bool:
    """Render the answer just ended again as `text` (the same answer with grounding
    glyphs): once per turn, only while nothing was added below it. False if it could not
    (the caller then says it in a note). Changed blocks are rendered last first."""
    at = log._answer_at
    if at is None or at[0] != turn or log._turn is not None or any(
            b.kind != "md" or b.turn != turn for b in log.blocks[at[1]:]):
        return False
    flush_pending(log)
    changes = changed_blocks(log.blocks[at[1]:], text)
    if changes is None:  # a chunked fence: its lines are not slices of the answer
        rerender_answer(log, at, text)
        return True
    for i, source in changes.items():
        block = log.blocks[at[1] + i]
        block.source, block.marked = source, True
    log._pending, log._pending_at = [at[1] + i for i in changes], at[1:]
    restyle_pending(log, NOW_S)
    return True


def restyle_pending(log, budget_s: float) -> None:
    """Render marked blocks again, last first, until `budget_s` is spent (at least one);
    the rest a frame later."""
    if not log._pending:
        return
    start = time.perf_counter()
    first_block, y = log._pending_at
    tops = {}
    for i in range(first_block, len(log.blocks)):
        tops[i] = y
        y += log.blocks[i].height
    while log._pending:
        i = log._pending.pop()
        block, top = log.blocks[i], tops[i]
        new = [Strip.blank(0)] * block.gap + log._render_block(block)
        log._lines[top:top + block.height] = new
        log._owner[top:top + block.height] = [block.turn] * len(new)
        block.height = len(new)
        if time.perf_counter() - start >= budget_s:
            break
    log.refresh(layout=True)
    if log._pending:
        log.set_timer(FRAME_S, lambda: restyle_pending(log, LATER_S))


def flush_pending(log) -> None:
    restyle_pending(log, float("inf"))


def rerender_answer(log, at: tuple[int, int, int], text: str) -> None:
    """The whole answer again from `text`; blocks it did not change keep their strips."""
    log._reuse, y = {}, at[2]
    for block in log.blocks[at[1]:]:
        strips = log._lines[y:y + block.height]
        y += block.height
        if not (block.trim_top or block.trim_bottom or block.marked):
            log._reuse[block.source] = strips[1:] if block.gap else strips
    del log.blocks[at[1]:], log._lines[at[2]:], log._owner[at[2]:]
    log._turn, log._tail, log._tail_cont, log._marking = at[0], text, False, True
    try:
        log.flush(final=True)
    finally:
        log._turn, log._marking, log._reuse = None, False, {}
