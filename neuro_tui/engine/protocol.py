"""Pure llama-cli pty stream parser: bytes in, protocol events out (no I/O, no clock).

Why a state machine over a byte buffer: reads split markers and UTF-8 characters anywhere,
so what might be the start of a marker (engine/markers.py) is held back until the next read
decides it. The same bytes give the same events however they are split.
Framing (../shared/llama-cli-protocol.md): `ESC[0m` after the echo starts an answer. The old
protocols end one with `\\n> ` + bold green (with colour), the chat CLI with its speeds line
(`ESC[35m` first, with colour). Models print colour codes and `> ` too, so only that exact
marker where llama-cli prints it is trusted (in either order: 0.3.16's log thread often
writes its last `\\n`, `\\n> ` after the green); a bare `\\n> ` (no colour, after Ctrl+C, or
after a green that overtook the last tokens) is only a possible end (`MaybeEnd`) that more
bytes refute and the session confirms after a quiet spell.

One cleaning policy: the parser removes from an answer only the framing it recognises
(markers, the pty's CRLF -> LF). Every other escape sequence and control character passes
through as Text, raw: the engine yields raw model text and the chat core cleans it once
(textsafe.StreamCleaner), the same for every engine. Bounded: only a proper prefix of a
marker (at most a speeds line, 120 bytes) is held, never an escape sequence as such.
Held reads still count as tokens (AnswerBytes), so max-tokens stops an answer on time.
"""

from __future__ import annotations

import re

from neuro_tui.engine import markers as mk
from neuro_tui.engine.answer_out import AnswerOut
from neuro_tui.engine.answer_scan import AnswerScanner
from neuro_tui.engine.events import Flavor
from neuro_tui.engine.loglines import ErrorLine, Exited, Perf, classify_line  # noqa: F401
from neuro_tui.engine.wire import (  # noqa: F401 - re-exported: the parser's events
    AnswerBytes,
    CursorQuery,
    FirstByte,
    MaybeEnd,
    Ready,
    Speeds,
    Text,
    TurnEnd,
)
from neuro_tui.textsafe import strip_controls

_PIECES = re.compile(r"\s*\S+")  # token estimate of a coalesced read: its words
GREEN = mk.BOLD_GREEN


