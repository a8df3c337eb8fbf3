"""Where a streaming Markdown answer may be cut into blocks that will never change.

markdown-it decides (a blank-line splitter breaks fences with blank lines inside and
restarts numbered lists). A long fence that is still open is cut into chunks of whole
lines so the open part, re-rendered every frame, stays short.
"""

from __future__ import annotations

import re

from markdown_it import MarkdownIt
from rich.markdown import Markdown

_PARSER = MarkdownIt("commonmark").enable("strikethrough").enable("table")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
FENCE_CHUNK = 24  # lines of an open fence frozen at a time
_RICH_PARSER = MarkdownIt().enable("strikethrough").enable("table")  # rich's own settings


class BlockMarkdown(Markdown):
    """rich's Markdown with one shared parser: rich builds a new MarkdownIt per instance
    (0.19 ms, as much as parsing a 60-word paragraph), and the chat renders one instance
    per block. Same attributes as rich's __init__ sets (tests/tui/test_streaming_render.py
    checks them against the installed rich)."""

    def __init__(self, markup: str, code_theme: str = "monokai",
                 hyperlinks: bool = False) -> None:
        self.markup = markup
        self.parsed = _RICH_PARSER.parse(markup)
        self.code_theme = code_theme
        self.justify = None
        self.style = "none"
        self.hyperlinks = hyperlinks
        self.inline_code_lexer = None
        self.inline_code_theme = code_theme


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
