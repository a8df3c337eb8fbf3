"""GenerationParams -> llama-cli argv, per protocol flavor.

Why per flavor: the system prompt is `-p` in bitnet.cpp but `-sys` upstream; `-n` is a
budget for the whole chat in the old protocols (so they run `-n -1` and the session stops an
answer at max_tokens with Ctrl+C) but per answer in the new one; colour framing is a flag
in 0.3.16 and `--color on` later. Nothing is dropped silently: every parameter or extra
argument we cannot honour comes back in `notes`, said in one sentence.
"""

from __future__ import annotations

import functools
import shlex
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from neuro_tui.engine.events import Flavor
from neuro_tui.engine.params import SessionSpec

# Extra args that would break the pty protocol we parse: never passed, always reported.
FORBIDDEN = {
    "--log-disable": "hides the prompt marker and the answers",
    "--simple-io": "turns off the line editor the session drives",
    "-i": "the session runs conversation mode itself", "--interactive": "see -i",
    "-no-cnv": "the session needs conversation mode", "--no-conversation": "see -no-cnv",
    "-st": "the session keeps one process for the whole chat", "--single-turn": "see -st",
    "--no-display-prompt": "changes the framing the parser reads",
    "-cnv": "added by the session where the flavor has it", "--conversation": "see -cnv",
    "-co": "colour framing is set by the session", "--color": "see -co",
    "-m": "use --model", "--model": "use --model",
}
_TAKES_VALUE = {"--color", "-co", "-m", "--model"}


@dataclass
class Argv:
    argv: list[str]
    notes: list[str] = field(default_factory=list)  # parameters we could not honour, and why
    stop_with_ctrl_c: bool = False  # old protocol: max_tokens enforced by the session
    counts_in_log: bool = False  # chat CLI: each turn's exact counts in its log (count_args)


@functools.lru_cache(maxsize=16)
def _help_text(binary: str, _stamp: tuple) -> str:
    try:
        out = subprocess.run([binary, "--help"], capture_output=True, text=True, timeout=20,
                             errors="replace")
    except (OSError, subprocess.SubprocessError):
        return ""
    return out.stdout + out.stderr


def _stamp(binary: Path) -> tuple:
    try:
        stat = binary.stat()
        return (stat.st_mtime_ns, stat.st_size)
    except OSError:
        return ()


def color_args(binary: Path, flavor: Flavor) -> list[str]:
    if flavor is Flavor.UPSTREAM_CHAT:
        return ["--color", "on"]
    takes_value = "--color [on|off|auto]" in _help_text(str(binary), _stamp(binary))
    return ["--color", "on"] if takes_value else ["--color"]


def context_shift_args(binary: Path, flavor: Flavor) -> list[str]:
    """Old protocol: keep chatting when the context is full. 0.3.16 and bitnet.cpp shift by
    default; 0.3.36's llama-completion defaults to no shift and EXITS when the context
    fills (seen in tests/integration/test_session_real.py), so ask for it where offered."""
    if flavor is Flavor.UPSTREAM_CHAT:
        return []
    return ["--context-shift"] if "--context-shift" in _help_text(str(binary),
                                                                  _stamp(binary)) else []


def count_args(binary: Path, flavor: Flavor) -> list[str]:
    """The chat CLI stops an answer at its per-turn -n itself and prints no token count (its
    speeds line has rates only). At -lv 3 its server logs each turn's exact counts to stderr,
    our log (`print_timing: ... eval time = X ms / N tokens`; no prompt or answer text): the
    turn takes its stop reason and token count from there (engine/turn.py)."""
    if flavor is not Flavor.UPSTREAM_CHAT:
        return []
    help_text = _help_text(str(binary), _stamp(binary))
    if "--verbosity" not in help_text:
        return []
    return ["-lv", "3"] + (["--log-colors", "off"] if "--log-colors" in help_text else [])


def system_args(flavor: Flavor, system: str, system_file: Path | None) -> list[str]:
    """The system prompt, from a file when there is one: a recap holds the conversation and
    an argument is readable by every local user (`ps -o args`); the file is ours, 0600.
    bitnet.cpp's old main.cpp has no -sysf, but `-f` fills the same prompt as `-p`."""
    if not system:
        return []
    if flavor is Flavor.BITNET:
        return ["-f", str(system_file)] if system_file else ["-p", system]
    return ["-sysf", str(system_file)] if system_file else ["-sys", system]


def build_argv(spec: SessionSpec, system_prompt: str | None = None,
               system_file: Path | None = None) -> Argv:
    """`system_prompt` overrides the params' one (used for the recap after a restart);
    `system_file` holds that text (see system_args)."""
    p, flavor = spec.params, spec.flavor
    system = p.system_prompt if system_prompt is None else system_prompt
    argv = [str(spec.binary), "-m", str(spec.model)]
    notes: list[str] = []
    if flavor is not Flavor.UPSTREAM_CHAT:
        argv.append("-cnv")
    argv += system_args(flavor, system, system_file)
    argv += color_args(spec.binary, flavor) + context_shift_args(spec.binary, flavor)
    counts = count_args(spec.binary, flavor)
    argv += counts
    per_turn = flavor is Flavor.UPSTREAM_CHAT and p.max_tokens > 0
    argv += ["-n", str(p.max_tokens if per_turn else -1)]
    argv += ["-c", str(p.ctx_size), "-t", str(max(1, p.threads)), "-b", str(p.batch_size)]
    if p.threads_batch > 0:  # prompt reading: measured apart from generation (engine/tune.py)
        argv += ["-tb", str(p.threads_batch)]
    argv += ["--temp", str(p.temperature), "--top-p", str(p.top_p), "--top-k", str(p.top_k)]
    argv += ["--repeat-penalty", str(p.repeat_penalty), "--repeat-last-n", str(p.repeat_last_n)]
    if p.seed is not None and p.seed >= 0:
        argv += ["-s", str(p.seed)]
    argv += _extra(p.extra_args, notes)
    return Argv(argv, notes, stop_with_ctrl_c=p.max_tokens > 0 and not per_turn,
                counts_in_log=bool(counts))


def _extra(extra: tuple[str, ...] | list[str] | str, notes: list[str]) -> list[str]:
    items = shlex.split(extra) if isinstance(extra, str) else list(extra)
    kept: list[str] = []
    i = 0
    while i < len(items):
        item = items[i]
        flag = item.split("=", 1)[0]
        i += 1
        if flag not in FORBIDDEN:
            kept.append(item)
            continue
        notes.append(f"extra argument {item} not passed: {FORBIDDEN[flag]}")
        if flag in _TAKES_VALUE and "=" not in item and i < len(items):
            optional = flag in ("--color", "-co")
            if not optional or items[i] in ("on", "off", "auto"):
                i += 1  # its value goes too
    return kept
