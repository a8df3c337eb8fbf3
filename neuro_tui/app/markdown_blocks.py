"""Where a streaming Markdown answer may be cut into blocks that will never change.

markdown-it decides (a blank-line splitter breaks fences with blank lines inside and
restarts numbered lists). A long fence that is still open is cut into chunks of whole
lines so the open part, re-rendered every frame, stays short.
"""

from __future__ import annotations

import re

from markdown_it import MarkdownIt

_PARSER = MarkdownIt("commonmark").enable("strikethrough").enable("table")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
FENCE_CHUNK = 24  # lines of an open fence frozen at a time


def block_starts(source: str) -> list[int]:
    """Line numbers where top-level blocks start."""
    return [t.map[0] for t in _PARSER.parse(source) if t.level == 0 and t.map and t.nesting >= 0]


def split_open_fence(tail: str, chunk: int = FENCE_CHUNK) -> tuple[str, str] | None:
    """(closed chunk, rest) when `tail` is one open fence with more than 2 chunks of lines."""
    lines = tail.split("\n")
    match = _FENCE.match(lines[0])
    if not match or len(lines) < 2 * chunk + 2:
        return None
    fence = match.group(1)
    closing = re.compile(rf"^ {{0,3}}{re.escape(fence[0])}{{{len(fence)},}}\s*$")
    if any(closing.match(line) for line in lines[1:]):
        return None  # closed: it is frozen whole when the next block starts
    body = lines[1:chunk + 1]
    return ("\n".join([lines[0], *body, fence]), "\n".join([lines[0], *lines[chunk + 1:]]))
