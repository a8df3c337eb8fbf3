"""Read the recorded llama-cli sessions in ../shared/transcripts as (direction, bytes) steps.

upstream/*.txt: `t DIR repr(bytes)` lines (R read, S sent, N note); bitnet-cpp/*.events.jsonl:
one JSON object per read/send. Both become [("R"|"S"|"N", bytes), ...] in time order.
"""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

from neuro_tui.engine.events import Flavor

_STEP = re.compile(r"^\s*[\d.]+ ([RSN]) (b['\"].*)$")


def upstream_steps(path: Path) -> list[tuple[str, bytes]]:
    steps = []
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        if line.startswith("# ---- full pty stream"):
            break
        m = _STEP.match(line)
        if m:
            steps.append((m.group(1), ast.literal_eval(m.group(2))))
    return steps


def upstream_argv(path: Path) -> list[str]:
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines()[:5]:
        if line.startswith("# argv: "):
            return ast.literal_eval(line[len("# argv: "):])
    return []


def bitnet_steps(path: Path) -> list[tuple[str, bytes]]:
    steps = []
    for line in path.read_text().splitlines():
        event = json.loads(line)
        steps.append(("R" if event["dir"] == "out" else "S", ast.literal_eval(event["data"])))
    return steps


def flavor_and_color(argv: list[str]) -> tuple[Flavor, bool]:
    name = Path(argv[0]).name if argv else ""
    if "-cnv" not in argv and name != "llama-completion":
        flavor = Flavor.UPSTREAM_CHAT
    elif "-sys" in argv:
        flavor = Flavor.UPSTREAM_CNV
    else:
        flavor = Flavor.BITNET
    if flavor is Flavor.UPSTREAM_CHAT or name == "llama-completion":
        color = not ("--color" in argv and argv[argv.index("--color") + 1] == "off")
        color = color and "--simple-io" not in argv
    else:
        color = "--color" in argv
    return flavor, color


def messages(steps: list[tuple[str, bytes]]) -> list[tuple[int, int]]:
    """(index of a message's first S step, number of lines) for every user message."""
    out, start, lines = [], None, 0
    for i, (kind, data) in enumerate(steps):
        if kind != "S" or data in (b"\x03", b"\x04"):
            continue
        if start is None:
            start, lines = i, 0
        lines += 1
        if not data.endswith(b"\\\r"):
            out.append((start, lines))
            start = None
    return out


def answer_oracle(raw: bytes, sent: bytes | None = None) -> str:
    """What a reader of the transcript sees as the answer: echo, colours, prompt, speeds cut."""
    b = raw.replace(b"\r", b"")
    b = re.sub(rb"\x1b\[[0-9;]*m", b"", b)
    if sent is not None:
        echo = sent.replace(b"\r", b"") + b"\n"
        if b.startswith(echo):
            b = b[len(echo):]
    b = re.sub(rb"\n\[ Prompt: .*", b"", b, flags=re.S)
    return b.decode("utf-8", "replace").strip("\n")


def replay(steps, flavor: Flavor, color: bool, chunker=None):
    """Feed the reads to a StreamParser, calling sent() at each message.

    Returns (answers, events): answers[k] is the text of message k as a user sees it: the
    parser's raw Text cleaned once by the chat core's cleaner (textsafe.StreamCleaner), as
    chat/turn_runner does. The text before the first message is not an answer.
    `chunker(bytes) -> list[bytes]` re-splits the bytes between two sends.
    """
    from neuro_tui.engine.protocol import StreamParser, Text
    from neuro_tui.textsafe import StreamCleaner

    parser = StreamParser(flavor, color)
    cleaners: list[StreamCleaner] = []
    starts = dict(messages(steps))
    answers: list[str] = []
    events: list = []
    pending = b""

    def flush():
        nonlocal pending
        for chunk in (chunker(pending) if chunker else [pending]):
            for event in parser.feed(chunk):
                events.append(event)
                if isinstance(event, Text) and answers:
                    answers[-1] += cleaners[-1].feed(event.text)
        pending = b""

    for i, (kind, data) in enumerate(steps):
        if kind == "R":
            if chunker is None:
                pending = data
                flush()
            else:
                pending += data
        elif kind == "S":
            flush()
            if data != b"\x03" or parser.state == "maybe":  # the recorder saw the prompt
                events.extend(parser.confirm_end())
            if i in starts:
                if cleaners:
                    answers[-1] += cleaners[-1].finish()
                parser.sent(starts[i])
                answers.append("")
                cleaners.append(StreamCleaner())
    flush()
    for event in parser.finish():
        events.append(event)
        if isinstance(event, Text) and answers:
            answers[-1] += cleaners[-1].feed(event.text)
    if cleaners:
        answers[-1] += cleaners[-1].finish()
    return answers, events
