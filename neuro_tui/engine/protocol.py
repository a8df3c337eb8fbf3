"""Pure llama-cli pty stream parser: bytes in, protocol events out (no I/O, no clock).

Why a state machine over a byte buffer: reads split markers, escape sequences and UTF-8
characters anywhere, so everything that might be the start of a marker is held back until
the next read decides it. The same bytes give the same events however they are split.
Framing (see ../shared/llama-cli-protocol.md): `ESC[0m` after the echo starts an answer.
The old protocols end one with `\\r\\n> ` + bold green `ESC[1m ESC[32m` (with colour); the
new one with its speeds line. Models print colour codes and `> ` too, so only that exact
marker where llama-cli prints it is trusted: bold green elsewhere is text (stripped), and a
bare `\\r\\n> ` (no colour, after Ctrl+C, or when llama-cli's unsynchronised log thread lets
the green overtake it) is only a *possible* end (`MaybeEnd`) that more bytes refute and the
session confirms after a quiet spell.
Nothing is held without bound: an escape sequence that has not ended after
MAX_ESCAPE_BYTES bytes or MAX_ESCAPE_READS reads (or when the session calls `release()`
after a quiet spell) was not one; its ESC is dropped and the rest is text. Held reads still
count as tokens (AnswerBytes), so max-tokens stops an answer the parser is still holding.

Escapes and the one cleaning policy (neuro_tui/textsafe.py): framing needs the parser to SEE
`ESC[0m` (end of the echo), bold green (the old protocols' prompt), `ESC[6n` (a cursor query
to answer) and the chat CLI's `ESC[35m` before its speeds line, and to hold a possible
marker split across reads. It does not need to REMOVE anything else, but today it does (the
session promises clean AnswerText to direct users: bench/, tune_trial, the engine tests),
with its own rules: a complete sequence is dropped, an unterminated one loses only its ESC
(`a ESC]0;t b ESC[31mc` gives "a]0;t bc"; textsafe alone gives "ac"), C0/C1 controls go,
every CR goes. Nothing escapes and no text after is lost either way (tests/hostile_text.py).
One policy = pass non-framing sequences and controls through as Text (bounded as above),
match `\n ESC[35m \n[ Prompt:` as one marker, and make the engine contract "raw text,
ChatService cleans once" (the engine-level fault tests then assert on cleaned text).
"""

from __future__ import annotations

import codecs
import re

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

BOLD_GREEN = b"\x1b[1m\x1b[32m"
_ESC_SEQ = re.compile(
    rb"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)|[ -/]*[0-Z\\^-~])")
_ESC_PARTIAL = re.compile(rb"\x1b(?:\[[0-?]*[ -/]*|\][^\x07\x1b]*\x1b?|[ -/]*)\Z")
_SPEEDS = re.compile(rb"\n\[ Prompt: ([\d.]+) t/s \| Generation: ([\d.]+) t/s \]\n")
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_ERROR_PREFIX = b"Error: "
_PIECES = re.compile(r"\s*\S+")  # token estimate of a coalesced read: its words
MAX_ESCAPE_BYTES = 64  # llama-cli's own sequences are < 16 bytes
MAX_ESCAPE_READS = 4
MAX_ERROR_LINE = 400


