"""The bytes llama-cli frames a conversation with (../shared/llama-cli-protocol.md), and the
tests "is this one" / "may this still become one" that the stream parser holds bytes on.

Why a module of its own: the parser removes nothing from an answer but these markers (the
chat core cleans the rest once, textsafe), so this is the whole list of what it interprets.
"""

from __future__ import annotations

import re

BOLD_GREEN = b"\x1b[1m\x1b[32m"  # the old protocols' prompt colour (with --color)
ECHO_END = b"\x1b[0m"  # colour reset after the echoed message: the answer starts
CURSOR_QUERY = b"\x1b[6n"  # asks for the cursor position and blocks until answered
PROMPT = b"\n> "  # the prompt after CRLF -> LF (also plain answer text)
ERROR_PREFIX = b"Error: "  # the chat CLI's refusal, instead of an answer
MAX_ERROR_LINE = 400
# the chat CLI's speeds line after an answer; with colour its ESC[35m comes first
SPEEDS = re.compile(rb"(?:\x1b\[35m)?\n\[ Prompt: ([\d.]+) t/s \| Generation: ([\d.]+) t/s \]\n")
_SPEEDS_STARTS = (b"\x1b[35m\n[ Prompt: ", b"\n[ Prompt: ")
MAX_SPEEDS_LINE = 120


def may_be_speeds(rest: bytes) -> bool:
    """`rest` is the start of a speeds line whose end has not arrived yet."""
    rest = rest[:-1] if rest.endswith(b"\r") else rest  # a held CR: the LF may follow
    for start in _SPEEDS_STARTS:
        if start.startswith(rest):
            return True
        if rest.startswith(start):
            return b"\n" not in rest[len(start):] and len(rest) < MAX_SPEEDS_LINE
    return False


def may_be_error(rest: bytes) -> bool:
    """`rest` (at the start of an answer) may still become an `Error: ...` line."""
    if len(rest) < len(ERROR_PREFIX):
        return ERROR_PREFIX.startswith(rest)
    return rest.startswith(ERROR_PREFIX) and b"\n" not in rest and len(rest) < MAX_ERROR_LINE


def is_proper_prefix(rest: bytes, marker: bytes) -> bool:
    return len(rest) < len(marker) and marker.startswith(rest)


def held_tail(buf: bytes, markers: list[bytes]) -> int:
    """Length of the longest suffix of `buf` that is a proper prefix of a marker."""
    best = 0
    for marker in markers:
        for size in range(min(len(marker) - 1, len(buf)), best, -1):
            if buf.endswith(marker[:size]):
                best = size
                break
    return best
