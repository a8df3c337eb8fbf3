"""textsafe.strip_controls for a stream: hold back an escape sequence cut between deltas.

Not a second cleaner: the policy is textsafe's; this only buffers the tail of a delta that
may be the start of a sequence (ESC or an 8-bit introducer with no terminator yet, or a
CR that may be half of CRLF) until the next delta decides it. Swap for textsafe's own
incremental form when the chat core adds one (/work/notes/chat-api.md).
"""

from __future__ import annotations

from neuro_tui.textsafe import strip_controls

HOLD_LIMIT = 256  # an "escape" longer than this is not one we wait for
_INTRODUCERS = ("\x1b", "\x9b", "\x9d", "\x90", "\x9e", "\x9f", "\x98")
_FINAL_OSC = ("\x07", "\x9c", "\x1b\\")


def _incomplete(tail: str) -> bool:
    """Could `tail` (starting at an introducer) still grow into a longer sequence?"""
    if tail in ("\x1b", "\x9b", "\x9d"):
        return True
    head = tail[:2]
    if head in ("\x1b]", "\x1bP", "\x1b^", "\x1b_", "\x1bX") or tail[0] in "\x9d\x90\x9e\x9f\x98":
        return not any(end in tail[1:] for end in _FINAL_OSC)
    if head == "\x1b[" or tail[0] == "\x9b":
        body = tail[2:] if head == "\x1b[" else tail[1:]
        return not any("@" <= c <= "~" for c in body)
    if tail[0] == "\x1b":  # ESC + intermediates (0x20-0x2f) still waiting for a final byte
        return all(" " <= c <= "/" for c in tail[1:])
    return False


class StreamCleaner:
    def __init__(self) -> None:
        self._held = ""

    def feed(self, text: str) -> str:
        data = self._held + text
        self._held = ""
        cut = max(data.rfind(c) for c in _INTRODUCERS)
        if cut >= 0 and len(data) - cut <= HOLD_LIMIT and _incomplete(data[cut:]):
            data, self._held = data[:cut], data[cut:]
        if not self._held and data.endswith("\r"):
            data, self._held = data[:-1], "\r"
        return strip_controls(data)

    def finish(self) -> str:
        held, self._held = self._held, ""
        return strip_controls(held)
