"""User text made safe to type into llama-cli's line editor.

Why: the editor reads raw keystrokes. A TAB or other non-printable makes it ask the terminal
for the cursor position (`ESC[6n`) and block; a bare newline submits early (one message
would become two turns, the second an empty "continue" line); a trailing `\\` continues
the line and a trailing `/` submits without a newline; the new CLI runs `/exit`, `/clear`...
as commands. So: one message in, the exact keystrokes of one turn out.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from neuro_tui.engine.events import Flavor
from neuro_tui.textsafe import strip_controls

TAB_SPACES = "    "
# the Unicode line/paragraph separators that editors treat as breaks
_SEPARATORS = re.compile("[\u2028\u2029]")
_QUOTE_LINE = re.compile(r"(?m)^> ")


@dataclass(frozen=True)
class Prepared:
    """Bytes to write and how many physical lines (echo lines) they make."""

    payload: bytes
    lines: int
    text: str  # what the model will actually read (for transcripts and token counts)


def clean(text: str) -> str:
    """The one cleaner (textsafe: escapes and controls out, CR -> LF), then what only the
    line editor needs: TABs expanded, and lone surrogates and code points it cannot measure
    (unassigned, private use: wcwidth < 0 would make it query the cursor position) replaced
    with U+FFFD."""
    text = _SEPARATORS.sub("", strip_controls(text).replace("\t", TAB_SPACES))
    return "".join("\ufffd" if unicodedata.category(c) in ("Cn", "Co", "Cs") else c
                   for c in text)


def system_text(text: str, flavor: Flavor) -> str:
    """The system prompt as the old protocols may be given it. They show it on the pty while
    loading, and their ready marker is a bare `\\n> `: a recap whose answers quote Markdown
    (`> text` at a line start) made the parser take a quote for the prompt (seen on 0.3.16
    and bitnet.cpp: the first answer then held recap text, or was empty). ` > ` is still a
    Markdown quote to the model, and never the marker."""
    return text if flavor is Flavor.UPSTREAM_CHAT else _QUOTE_LINE.sub(" > ", text)


def prepare(text: str, flavor: Flavor) -> Prepared:
    """Keystrokes for one turn; raises ValueError for a message with nothing to say."""
    text = clean(text)
    lines = text.split("\n")
    while lines and not lines[0].strip():
        lines.pop(0)
    while lines and not lines[-1].strip():
        lines.pop()
    if not lines:
        raise ValueError("empty message")
    if flavor is Flavor.UPSTREAM_CHAT and lines[0].lstrip().startswith("/"):
        lines[0] = " " + lines[0]  # `/clear`, `/exit`... are commands only at column 0
    last = lines[-1]
    if last.endswith(("\\", "/")):
        lines[-1] = last + " "  # a trailing `\` would continue, a trailing `/` eat the newline
    keyed = [line + "\\" for line in lines[:-1]] + [lines[-1]]
    payload = "\r".join(keyed) + "\r"
    return Prepared(payload.encode("utf-8"), len(lines), "\n".join(lines))
