"""Model and parameters (F10): switch model, download one with progress, change sampling
parameters. Apply restarts llama-cli; the transcript is kept and recapped to the model."""

from __future__ import annotations

from collections.abc import Callable

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Vertical
from textual.screen import ModalScreen
from textual.widgets import Footer, Input, Label, ProgressBar, Static

FIELDS = [  # (config key, label)
    ("model", "model (name or .gguf path)"),
    ("temperature", "temperature"),
    ("top_p", "top_p"),
    ("repeat_penalty", "repeat penalty"),
    ("ctx_size", "context size"),
    ("threads", "threads (0 = auto)"),
    ("max_tokens", "max tokens (0 = no limit)"),
    ("system_prompt", "system prompt"),
    ("context_policy", "context policy"),
]


def registry_names() -> list[str]:
    try:
        from neuro_tui.models import registry

        return sorted(registry.entries())
    except Exception:  # registry unreadable: the screen still works with paths
        return []


class ModelScreen(ModalScreen[dict | None]):
    """Dismisses with the changed settings (or None)."""

    BINDINGS = [
        Binding("escape", "dismiss(None)", "Cancel"),
        Binding("ctrl+s", "apply", "Apply & restart", priority=True),
        Binding("ctrl+d", "download", "Download model", priority=True),
    ]

    def __init__(self, config, start_download: Callable[[str], None],
                 shown: dict | None = None) -> None:
        """`shown`: values the chat holds itself, pre-filled instead of the config's (a
        resumed chat's own context policy); Apply changes only the fields edited."""
        super().__init__()
        self.config = config
        self.start_download = start_download
        self.shown = {key: self.config.values.get(key) for key, _label in FIELDS}
        self.shown.update(shown or {})

    def compose(self) -> ComposeResult:
        with Vertical(id="model-box") as box:
            box.border_title = "Model & parameters"
            names = ", ".join(registry_names())
            yield Static(f"models: {names}" if names else "", id="model-names", markup=False)
            with Grid(id="model-grid"):
                for key, label in FIELDS:
                    yield Label(label)
                    value = self.shown.get(key)
                    yield Input("" if value is None else str(value), id=f"f-{key}")
            yield ProgressBar(id="download-bar", show_eta=True)
            yield Static("", id="model-msg", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#download-bar").display = False
        self.query_one("#f-model").focus()

    def on_input_submitted(self, _event: Input.Submitted) -> None:
        self.action_apply()

    def action_apply(self) -> None:
        from neuro_tui.config import BY_KEY, coerce
        from neuro_tui.errors import UsageError

        changes = {}
        for key, _label in FIELDS:
            raw = self.query_one(f"#f-{key}", Input).value
            try:
                value = coerce(BY_KEY[key], raw, key)
            except UsageError as error:
                self.query_one("#model-msg", Static).update(str(error))
                return
            if value != self.shown.get(key):
                changes[key] = value
        self.dismiss(changes)

    def action_download(self) -> None:
        """The download runs on the chat screen (it outlives this one); its progress comes
        back through `show_progress` and shows in the model pane too."""
        name = self.query_one("#f-model", Input).value.strip()
        self.query_one("#download-bar", ProgressBar).display = True
        self.show_progress(f"downloading {name}…")
        self.start_download(name)

    def show_progress(self, text: str, done: int | None = None,
                      total: int | None = None) -> None:
        self.query_one("#model-msg", Static).update(text)
        if done is not None:
            self.query_one("#download-bar", ProgressBar).update(total=total or None,
                                                                progress=done)


def download(name: str, report) -> tuple[bool, str]:
    """Runs in a thread: report(text, done, total) for every progress step; returns
    (downloaded?, the line to show)."""
    from neuro_tui.errors import NeuroError
    from neuro_tui.models.download import download as fetch

    def progress(p) -> None:
        pct = f" {100 * p.done / p.total:.0f}%" if p.total else ""
        rate = f" {p.rate / 2**20:.1f} MiB/s" if p.rate else ""
        report(f"{name}: {p.phase}{pct}{rate}", p.done, p.total)

    try:
        path = fetch(name, progress=progress)
    except NeuroError as error:
        return False, f"download failed: {error}"
    return True, f"downloaded {path}; Ctrl+S (F10) to use it"
