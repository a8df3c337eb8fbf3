"""The model pane: what is loaded, from where, with which parameters, and how it is doing.

Two engines: llama-cli (a GGUF file on this disk, the threads chosen for it and the prompt
speed measured for them: engine/tune.py) and the server engine (the URL, the model the
server reports and its own context size; a URL off this machine is shown in red, like web
search, since every question and source is sent there).
"""

from __future__ import annotations

import re
from pathlib import Path

from rich.text import Text
from textual.widgets import Static

from neuro_tui.app.runtime_label import runtime_label

REMOTE = "bold red"


def _size(path: Path) -> str:
    try:
        size = path.stat().st_size
    except OSError:
        return "?"
    return f"{size / 2**20:.0f} MiB" if size < 2**30 else f"{size / 2**30:.2f} GiB"


def _auto(n: int) -> str:
    return str(n) if n else "auto"


class ModelPane(Static):
    """Plain Text only: file names, URLs and model names come from outside, not from us."""

    _tuning: tuple[object, str] | None = None  # (spec, its tuning line): read once per spec

    def show(self, spec, state: str, stats=None, note: str = "", download: str = "") -> None:
        t = Text()
        if spec is None:
            t.append("no model\n", style="bold")
        elif getattr(spec, "endpoint", None) is not None:
            self._server(t, spec, stats)
        else:
            self._llama_cli(t, spec)
        t.append("state ", style="dim")
        t.append(state, style="bold")
        if note:
            t.append(f" {note}", style="italic")
        if stats is not None and stats.rss_bytes:
            t.append(f"\nRSS {stats.rss_bytes / 2**20:.0f} MiB  CPU "
                     f"{stats.cpu_percent or 0:.0f}%")
        if download:
            t.append(f"\n{download}", style="italic")
        self.text = t  # what is shown, with its styles (tests read it)
        self.update(t)

    def _llama_cli(self, t: Text, spec) -> None:
        t.append(f"{spec.model.stem}\n", style="bold")
        t.append(f"{spec.model.name} · {_size(spec.model)}\n", style="dim")
        t.append("runtime ", style="dim")
        t.append(f"{runtime_label(spec.binary, spec.flavor)}\n{self._path(spec.binary)}\n")
        p = spec.params
        t.append(f"temp {p.temperature}  top_p {p.top_p}  rep {p.repeat_penalty}\n"
                 f"ctx {p.ctx_size}  max {p.max_tokens}\n"
                 f"threads -t {_auto(p.threads)} -tb {_auto(p.threads_batch)}\n")
        if line := self._tuning_line(spec):
            t.append(f"{line}\n", style="dim")

    def _path(self, path: Path) -> str:
        """The home folder as ~, and a path wider than the pane broken after a "/", not in
        the middle of a name (seen in tmux: "runtim" / "e/old-0.3.16")."""
        text, home = str(path), str(Path.home())
        if text.startswith(home + "/"):
            text = "~" + text[len(home):]
        width = self.content_size.width or 34
        lines, line = [], ""
        for part in re.split(r"(?<=/)", text):
            if line and len(line) + len(part) > width:
                lines.append(line)
                line = ""
            line += part
        return "\n".join([*lines, line])

    def _server(self, t: Text, spec, stats) -> None:
        endpoint = spec.endpoint
        t.append(f"{spec.model.stem or '(the server chooses)'}\n", style="bold")
        t.append("server ", style="dim")
        t.append(f"{endpoint.display}\n", style="" if endpoint.local else REMOTE)
        if not endpoint.local:
            t.append("not this machine: chats and sources are sent there\n", style=REMOTE)
        ctx = stats.ctx_size if stats is not None and stats.ctx_size else None
        p = spec.params
        t.append(f"temp {p.temperature}  top_p {p.top_p}\n"
                 f"ctx {ctx or '?'} (server)  max {p.max_tokens}\n")

    def _tuning_line(self, spec) -> str:
        """The cached measurement for this runtime + model (tune.for_spec never measures
        here: that competes with the model for CPU; `runtime tune` or the app's start does)."""
        if self._tuning is not None and self._tuning[0] is spec:
            return self._tuning[1]
        try:
            from neuro_tui.engine import tune

            config = getattr(self.app, "config", None)
            tuning = tune.for_spec(spec, int(getattr(config, "threads", 0) or 0),
                                   int(getattr(config, "threads_batch", 0) or 0))
            line = tuning.line() if tuning.measured else \
                "prompt speed not measured"  # `neuro-tui runtime tune` measures it
        except Exception:  # noqa: BLE001 - a pane must draw even if the cache is unreadable
            line = ""
        self._tuning = (spec, line)
        return line
