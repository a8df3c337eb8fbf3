"""The text side of one answer in the stream parser: bytes to `Text` events.

Why apart from the parser's state machine: this is where answer bytes become characters
(UTF-8 split anywhere across reads) and where the newlines llama-cli frames an answer with
are trimmed (leading ones dropped, trailing ones held until more text proves them text).
Nothing else is changed: escape sequences and control characters pass through, the chat
core cleans them once (textsafe); only CRLF has become LF (the pty's line ending).
"""

from __future__ import annotations

import codecs

from neuro_tui.engine.wire import FirstByte, Text


class AnswerOut:
    def __init__(self) -> None:
        self._decoder = codecs.getincrementaldecoder("utf-8")("replace")
        self._newlines = 0  # trailing newlines held back
        self.any_text = False
        self.got_byte = False  # FirstByte was reported
        self.fed = False  # text came in the current read (the parser resets it per read)

    def first_byte(self, events: list) -> None:
        if not self.got_byte:
            self.got_byte = True
            events.append(FirstByte())

    def emit(self, data: bytes | bytearray, events: list) -> None:
        if not data:
            return
        self.fed = True
        self.first_byte(events)
        self._text(self._decoder.decode(bytes(data)), events)

    def flush(self, events: list) -> None:
        """The answer ended: what the decoder still holds (a cut UTF-8 character)."""
        self._text(self._decoder.decode(b"", final=True), events)

    def _text(self, text: str, events: list) -> None:
        if not text:
            return
        body = text.rstrip("\n")
        trailing = len(text) - len(body)
        if body:
            lead = "\n" * self._newlines if self.any_text else ""
            body = body if self.any_text else body.lstrip("\n")
            if body:
                events.append(Text(lead + body))
                self.any_text = True
            self._newlines = 0
        self._newlines += trailing
