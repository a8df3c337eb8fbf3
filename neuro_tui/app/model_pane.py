"""The model pane: what is loaded, from where, with which parameters, and how it is doing."""

from __future__ import annotations

from pathlib import Path

from rich.text import Text
from textual.widgets import Static


def _size(path: Path) -> str:
    try:
        size = path.stat().st_size
    except OSError:
        return "?"
    return f"{size / 2**20:.0f} MiB" if size < 2**30 else f"{size / 2**30:.2f} GiB"


class ModelPane(Static):
    """Plain Text only: file names and the runtime path come from the disk, not from us."""

    def show(self, spec, state: str, stats=None, note: str = "", download: str = "") -> None:
        t = Text()
        if spec is None:
            t.append("no model\n", style="bold")
        else:
            t.append(f"{spec.model.stem}\n", style="bold")
            t.append(f"{spec.model.name} · {_size(spec.model)}\n", style="dim")
            t.append("runtime ", style="dim")
            t.append(f"{spec.flavor.value}\n{spec.binary}\n")
            p = spec.params
            t.append(f"temp {p.temperature}  top_p {p.top_p}  rep {p.repeat_penalty}\n"
                     f"ctx {p.ctx_size}  threads {p.threads}  max {p.max_tokens}\n")
        t.append("state ", style="dim")
        t.append(state, style="bold")
        if note:
            t.append(f" {note}", style="italic")
        if stats is not None and stats.rss_bytes:
            t.append(f"\nRSS {stats.rss_bytes / 2**20:.0f} MiB  CPU "
                     f"{stats.cpu_percent or 0:.0f}%")
        if download:
            t.append(f"\n{download}", style="italic")
        self.update(t)