class StreamParser:
    """Feed every pty read to `feed()`; call `sent(lines)` right after writing a message."""

    def __init__(self, flavor: Flavor, color: bool = True):
        self.flavor, self.color = flavor, color
        self.state = "loading"  # loading | prompt | echo | answer | maybe | ending
        self._buf = b""
        self._line = b""  # partial log line outside answers
        self._echo_lines = 0
        self._fed = False
        self._start_answer()
        # 0.3.16 with --color turns bold green on *before* the system prompt, so the first
        # marker of the old protocols is a bare "\r\n> " (no model text can precede it)
        self.ready_marker = BOLD_GREEN + b"\n> " if flavor is Flavor.NEW and color else b"\n> "

    def _start_answer(self) -> None:
        self._decoder = codecs.getincrementaldecoder("utf-8")("replace")
        self._newlines = 0
        self._any_text = False
        self._got_byte = False
        self._held_reads = 0  # reads counted as a token while their bytes were held
        self._escape_reads = 0  # reads the held escape sequence has waited for its end
        self._give_up = False
        self._green_seen = False  # the old protocols' prompt colour came inside the answer

    def sent(self, lines: int = 1) -> None:
        """A message of `lines` physical lines was written: its echo comes next."""
        self.state, self._echo_lines, self._buf = "echo", max(1, lines), b""
        self._start_answer()

    def confirm_end(self) -> list:
        """Nothing followed a bare `\\r\\n> ` (no colour, or after Ctrl+C): the turn is over."""
        if self.state == "answer" and self._buf.endswith(b"\n> "):
            events: list = []
            self._emit(self._buf[:-3], events)
            self._buf = b""
            self._end(bytearray(), events)
            return events
        if self.state != "maybe":
            return []
        self.state, self._buf = "prompt", b""
        return [TurnEnd()]

    def feed(self, data: bytes) -> list:
        self._buf += data.replace(b"\r", b"")
        events: list = []
        self._fed = False
        while self._buf:
            before = (self.state, len(self._buf))
            getattr(self, "_" + self.state)(events)
            if (self.state, len(self._buf)) == before:
                break  # waiting for more bytes
        answering = self.state == "answer" and bool(data)
        if answering and self.holding_escape:
            self._escape_reads += 1
        holding = answering and bool(self._buf)  # generated, not shown yet: count it now
        if self._fed or holding:
            if holding and not self._got_byte:
                self._got_byte = True
                events.append(FirstByte())
            said = "".join(e.text for e in events if isinstance(e, Text))
            least = 1 if data else 0  # one read ~ one token; release() reads nothing
            events.append(AnswerBytes(max(least, len(_PIECES.findall(said)) - self._held_reads)))
            # words released later were counted with the reads that brought them
            self._held_reads = (0 if self._fed else self._held_reads) + holding
        return events

    @property
    def holding_escape(self) -> bool:
        """An answer's escape sequence is waiting for its end (not a possible prompt)."""
        return (self.state == "answer" and self._buf[:1] == b"\x1b"
                and not self._green_ahead(self._buf))

    def release(self) -> list:
        """No byte came for a while: stop waiting for the held escape sequence to end."""
        self._give_up = True
        try:
            return self.feed(b"")
        finally:
            self._give_up = False

    def _green_ahead(self, rest: bytes) -> bool:
        """Bold green (or its start) of the old protocols' prompt at the start of `rest`."""
        return (self.color and self.flavor is not Flavor.NEW
                and (rest.startswith(BOLD_GREEN) or BOLD_GREEN.startswith(rest)))

    def finish(self) -> list:
        """The child's output ended: flush what is certain."""
        events: list = []
        if self.state == "answer":
            self._give_up = True  # a held escape sequence will not end now: its text is kept
            self._answer(events)
            self._give_up = False
        if self.state in ("answer", "maybe") and self._buf and self._buf[:1] not in b"\n\x1b":
            self._emit(self._buf, events)
        if self.state in ("answer", "maybe"):
            self._text(self._decoder.decode(b"", final=True), events)
        elif self._buf or self._line:
            self._lines(self._buf + b"\n", events)
        self._buf = b""
        return events

    # -- outside answers: startup logs, perf lines, exit messages ---------------------
    def _lines(self, data: bytes, events: list) -> None:
        *done, self._line = (self._line + data).split(b"\n")
        for raw in done:
            event = classify_line(_ESC_SEQ.sub(b"", raw).decode("utf-8", "replace"))
            if event is not None:
                events.append(event)

    def _loading(self, events: list) -> None:
        at = self._buf.find(self.ready_marker)
        if at < 0:
            keep = _held_tail(self._buf, [self.ready_marker])
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
        if b"\x1b[6n" in buf:
            events.append(CursorQuery())
            buf = buf.replace(b"\x1b[6n", b"")
        if self.color:
            at = buf.find(b"\x1b[0m")
            end = at + 4
        else:
            end = 0
            while self._echo_lines and (at := buf.find(b"\n", end)) >= 0:
                self._echo_lines, end = self._echo_lines - 1, at + 1
            at = -1 if self._echo_lines else end
        if at < 0:  # the echo itself is dropped; keep what may start a marker
            keep = _held_tail(buf, [b"\x1b[0m", BOLD_GREEN, b"\x1b[6n"])
            self._buf = buf[len(buf) - keep:] if keep else b""
            return
        self._buf, self.state = buf[end:], "answer"

    # -- answers ---------------------------------------------------------------------------
    def _answer(self, events: list) -> None:
        buf, i, n, text = self._buf, 0, len(self._buf), bytearray()
        while i < n:
            c = buf[i]
            if c == 0x1B:
                step = self._escape(buf, i, text, events)
                if step is None:
                    break
                if step < 0:
                    return
                i = step
                continue
            if c == 0x0A:
                verdict = self._at_newline(buf, i, text, events)
                if verdict == "hold":
                    break
                if verdict == "done":
                    return
            elif c == 0x45 and self.flavor is Flavor.NEW and not self._any_text and not text:
                rest = buf[i:]
                if (_ERROR_PREFIX.startswith(rest[:7]) and (len(rest) < 7 or b"\n" not in rest)
                        and len(rest) < MAX_ERROR_LINE):
                    break
                if rest.startswith(_ERROR_PREFIX):
                    line, _, _ = rest.partition(b"\n")
                    events.append(ErrorLine(line.decode("utf-8", "replace")))
                    i += len(line)
                    continue
            text.append(c)
            i += 1
        self._emit(text, events)
        self._buf = buf[i:]

    def _escape(self, buf: bytes, i: int, text: bytearray, events: list) -> int | None:
        """At an ESC: the index after it, None to wait for more bytes, -1 at a possible end."""
        rest = buf[i:]
        if self._green_ahead(rest):
            if len(rest) < len(BOLD_GREEN):
                return None
            # the prompt's colour overtook the answer's last tokens (llama-cli's log thread
            # lags), or the model printed it: from now on a bare "\n> " may be the end
            self._green_seen = True
            return i + len(BOLD_GREEN)
        m = _ESC_SEQ.match(buf, i)
        if m is not None:
            self._escape_reads = 0
            if m.group() == b"\x1b[6n":
                self._emit(text, events)
                text.clear()
                events.append(CursorQuery())
            return m.end()
        waited = self._give_up or self._escape_reads >= MAX_ESCAPE_READS
        if _ESC_PARTIAL.match(buf, i) and len(rest) <= MAX_ESCAPE_BYTES and not waited:
            return None
        self._escape_reads = 0
        return i + 1  # never ended: not a sequence; drop the ESC, the rest is text

    def _at_newline(self, buf: bytes, i: int, text: bytearray, events: list):
        """At a newline: a marker (end of turn, speeds line) or just text."""
        rest = buf[i:]
        if self.flavor is Flavor.NEW:
            m = _SPEEDS.match(rest)
            if m:
                self._emit(text, events)
                events.append(Speeds(float(m.group(1)), float(m.group(2))))
                self.state, self._buf = "ending", rest[m.end():]
                self._text(self._decoder.decode(b"", final=True), events)
                return "done"
            if rest.startswith(b"\n[") and b"\n" not in rest[1:] and len(rest) < 120:
                return "hold"
            if b"\n[ Prompt: ".startswith(rest[:12]) and len(rest) < 12:
                return "hold"
            return None
        marker = b"\n> " + (BOLD_GREEN if self.color else b"")
        if self.color and rest.startswith(marker):
            self._end(text, events)
            self._buf = rest[len(marker):]
            return "done"
        if rest.startswith(b"\n> ") and (not self.color or rest == b"\n> " and self._green_seen):
            self._emit(text, events)
            self.state, self._buf = "maybe", rest
            events.append(MaybeEnd())
            return "done"
        if marker.startswith(rest):
            return "hold"
        return None

    def _maybe(self, events: list) -> None:
        after = self._buf[3:]
        if self._green_ahead(after):
            if after.startswith(BOLD_GREEN):  # the green came late: the prompt after all
                self._end(bytearray(), events)
                self._buf = after[len(BOLD_GREEN):]
            return
        if after:  # more bytes after "\n> ": it was answer text
            self.state = "answer"
            self._emit(self._buf[:3], events)
            self._buf = after

    def _ending(self, events: list) -> None:
        """After the speeds line: wait for the prompt."""
        hits = [self._buf.find(b"> "), self._buf.find(BOLD_GREEN) if self.color else -1]
        if max(hits) < 0:
            self._buf = self._buf[-8:]
            return
        self.state, self._buf = "prompt", b""
        events.append(TurnEnd())

    def _end(self, text: bytearray, events: list) -> None:
        self._emit(text, events)
        self._text(self._decoder.decode(b"", final=True), events)
        self.state = "prompt"
        events.append(TurnEnd())

    def _emit(self, data: bytes | bytearray, events: list) -> None:
        if not data:
            return
        self._fed = True
        if not self._got_byte:
            self._got_byte = True
            events.append(FirstByte())
        self._text(self._decoder.decode(bytes(data)), events)

    def _text(self, text: str, events: list) -> None:
        """Strip control characters; hold trailing newlines, drop leading ones."""
        text = _CONTROL.sub("", text)
        if not text:
            return
        body = text.rstrip("\n")
        trailing = len(text) - len(body)
        if body:
            lead = "\n" * self._newlines if self._any_text else ""
            body = body if self._any_text else body.lstrip("\n")
            if body:
                events.append(Text(lead + body))
                self._any_text = True
            self._newlines = 0
        self._newlines += trailing


def _held_tail(buf: bytes, markers: list[bytes]) -> int:
    """Length of the longest suffix of `buf` that is a proper prefix of a marker."""
    best = 0
    for marker in markers:
        for size in range(min(len(marker) - 1, len(buf)), best, -1):
            if buf.endswith(marker[:size]):
                best = size
                break
    return best
