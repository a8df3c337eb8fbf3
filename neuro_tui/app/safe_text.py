"""Untrusted text (model answers, web pages, llama-cli logs) made safe to show.

Terminal control sequences (CSI, OSC such as `\\x1b]52;` clipboard writes, DCS, lone ESC)
and other C0/C1 controls are removed; Rich/Textual markup is never interpreted because
callers build `rich.text.Text` objects or Markdown from the result, never markup strings.
"""

from __future__ import annotations

import re

_SEQUENCES = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]"  # CSI
    r"|\x1b[\]PX^_].*?(?:\x07|\x1b\\|$)"  # OSC / DCS / SOS / PM / APC up to ST or BEL
    r"|\x1b[@-Z\\-_]"  # other two-byte escapes
    r"|\x9b[0-?]*[ -/]*[@-~]"  # 8-bit CSI
    r"|[\x9d\x90].*?(?:\x07|\x9c|$)",  # 8-bit OSC/DCS
    re.DOTALL,
)
# C0/C1 controls (not tab/newline), DEL, and bidi overrides that would reorder what is shown
_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def clean(text: str) -> str:
    """Drop control sequences and controls except newline and tab; CRLF becomes LF."""
    text = text.replace("\r\n", "\n")
    return _CONTROLS.sub("", _SEQUENCES.sub("", text))


class StreamCleaner:
    """`clean` for text arriving in fragments: an escape sequence split across fragments is
    held back until it is complete (or proves not to be one), so no tail of it leaks."""

    MAX_HELD = 4096

    def __init__(self) -> None:
        self._held = ""

    def feed(self, fragment: str) -> str:
        text = self._held + fragment
        cut = max(text.rfind("\x1b"), text.rfind("\x9d"), text.rfind("\x9b"), text.rfind("\x90"))
        if cut >= 0 and not _complete(text[cut:]) and len(text) - cut < self.MAX_HELD:
            self._held, text = text[cut:], text[:cut]
        else:
            self._held = ""
        if text.endswith("\r"):
            self._held, text = "\r" + self._held, text[:-1]
        return clean(text)

    def finish(self) -> str:
        held, self._held = self._held, ""
        return clean(held)


def _complete(tail: str) -> bool:
    """Is this escape-started tail a whole sequence (or plainly not the start of one)?"""
    if len(tail) < 2:
        return False
    kind = tail[1] if tail[0] == "\x1b" else tail[0]
    if tail[0] == "\x1b" and kind == "[" or tail[0] == "\x9b":
        return re.search(r"[@-~]", tail[2 if tail[0] == "\x1b" else 1:]) is not None
    if tail[0] == "\x1b" and kind in "]PX^_" or tail[0] in "\x9d\x90":
        return "\x07" in tail or "\x1b\\" in tail or "\x9c" in tail
    return True
