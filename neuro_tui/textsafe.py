"""The one text-safety boundary: untrusted text (model answers, documents, web pages, llama-cli
log lines) made safe to print. Applied once, where the text enters; nothing above cleans again.

Policy (the same for the TUI, `ask`, `chat --plain`, the log view and the chat files):
- Escape sequences are removed whole: CSI (`ESC [`, 8-bit `0x9b`), two-byte escapes and
  charset designations (`ESC c`, `ESC ( B`), and string sequences (OSC `ESC ]`/`0x9d`, DCS
  `ESC P`/`0x90`, SOS/PM/APC) with their payload: titles, OSC 8 link targets, OSC 52
  clipboard writes. The visible text of an OSC 8 link is kept.
- A string sequence ends at BEL or ST, and also (unterminated) at the next ESC, at a line
  break, or after MAX_STRING characters: text after it is never swallowed.
- C0 controls except TAB and LF, DEL, C1 controls and bidi overrides/isolates (U+202A-202E,
  U+2066-2069) are dropped. CRLF and a lone CR become LF (the text on both sides stays).
- Rich/Textual markup is not touched: the UI renders `Text`, never markup from data.

`StreamCleaner` is the same machine fed in fragments (a sequence split across fragments is
removed whole); it holds back nothing but a trailing CR.
"""

from __future__ import annotations

import re

MAX_STRING = 256  # longest OSC/DCS payload we wait for before taking the rest as text
MAX_CSI = 64

# everything that is not plain text: the fast path copies what lies between these
_SPECIAL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_STRING_8BIT = {"\x9d", "\x90", "\x98", "\x9e", "\x9f"}  # OSC, DCS, SOS, PM, APC
_STRING_7BIT = {"]", "P", "X", "^", "_"}

GROUND, ESC, ESC_INTER, CSI, STRING, STRING_ESC, CR = range(7)


class StreamCleaner:
    """`strip_controls` for text arriving in fragments (model tokens, log lines)."""

    def __init__(self) -> None:
        self._state = GROUND
        self._count = 0  # characters inside the current sequence

    def feed(self, fragment: str) -> str:
        out: list[str] = []
        i, n = 0, len(fragment)
        while i < n:
            if self._state == GROUND:
                m = _SPECIAL.search(fragment, i)
                if m is None:
                    out.append(fragment[i:])
                    break
                out.append(fragment[i:m.start()])
                i = m.start()
            ch = fragment[i]
            i += 1
            if self._step(ch, out):  # the character ended a sequence it did not belong to
                i -= 1
        return "".join(out)

    def finish(self) -> str:
        """End of the text: a held CR is a line break; an open sequence is dropped."""
        tail = "\n" if self._state == CR else ""
        self._state, self._count = GROUND, 0
        return tail

    def _step(self, ch: str, out: list[str]) -> bool:
        """Advance by one character; True when `ch` must be read again (in the new state)."""
        state = self._state
        if state == GROUND:
            self._ground(ch, out)
            return False
        if state == CR:
            self._state = GROUND
            out.append("\n")
            return ch != "\n"
        self._count += 1
        if state == ESC:
            if ch == "[":
                self._enter(CSI)
            elif ch in _STRING_7BIT:
                self._enter(STRING)
            elif " " <= ch <= "/":
                self._state = ESC_INTER
            elif "0" <= ch <= "~":
                self._state = GROUND
            elif ch == "\x1b":
                self._enter(ESC)
            else:
                self._state = GROUND
                return True
        elif state == ESC_INTER:
            if "0" <= ch <= "~":
                self._state = GROUND
            elif not " " <= ch <= "/" or self._count > MAX_CSI:
                self._state = GROUND
                return True
        elif state == CSI:
            if "@" <= ch <= "~":
                self._state = GROUND
            elif not " " <= ch <= "?" or self._count > MAX_CSI:
                self._state = GROUND
                return True
        elif state == STRING_ESC:
            self._state = GROUND
            if ch != "\\":  # ESC ended the string and starts a new sequence
                self._enter(ESC)
                return True
        elif state == STRING:
            if ch in "\x07\x9c":
                self._state = GROUND
            elif ch == "\x1b":
                self._state = STRING_ESC
            elif ch in "\n\r" or self._count > MAX_STRING:
                self._state = GROUND
                return True
        return False

    def _ground(self, ch: str, out: list[str]) -> None:
        if ch == "\x1b":
            self._enter(ESC)
        elif ch == "\x9b":
            self._enter(CSI)
        elif ch in _STRING_8BIT:
            self._enter(STRING)
        elif ch == "\r":
            self._state = CR
        elif ch in "\n\t":
            out.append(ch)
        # every other control, DEL, C1 and bidi control is dropped

    def _enter(self, state: int) -> None:
        self._state, self._count = state, 0


def strip_controls(text: str) -> str:
    """Text without escape sequences or control characters (LF and TAB kept, CR -> LF)."""
    if _SPECIAL.search(text) is None:
        return text
    cleaner = StreamCleaner()
    return cleaner.feed(text) + cleaner.finish()


def one_line(text: str, limit: int = 200) -> str:
    """A title or label: control-free, whitespace collapsed, at most `limit` characters."""
    flat = " ".join(strip_controls(text).split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"
