"""Prompt token counts from the model's own tokenizer (llama.cpp's `llama-tokenize`).

The source budget is a prefill-time budget: tokens / measured tok/s = seconds of waiting,
so a characters-per-token guess turns straight into a wrong wait. `llama-tokenize` builds
from the same llama.cpp source as the runtime (installed beside llama-cli) and loads only the
vocabulary (~0.1 s), so one process counts every candidate of a packing: the texts are
joined, tokenized once with pieces shown, and each token is charged to the text its bytes
start in.

Without llama-tokenize (bitnet.cpp's build, an old runtime) or when it cannot read the model,
`Estimate` is used: characters / chars_per_token, with chars_per_token measured for this
model by the calibration (engine/tune.py) when it ran, else DEFAULT_CHARS_PER_TOKEN.
Its error against llama-tokenize is measured by bench/bench_rag.py (docs/benchmarks.md):
on SmolLM2 and doc windows 3.0 chars/token over-counts by 18% (median; p10 -12%, p90 +50%).
"""

from __future__ import annotations

import functools
import math
import re
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

DEFAULT_CHARS_PER_TOKEN = 3.0
# Measured on SmolLM2 against llama-tokenize, 688 windows of the Python docs (bench_rag.py):
#   3.0 chars/token:                    median +18%, p10 -12%, p90 +50%, total +11%
#   4.78 (calibration prompt, prose):   median -25%, p10 -44%, p90 -6%,  total -30%
# Prose is cheaper than docs and code, so the calibration's figure is scaled by DOCS_FACTOR
# and never above the default: the estimate errs towards a shorter wait.
DOCS_FACTOR = 0.75
_MARKER = re.compile(rb"(?m)^ *-?\d+ -> '")
SEPARATOR = "\n\n"


@dataclass(frozen=True)
class Estimate:
    """Characters per token, never below one token per text."""

    chars_per_token: float = DEFAULT_CHARS_PER_TOKEN
    exact = False
    name = "estimate"

    def count_many(self, texts: Sequence[str]) -> list[int]:
        return [max(1, math.ceil(len(t) / self.chars_per_token)) if t else 0 for t in texts]

    def count(self, text: str) -> int:
        return self.count_many([text])[0]


class TokenizeError(RuntimeError):
    pass


@dataclass(frozen=True)
class LlamaTokenize:
    """Exact counts: one `llama-tokenize` process per call, whatever the number of texts."""

    binary: Path
    model: Path
    timeout_s: float = 30.0
    exact = True
    name = "llama-tokenize"

    def pieces(self, text: str) -> list[bytes]:
        """The token pieces of `text` (no BOS), as raw bytes."""
        cmd = tokenize_command(self.binary, self.model)
        try:
            run = subprocess.run(cmd, input=text.encode("utf-8"), capture_output=True,
                                 timeout=self.timeout_s)
        except (OSError, subprocess.TimeoutExpired) as error:
            raise TokenizeError(f"llama-tokenize failed: {error}") from None
        if run.returncode != 0:
            tail = run.stderr.decode(errors="replace").strip().splitlines()[-1:] or ["?"]
            raise TokenizeError(f"llama-tokenize exit {run.returncode}: {tail[0]}")
        return parse_pieces(run.stdout)

    def count_many(self, texts: Sequence[str]) -> list[int]:
        if not any(texts):
            return [0] * len(texts)
        joined = SEPARATOR.join(texts)
        bounds, cursor = [], 0  # byte offset where each text starts (its separator follows)
        for text in texts:
            bounds.append(cursor)
            cursor += len(text.encode("utf-8")) + len(SEPARATOR)
        counts = [0] * len(texts)
        offset, index = 0, 0
        for piece in self.pieces(joined):
            while index + 1 < len(texts) and offset >= bounds[index + 1]:
                index += 1
            counts[index] += 1
            offset += len(piece)
        return counts

    def count(self, text: str) -> int:
        return self.count_many([text])[0]


def parse_pieces(stdout: bytes) -> list[bytes]:
    """`   123 -> 'piece'` lines; a piece may itself hold newlines and quotes."""
    marks = list(_MARKER.finditer(stdout))
    out = []
    for i, mark in enumerate(marks):
        end = marks[i + 1].start() if i + 1 < len(marks) else len(stdout)
        chunk = stdout[mark.end():end]
        if chunk.endswith(b"'\n"):
            chunk = chunk[:-2]
        elif i + 1 == len(marks) and b"'\nTotal number" in chunk:
            chunk = chunk.split(b"'\nTotal number")[0]
        out.append(chunk)
    return out


def tokenize_command(binary: Path, model: Path, *, ids: bool = False, bos: bool = False,
                     escapes: bool = False) -> list[str]:
    """llama-tokenize reading its text from stdin: pieces (or `ids`), no log lines; BOS
    and escape processing (`\\n` -> newline) only when asked, as llama-cli does both."""
    return [str(binary), "-m", str(model), "--stdin", *(["--ids"] if ids else []),
            "--log-disable", *([] if bos else ["--no-bos"]), *([] if escapes else ["--no-escape"])]


def tokenize_binary(cli: Path) -> Path | None:
    """`llama-tokenize` installed beside `cli` (same build), if any."""
    candidate = Path(cli).with_name("llama-tokenize")
    return candidate if candidate.is_file() else None


@functools.lru_cache(maxsize=8)
def _works(binary: str, model: str, _stamp: tuple) -> str:
    """'' when llama-tokenize reads this model, else why not (checked once per file pair)."""
    try:
        LlamaTokenize(Path(binary), Path(model)).count_many(["Hello world"])
    except TokenizeError as error:
        return str(error)
    return ""


def _stamp(*files: Path) -> tuple:
    out = []
    for f in files:
        try:
            st = f.stat()
            out.append((st.st_size, st.st_mtime_ns))
        except OSError:
            out.append(None)
    return tuple(out)


def counter_for(cli: Path | None, model: Path | None,
                chars_per_token: float | None = None) -> LlamaTokenize | Estimate:
    """The exact counter when llama-tokenize beside `cli` reads `model`, else the estimate
    (with this model's measured chars/token when the calibration found it)."""
    binary = tokenize_binary(cli) if cli else None
    if binary and model and not _works(str(binary), str(model), _stamp(binary, model)):
        return LlamaTokenize(binary, Path(model))
    return Estimate(estimate_chars_per_token(chars_per_token))


def estimate_chars_per_token(measured: float | None) -> float:
    """SmolLM2 (4.78 measured on prose) -> 3.0; a byte-level vocab (1.24) -> 0.93."""
    if not measured:
        return DEFAULT_CHARS_PER_TOKEN
    return round(min(DEFAULT_CHARS_PER_TOKEN, measured * DOCS_FACTOR), 3)
