"""Reading one answer's bytes in the stream parser: text passes through, markers end it.

Why apart from protocol.py: the parser's states outside answers (load logs, echo, prompt)
are simple; this is where model text and llama-cli's framing share one byte stream and only
the exact marker where llama-cli prints it may end a turn (engine/markers.py). Nothing is
removed but the markers: escapes and controls pass through raw for the chat core's cleaner.
"""

from __future__ import annotations

from neuro_tui.engine import markers as mk
from neuro_tui.engine.answer_out import AnswerOut
from neuro_tui.engine.events import Flavor
from neuro_tui.engine.loglines import ErrorLine
from neuro_tui.engine.wire import CursorQuery, Speeds

GREEN = mk.BOLD_GREEN
GREEN_FIRST_ENDS = True  # trust the colour-first end (bench/bench_turn_end.py turns it off)


class AnswerScanner:
    """`scan(buf, events)` -> (verdict, bytes left): "more" (the bytes left wait for the
    next read), "end" (the prompt marker: the answer is over), "maybe" (the bytes left start
    with a bare prompt), "speeds" (the chat CLI's speeds line ended the answer)."""

    def __init__(self, flavor: Flavor, color: bool, out: AnswerOut):
        self.flavor, self.color, self.out = flavor, color, out
        self.old_green = color and flavor is not Flavor.NEW  # bold green frames the prompt
        self.give_up = False  # the output ended: nothing more will complete a marker
        self.green_seen = False  # the old protocols' prompt colour came inside the answer
        self.tail = b""  # the last bytes passed on as text (markers span reads)

    def scan(self, buf: bytes, events: list) -> tuple[str, bytes]:
        i, n, text = 0, len(buf), bytearray()
        while i < n:
            c = buf[i]
            step = None
            if c == 0x1B:
                step = self._at_escape(buf[i:], text, events)
            elif c == 0x0A:
                step = self._at_newline(buf[i:], text, events)
            elif c == 0x0D and i == n - 1 and not self.give_up:
                step = "more"  # may be the CR of a CRLF whose LF is in the next read
            elif c == 0x45 and self.flavor is Flavor.NEW and not self.out.any_text and not text:
                step = self._at_error(buf[i:], events)
            if isinstance(step, tuple):  # a marker ended the answer
                self._emit(text, events)
                if step[0] == "speeds":
                    self.out.flush(events)
                return step[0], buf[i + step[1]:]
            if step == "more":
                break
            if isinstance(step, int):  # bytes passed over (kept as text when they are)
                i += step
                continue
            text.append(c)
            i += 1
        self._emit(text, events)
        return "more", buf[i:]

    def _emit(self, text: bytearray, events: list) -> None:
        self.tail = (self.tail + bytes(text))[-len(GREEN) - 1:]
        self.out.emit(text, events)

    def _waits(self, rest: bytes, marker: bytes) -> bool:
        return not self.give_up and mk.is_proper_prefix(rest, marker)

    def _at_escape(self, rest: bytes, text: bytearray, events: list):
        """At an ESC: "more", a marker (verdict, its length), bytes passed, or None."""
        if self.old_green and (rest.startswith(GREEN) or self._waits(rest, GREEN)):
            if len(rest) < len(GREEN):
                return "more"
            # the prompt's colour overtook the answer's last tokens (llama-cli's log thread
            # lags), or the model printed it: from now on a bare "\n> " may be the end
            self.green_seen = True
            text += GREEN
            return len(GREEN)
        if rest.startswith(mk.CURSOR_QUERY):  # answered, and left in the text for the core
            self._emit(text, events)
            text.clear()
            events.append(CursorQuery())
            text += mk.CURSOR_QUERY
            return len(mk.CURSOR_QUERY)
        if self._waits(rest, mk.CURSOR_QUERY):
            return "more"
        if self.flavor is Flavor.NEW:  # its ESC[35m comes even with --simple-io
            return self._at_speeds(rest, text, events)
        return None

    def _at_newline(self, rest: bytes, text: bytearray, events: list):
        """At a newline: a marker (end of turn, speeds line) or just text."""
        if self.flavor is Flavor.NEW:
            return self._at_speeds(rest, text, events)
        marker = mk.PROMPT + (GREEN if self.color else b"")
        if self.color and rest.startswith(marker):
            return "end", len(marker)
        if rest.startswith(mk.PROMPT) and (not self.color
                                           or rest == mk.PROMPT and self.green_seen):
            if GREEN_FIRST_ENDS and self.old_green and (self.tail + text).endswith(GREEN + b"\n"):
                # llama-cli's own end in the other order: it printed the colour directly
                # while its log thread still held its last two writes, "\n" and "\n> "
                # (23 of 24 turn ends on 0.3.16); no need to wait for a quiet spell
                return "end", len(mk.PROMPT)
            return "maybe", 0
        return "more" if self._waits(rest, marker) else None

    def _at_speeds(self, rest: bytes, text: bytearray, events: list):
        m = mk.SPEEDS.match(rest)
        if m:
            self._emit(text, events)  # the answer's text comes before its speeds
            text.clear()
            events.append(Speeds(float(m.group(1)), float(m.group(2))))
            return "speeds", m.end()
        return "more" if not self.give_up and mk.may_be_speeds(rest) else None

    def _at_error(self, rest: bytes, events: list):
        """The chat CLI's `Error: ...` line where an answer should start."""
        if not self.give_up and mk.may_be_error(rest):
            return "more"
        if not rest.startswith(mk.ERROR_PREFIX):
            return None
        line = rest.partition(b"\n")[0]
        events.append(ErrorLine(line.decode("utf-8", "replace")))
        return len(line)
