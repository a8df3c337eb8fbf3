"""llama-cli's own lines (stderr log or merged pty): perf figures, errors, exit messages.

Why separate from the stream parser: the session also reads them from the per-session
stderr log (the old protocol prints perf lines there, at exit only).
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Perf:
    """`llama_perf_*_print:` / `common_perf_print:` figure: load|prompt|eval|total|sampling."""

    kind: str
    ms: float
    count: int | None = None


@dataclass(frozen=True)
class ErrorLine:
    text: str


@dataclass(frozen=True)
class Exited:
    """`EOF by user`, `Interrupted by user`, `Exiting...`."""

    text: str


_PERF = re.compile(
    r"(?:llama_perf_\w+_print|common_perf_print):\s+(load|prompt eval|eval|total|sampling) time\s*="
    r"\s*([\d.]+) ms(?:\s*/\s*(\d+) (?:tokens|runs))?"
)
_ERRORS = re.compile(
    r"(?:^|\s)(?:main: error: .*|error: .*|Error: .*|.*error loading model: .*"
    r"|gguf_init_from_file\w*: .*|.*unknown model architecture.*|.*failed to load model.*"
    r"|.*failed to read tensor info.*|.*invalid magic.*)$"
)
_EXITS = ("EOF by user", "Interrupted by user", "Exiting...")
# the chat CLI's server at -lv 3 (engine/args.count_args); "prompt eval time" does not match
_TURN_EVAL = re.compile(r"print_timing: .*\|\s*eval time =\s*[\d.]+ ms /\s*(\d+) tokens")
_IN_CONTEXT = re.compile(r"release: .*stop processing: n_tokens = (\d+)")
_SERVER_INFO = re.compile(r"^[\d.]+ [IDT] ")  # its routine lines: "0.00.371.770 I slot ..."


def classify_line(line: str) -> Perf | ErrorLine | Exited | None:
    line = line.strip()
    if not line:
        return None
    m = _PERF.search(line)
    if m:
        kind = "prompt" if m.group(1) == "prompt eval" else m.group(1)
        return Perf(kind, float(m.group(2)), int(m.group(3)) if m.group(3) else None)
    if line in _EXITS:
        return Exited(line)
    if _ERRORS.search(line) and "no error" not in line:
        return ErrorLine(line)
    return None


def generated_tokens(lines: list[str]) -> int | None:
    """Tokens the chat CLI's last finished turn generated (its server's count: exact, the
    end-of-generation token included), or None when its log does not say."""
    for line in reversed(lines):
        m = _TURN_EVAL.search(line)
        if m:
            return int(m.group(1))
    return None


def context_tokens(lines: list[str]) -> int | None:
    """Tokens in the chat CLI's context after its last finished turn (its slot's count when
    the turn is released: exact), or None when its log does not say."""
    for line in reversed(lines):
        m = _IN_CONTEXT.search(line)
        if m:
            return int(m.group(1))
    return None


def load_failure_reason(lines: list[str]) -> str | None:
    """The most telling error among log lines (the first specific one, else the last)."""
    errors = [e.text for e in map(classify_line, lines) if isinstance(e, ErrorLine)]
    if not errors:
        return None
    specific = [e for e in errors if "unable to load model" not in e and "failed to load" not in e]
    return (specific or errors)[0]


_WHY = re.compile(
    r"GGML_ASSERT|GGML_ABORT|\berror\b|\bfailed\b|\bfatal\b|terminate called|what\(\)|\babort"
    r"|out of memory|cannot allocate|bad_alloc|segmentation fault|core dumped|unable to", re.I)


def why_lines(lines: list[str], limit: int = 5) -> list[str]:
    """The lines of llama-cli's log that say why it stopped. Pass only what it wrote after it
    was ready: the ~125 startup lines before say nothing about a crash (quoting their tail
    showed the banner). Error-like lines first; else its last lines; often none (SIGKILL)."""
    lines = [line for line in lines if not _SERVER_INFO.match(line)]  # routine, never why
    found = [line for line in lines if _WHY.search(line) and "no error" not in line]
    return (found or lines)[-limit:]
