"""Hostile text, one table for every output (TUI screen, `ask` stdout, `chat --plain` stdout).

Each case: a name, the text a model (or a file, or a page) produces, and what a user must see
of it under the textsafe policy (neuro_tui/textsafe.py). Every case ends with AFTER: whatever
came before, that visible text must arrive. Rich markup is data: it must show literally.
Every face shows exactly textsafe's result (`lost`); tests/faults/test_output_framing_agree.py
checks row by row that the engine path (parser, then the core's one cleaner) equals it.
"""

from __future__ import annotations

import re

AFTER = "after-the-sequence"

# (name, hostile text, visible text expected)
CASES: list[tuple[str, str, str]] = [
    ("osc-title-bel", "t1 \x1b]0;pwned\x07" + AFTER, "t1 " + AFTER),
    ("osc-unterminated-then-csi", "a\x1b]0;t b\x1b[31mc " + AFTER, "ac " + AFTER),
    ("osc-unterminated-to-newline", "a\x1b]2;title never ends\n" + AFTER, "a\n" + AFTER),
    ("osc-unterminated-long", "a\x1b]0;" + "x" * 300 + " " + AFTER, "a" + "x" * 46 + " " + AFTER),
    ("osc52-clipboard", "c\x1b]52;c;cm0gLXJmIH4=\x1b\\" + AFTER, "c" + AFTER),
    ("osc8-link", "see \x1b]8;;file:///etc/passwd\x1b\\link\x1b]8;;\x1b\\ " + AFTER,
     "see link " + AFTER),
    ("dcs-unterminated", "d\x1bPq#0;2;0;0;0\x1b[0m" + AFTER, "d" + AFTER),
    ("apc-unterminated", "p\x1b_Gf=100;AAAA\n" + AFTER, "p\n" + AFTER),
    ("pm-sos", "s\x1b^private\x1b\\\x1bXsos\x07" + AFTER, "s" + AFTER),
    ("charset-esc-paren-b", "g\x1b(B\x1b)0" + AFTER, "g" + AFTER),
    ("esc-reset-and-save", "r\x1bc\x1b7\x1b8" + AFTER, "r" + AFTER),
    ("csi-odd-params", "o\x1b[38;2;255;0;0m\x1b[?1049h\x1b[99999999999999999999J\x1b[>c"
     + AFTER, "o" + AFTER),
    ("csi-unterminated-then-text", "u\x1b[12;\nx " + AFTER, "u\nx " + AFTER),
    ("c1-8bit", "e\x9b2J\x9d0;t\x9c\x90q\x9c\x85\x8d" + AFTER, "e" + AFTER),
    ("lone-cr", "progress 10%\rprogress 20%\r\n" + AFTER, "progress 10%\nprogress 20%\n" + AFTER),
    ("nul-and-c0", "n\x00\x01\x07\x08\x0b\x0c\x7f" + AFTER, "n" + AFTER),
    ("bidi-overrides", "b\u202eevil\u202c\u2066x\u2067y\u2068z\u2069 " + AFTER,
     "bevilxyz " + AFTER),
    ("rich-markup", "[bold]m[/bold] [link=file:///etc/passwd]click[/link] " + AFTER,
     "[bold]m[/bold] [link=file:///etc/passwd]click[/link] " + AFTER),
    ("textual-markup-vars", "[$accent]v[/] [@click=app.quit]q[/] " + AFTER,
     "[$accent]v[/] [@click=app.quit]q[/] " + AFTER),
]

# what must never reach a terminal from data
FORBIDDEN = ["\x1b", "\x9b", "\x9d", "\x90", "\x9c", "\x07", "\x00", "\r", "\u202e", "\u2066"]


def escaped(text: str) -> list[str]:
    """The forbidden characters found in `text` (empty when it is safe)."""
    return [repr(c) for c in FORBIDDEN if c in text]


def all_in_one() -> str:
    """Every case in one answer, one per line (for a single scripted model reply)."""
    return "\n".join(text for _, text, _ in CASES)


_CHROME = re.compile("[\u2500-\u259f]")  # box drawing and block elements: pane borders


def flat(text: str) -> str:
    """Words only: Markdown joins soft line breaks, a screen wraps lines (and a captured
    screen has pane borders between the wrapped pieces; no case contains those glyphs)."""
    return " ".join(_CHROME.sub(" ", text).split())


def lost(output: str) -> list[str]:
    """Cases whose visible text (exactly what textsafe keeps of them) is not in `output`,
    compared word by word. The engine passes every sequence through and the chat core
    cleans once with textsafe, so each face shows textsafe's result: nothing less."""
    shown = flat(output)
    return [name for name, _text, visible in CASES if flat(visible) not in shown]
