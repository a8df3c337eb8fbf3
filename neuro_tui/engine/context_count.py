"""Exact context counts on llama-cli's old protocol, with the model's own tokenizer.

Why: the 4-characters-per-token estimate is -43 % on code and -20 % on French, so a code chat
reaches llama-cli's real limit (where it shifts tokens out silently) while the estimate says
~60 %. `llama-tokenize` beside the runtime (0.3.16) reads the vocabulary only (~60 ms), so
each part of the context is counted in a niced process of its own, a message (and before
the first one the system prompt) once its answer's first token is in, so it never delays
it; the count replaces that part's estimate in the ContextTracker when it lands. Only the
answer's count is awaited, at the end of its turn (bounded; it starts at a bare prompt,
during the quiet spell that confirms it): the chat core's context policy reads ctx_used
before the next turn.

What is counted is what main.cpp (0.3.16) puts in its context, verified against its perf
lines (prompt + eval at exit, tests/integration/test_context_exact_real.py):
- the system prompt as the chat template renders it alone, BOS where the model adds one, no
  escape processing;
- each message as `common_chat_format_single`'s delta: "\\n" first when the chat so far ends
  in one, then the template around the text; llama-cli processes escapes (`\\n`, `\\x1b`) in
  typed input, and so does llama-tokenize by default;
- each answer's tokens, plus its end (the EOG the model sampled, or the EOT llama-cli inserts
  after a Ctrl+C), which goes into the context before the next message.
The template comes from llama-cli's startup log (engine/chat_template.py); one that does
not split there is not counted: the estimate stays, labelled as one.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from pathlib import Path

from neuro_tui.engine.chat_template import Template, template_from_log
from neuro_tui.engine.events import Flavor
from neuro_tui.engine.params import SessionSpec
from neuro_tui.engine.timing import ContextTracker, LiveStats
from neuro_tui.engine.tokenize import tokenize_binary, tokenize_command
from neuro_tui.textsafe import strip_controls

NICE = 10  # the tokenizer yields the CPU to llama-cli's prefill
TIMEOUT_S = 20.0


def open_context(stats: LiveStats, spec: SessionSpec, system: str,
                 log_path: Path | None) -> ContextTracker:
    """The context tracker of a llama-cli that just became ready; it counts exactly where
    llama-tokenize is beside the binary and the template splits (else it estimates)."""
    tracker = ContextTracker(stats, spec.params.ctx_size, system)
    binary = tokenize_binary(spec.binary) if spec.flavor is Flavor.UPSTREAM_CNV else None
    if not (binary and system and log_path):
        return tracker
    try:
        template = template_from_log(log_path.read_text(encoding="utf-8", errors="replace"))
    except OSError:
        template = None
    if template is not None:
        tracker.counter = ExactCounter(binary, Path(spec.model), template, tracker)
        tracker.counter.system(system, 0)
    return tracker


async def count_tokens(binary: Path, model: Path, text: str, *, bos: bool,
                       escapes: bool) -> int | None:
    """Tokens of `text` as llama-cli tokenizes it (special tokens parsed); None on failure."""
    cmd = tokenize_command(binary, model, ids=True, bos=bos, escapes=escapes)
    try:
        proc = await asyncio.create_subprocess_exec(
            *cmd, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.DEVNULL)
    except OSError:
        return None
    with contextlib.suppress(OSError):
        os.setpriority(os.PRIO_PROCESS, proc.pid, NICE)
    try:
        out, _ = await asyncio.wait_for(proc.communicate(text.encode("utf-8")), TIMEOUT_S)
    except (TimeoutError, asyncio.CancelledError):
        with contextlib.suppress(ProcessLookupError):
            proc.kill()
        await proc.wait()
        raise
    lines = out.decode("utf-8", "replace").strip().splitlines()
    if proc.returncode != 0 or not lines or not lines[-1].startswith("["):
        return None
    ids = lines[-1].strip("[] ")
    return len(ids.split(",")) if ids else 0


class ExactCounter:
    """Counts one llama-cli's context parts in the background, into its ContextTracker."""

    def __init__(self, binary: Path, model: Path, template: Template, tracker):
        self.binary, self.model, self.template, self.tracker = binary, model, template, tracker
        self.chat_ends_with = ""  # what the rendered chat so far ends in (the "\n" rule)
        self.tasks: set[asyncio.Task] = set()
        self.failed = False  # one failed count: the rest would not make ctx_used exact
        self._early: tuple[str, asyncio.Future] | None = None  # answer_may_end's count
        self._system: tuple[str, int] | None = None  # counted with the first message

    def system(self, text: str, part: int) -> None:
        """Counted with the first message: not while llama-cli reads that message."""
        self._system = (text, part)
        self.chat_ends_with = self.template.system_post

    def message(self, text: str, part: int) -> None:
        if self._system is not None:
            system, at = self._system
            self._system = None
            self._count(at, self.template.system(system), 0, bos=True, escapes=False)
        delta = self.template.user(text, self.chat_ends_with)
        self._count(part, delta, 0, bos=False, escapes=True)
        self.chat_ends_with = self.template.user_post  # until the answer is added

    def answer_may_end(self, text: str) -> None:
        """A possible end of the answer (a bare prompt the session confirms after a quiet
        spell): count it now, so the count overlaps the wait; answer() reuses it."""
        if self._early is not None:
            self._early[1].cancel()
        task = asyncio.ensure_future(self._start(strip_controls(text), False, False))
        self._early = (text, task)

    def answer(self, text: str, part: int, ended_by_model: bool) -> None:
        """The answer's tokens + its end token. llama-cli adds the answer to its chat (the
        next delta's "\\n" rule) only when the model ended it."""
        early, self._early = self._early, None
        if early is not None and early[0] == text:
            self._count(part, "", 1, bos=False, escapes=False, task=early[1])
        else:
            if early is not None:
                early[1].cancel()
            self._count(part, strip_controls(text), 1, bos=False, escapes=False)
        if ended_by_model:
            self.chat_ends_with = self.template.assistant_post

    def _start(self, text: str, bos: bool, escapes: bool):
        return count_tokens(self.binary, self.model, text, bos=bos, escapes=escapes)

    def _count(self, part: int, text: str, extra: int, *, bos: bool, escapes: bool,
               task: asyncio.Future | None = None) -> None:
        if self.failed:
            return
        task = task or asyncio.ensure_future(self._start(text, bos, escapes))
        self.tasks.add(task)

        def landed(done: asyncio.Task) -> None:
            self.tasks.discard(done)
            result = None if done.cancelled() or done.exception() else done.result()
            if result is None:
                self.failed = True
            else:
                self.tracker.settle(part, result + extra)
        task.add_done_callback(landed)

    async def settled(self, timeout: float) -> None:
        """Wait (at most `timeout`) for the counts still running."""
        if self.tasks:
            await asyncio.wait(set(self.tasks), timeout=timeout)

    def close(self) -> None:
        for task in list(self.tasks) + ([self._early[1]] if self._early else []):
            task.cancel()
