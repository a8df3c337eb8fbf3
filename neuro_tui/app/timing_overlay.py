"""Live timing (F2): state, load time, TTFT, tokens and tok/s, context use, RSS/CPU.

The ChatScreen shows the engine's LiveStats here as answer text arrives (at most 4 times a
second), at the end of each turn and on its RSS/CPU tick; figures the engine only estimates
(token counts before llama-cli reports them, the prompt unless counted, context use unless
every part of it was counted: LiveStats.ctx_exact) are labelled "~".
"""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static


def _ms(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:.0f} ms" if value < 10_000 else f"{value / 1000:.1f} s"


def timing_text(stats, state: str, prefill=None) -> Text:
    t = Text()
    t.append("state   ", style="dim")
    t.append(f"{state}\n", style="bold")
    if prefill is not None:  # app/prefill_clock.py: llama-cli prints nothing meanwhile
        t.append(f"{prefill.line().split(' · ')[0]}\n", style="bold yellow")
    if stats is None:
        return t
    est = "" if stats.tokens_exact else "~"
    rows = [
        ("load", _ms(stats.load_ms)),
        ("TTFT", _ms(stats.ttft_ms)),
        ("tokens", f"{est}{stats.tokens}"),
        ("tok/s", f"{est}{stats.tok_s:.1f}" if stats.tok_s else "-"),
        ("prompt", "-" if stats.prompt_tokens is None else
         f"{'' if getattr(stats, 'prompt_exact', False) else '~'}{stats.prompt_tokens}"),
    ]
    for name, value in rows:
        t.append(f"{name:<8}", style="dim")
        t.append(f"{value}\n")
    t.append(f"{'context':<8}", style="dim")
    if stats.ctx_size:
        used = stats.ctx_used or 0
        near = used >= 0.85 * stats.ctx_size
        ctx_est = "" if getattr(stats, "ctx_exact", False) else "~"  # counted by the engine
        t.append(f"{ctx_est}{used}/{stats.ctx_size}", style="bold red" if near else "")
        t.append(" near full!\n" if near else "\n", style="bold red")
    else:
        t.append("-\n")
    rss = f"{stats.rss_bytes / 2**20:.0f} MiB" if stats.rss_bytes else "-"
    cpu = f"{stats.cpu_percent:.0f}%" if stats.cpu_percent is not None else "-"
    t.append(f"{'RSS/CPU':<8}", style="dim")
    t.append(f"{rss} / {cpu}")
    if not (stats.tokens_exact and getattr(stats, "ctx_exact", False)
            and (stats.prompt_tokens is None or getattr(stats, "prompt_exact", False))):
        t.append("\n~ = estimate", style="dim italic")
    return t


class TimingOverlay(Static):
    """Shown by the ChatScreen on its events and its RSS/CPU tick (it polls nothing)."""

    def on_mount(self) -> None:
        self.border_title = "Timing (F2)"

    def show(self, stats, state: str, prefill=None) -> None:
        if self.display:
            self.update(timing_text(stats, state, prefill))
