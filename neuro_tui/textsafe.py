"""Make untrusted model, file and page text safe to print: no terminal control sequences.

Files and web pages may carry ANSI/OSC escapes (colour, cursor moves, window titles,
hyperlinks, even clipboard writes); everything this package returns goes through
`strip_controls` so a passage can never drive the user's terminal. Rich markup is the
UI's job (it renders Text objects, never markup strings).
"""

from __future__ import annotations

import re

_ESCAPES = re.compile(
    r"""
    \x1b\][^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?   # OSC ... BEL/ST (title, hyperlink, clipboard)
    | \x1b[P^_X][^\x1b\x9c]*(?:\x1b\\|\x9c)?      # DCS / PM / APC / SOS strings
    | \x1b\[[0-?]*[ -/]*[@-~]?                    # CSI (colours, cursor moves, erase)
    | \x9b[0-?]*[ -/]*[@-~]?                      # 8-bit CSI
    | \x9d[^\x07\x9c]*(?:\x07|\x9c)?              # 8-bit OSC
    | \x1b[ -/]*[0-~]?                            # other two-byte escapes (ESC c = reset)
    """,
    re.VERBOSE,
)
# C0 controls except tab/newline, DEL, C1 controls; plus bidi overrides that reorder text.
_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def strip_controls(text: str) -> str:
    """Text without escape sequences or control characters (newlines and tabs kept)."""
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _ESCAPES.sub("", text)
    return _CONTROLS.sub("", text)


def one_line(text: str, limit: int = 200) -> str:
    """A title or label: control-free, whitespace collapsed, at most `limit` characters."""
    flat = " ".join(strip_controls(text).split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"
