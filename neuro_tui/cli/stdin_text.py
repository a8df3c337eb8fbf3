"""Text from stdin for `ask -` and `chat --plain`: decoded as UTF-8, and said when it is not.

Why: stdin is bytes; a wrong byte silently becoming `?` (or U+FFFD) changes what the model
is asked without anyone knowing. We decode with replacement and report how many bytes were
replaced, on stderr, naming the line.
"""

from __future__ import annotations

import sys


def decode(data: bytes, where: str) -> str:
    """`data` as text; invalid UTF-8 becomes U+FFFD and is reported on stderr."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        text = data.decode("utf-8", "replace")
        bad = text.count("\ufffd") - data.decode("utf-8", "ignore").count("\ufffd")
        say(f"{where}: {bad} invalid UTF-8 byte sequence(s) replaced with U+FFFD")
        return text


def say(text: str) -> None:
    print(f"neuro-tui: {text}", file=sys.stderr, flush=True)
