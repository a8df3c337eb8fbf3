"""Hostile text, one table for every output (TUI screen, `ask` stdout, `chat --plain` stdout).

Each case: a name, the text a model (or a file, or a page) produces, and what a user must see
of it under the textsafe policy (neuro_tui/textsafe.py). Every case ends with AFTER: whatever
came before, that visible text must arrive. Rich markup is data: it must show literally.
"""

from __future__ import annotations

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


def lost(output: str) -> list[str]:
    """Cases whose visible text did not arrive in `output`: the text before the first
    control character and the text after the sequences (AFTER), in that order.

    Weaker than equality with `visible` on purpose: llama-cli's stream parser removes the
    escapes it frames on before the cleaner sees them, so a payload may show as text there;
    what must hold on every path is that nothing escapes and nothing visible is lost."""
    missing = []
    for name, text, _visible in CASES:
        cut = next((i for i, c in enumerate(text) if c < " " and c not in "\n\t"
                    or "\x7f" <= c <= "\x9f" or c in "\u202a\u202b\u202c\u202d\u202e"
                    "\u2066\u2067\u2068\u2069"), len(text))
        if cut == len(text):  # plain text (markup): it must arrive as it is
            if text not in output:
                missing.append(name)
            continue
        before = text[:cut].split("\n")[0]
        at = output.find(before)
        if at < 0 or output.find(AFTER, at + len(before)) < 0:
            missing.append(name)
    return missing