class StreamParser:
    """Feed every pty read to `feed()`; call `sent(lines)` right after writing a message."""

    def __init__(self, flavor: Flavor, color: bool = True):
        self.flavor, self.color = flavor, color
        self.state = "loading"  # loading | prompt | echo | answer | maybe | ending
        self._buf = b""
        self._line = b""  # partial log line outside answers
        self._echo_lines = 0
        self._start_answer()
        # 0.3.16 with --color turns bold green on *before* the system prompt, so the first
        # marker of the old protocols is a bare "\n> " (no model text can precede it)
        self.ready_marker = GREEN + mk.PROMPT if flavor is Flavor.NEW and color else mk.PROMPT

    def _start_answer(self) -> None:
        self._out = AnswerOut()
        self._scan = AnswerScanner(self.flavor, self.color, self._out)
        self._held_reads = 0  # reads counted as a token while their bytes were held

    def sent(self, lines: int = 1) -> None:
        """A message of `lines` physical lines was written: its echo comes next."""
        self.state, self._echo_lines, self._buf = "echo", max(1, lines), b""
        self._start_answer()

    def confirm_end(self) -> list:
        """Nothing followed a bare `\\n> ` (no colour, or after Ctrl+C): the turn is over."""
        if self.state == "answer" and self._buf.endswith(mk.PROMPT):
            events: list = []
            self._out.emit(self._buf[:-3], events)
            self._buf = b""
            self._end(events)
            return events
        if self.state != "maybe":
            return []
        self.state, self._buf = "prompt", b""
        return [TurnEnd()]

    def feed(self, data: bytes) -> list:
        if self._buf.endswith(b"\r") and data.startswith(b"\n"):
            self._buf = self._buf[:-1]  # a CRLF split across reads
        self._buf += data.replace(b"\r\n", b"\n")
        events: list = []
        self._out.fed = False
        while self._buf:
            before = (self.state, len(self._buf))
            getattr(self, "_" + self.state)(events)
            if (self.state, len(self._buf)) == before:
                break  # waiting for more bytes
        holding = self.state == "answer" and bool(data) and bool(self._buf)
        if self._out.fed or holding:  # generated, maybe not shown yet: count it now
            self._out.first_byte(events)
            said = "".join(e.text for e in events if isinstance(e, Text))
            least = 1 if data else 0  # one read ~ one token
            events.append(AnswerBytes(max(least, len(_PIECES.findall(said)) - self._held_reads)))
            # words released later were counted with the reads that brought them
            self._held_reads = (0 if self._out.fed else self._held_reads) + holding
        return events

    def finish(self) -> list:
        """The child's output ended: flush what is certain."""
        events: list = []
        if self.state == "answer":
            self._scan.give_up = True  # a held marker prefix will not complete now: text
            self._answer(events)
            self._scan.give_up = False
        if self.state in ("answer", "maybe") and self._buf and self._buf[:1] != b"\n":
            self._out.emit(self._buf, events)
        if self.state in ("answer", "maybe"):
            self._out.flush(events)
        elif self._buf or self._line:
            self._lines(self._buf + b"\n", events)
        self._buf = b""
        return events

    # -- outside answers: startup logs, perf lines, exit messages ---------------------
    def _lines(self, data: bytes, events: list) -> None:
        *done, self._line = (self._line + data).split(b"\n")
        for raw in done:  # recognised on the text a reader sees (textsafe's one policy)
            line = raw.replace(b"\r", b"").decode("utf-8", "replace")  # a spinner's CRs
            event = classify_line(strip_controls(line))
            if event is not None:
                events.append(event)

    def _loading(self, events: list) -> None:
        at = self._buf.find(self.ready_marker)
        if at < 0:
            keep = mk.held_tail(self._buf, [self.ready_marker])
            self._lines(self._buf[: len(self._buf) - keep], events)
            self._buf = self._buf[len(self._buf) - keep:]
            return
        self._lines(self._buf[:at] + b"\n", events)
        self._buf, self.state, self._line = self._buf[at + len(self.ready_marker):], "prompt", b""
        events.append(Ready())

    def _prompt(self, events: list) -> None:
        self._lines(self._buf, events)
        self._buf = b""

    def _echo(self, events: list) -> None:
        buf = self._buf
        if mk.CURSOR_QUERY in buf:
            events.append(CursorQuery())
            buf = buf.replace(mk.CURSOR_QUERY, b"")
        if self.color:
            at = buf.find(mk.ECHO_END)
            end = at + len(mk.ECHO_END)
        else:
            end = 0
            while self._echo_lines and (at := buf.find(b"\n", end)) >= 0:
                self._echo_lines, end = self._echo_lines - 1, at + 1
            at = -1 if self._echo_lines else end
        if at < 0:  # the echo itself is dropped; keep what may start a marker
            keep = mk.held_tail(buf, [mk.ECHO_END, GREEN, mk.CURSOR_QUERY])
            self._buf = buf[len(buf) - keep:] if keep else b""
            return
        self._buf, self.state = buf[end:], "answer"

    # -- answers: text passes through, only markers are read (engine/answer_scan.py) -----
    def _answer(self, events: list) -> None:
        verdict, self._buf = self._scan.scan(self._buf, events)
        if verdict == "end":
            self._end(events)
        elif verdict == "maybe":
            self.state = "maybe"
            events.append(MaybeEnd())
        elif verdict == "speeds":
            self.state = "ending"

    def _maybe(self, events: list) -> None:
        after = self._buf[3:]
        if self._scan.old_green and (after.startswith(GREEN) or GREEN.startswith(after)):
            if after.startswith(GREEN):  # the green came late: the prompt after all
                self._buf = after[len(GREEN):]
                self._end(events)
            return
        if after:  # more bytes after "\n> ": it was answer text
            self.state = "answer"
            self._out.emit(self._buf[:3], events)
            self._buf = after

    def _ending(self, events: list) -> None:
        """After the speeds line: wait for the prompt."""
        hits = [self._buf.find(b"> "), self._buf.find(GREEN) if self.color else -1]
        if max(hits) < 0:
            self._buf = self._buf[-8:]
            return
        self.state, self._buf = "prompt", b""
        events.append(TurnEnd())

    def _end(self, events: list) -> None:
        self._out.flush(events)
        self.state = "prompt"
        events.append(TurnEnd())
