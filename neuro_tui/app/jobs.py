"""Background jobs of the chat screen: a model download, the Ctrl+G llama-cli build,
indexing a pasted text. Each runs in a worker thread; its progress comes back as
`Jobs.Progressed` messages (the model pane and the model screen show them)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from textual.message import Message
from textual.widget import Widget

Report = Callable[..., None]  # report(text, done=None, total=None)


class Jobs(Widget):
    """Not drawn: it owns the job workers, so they outlive the modal that started them."""

    DEFAULT_CSS = "Jobs { display: none; }"

    @dataclass
    class Progressed(Message):
        job: str  # "download" | "runtime" | "index"
        text: str
        done: int | None = None
        total: int | None = None
        finished: bool = False
        ok: bool = True

    def run(self, job: str, work: Callable[[Report], tuple[bool, str]]) -> None:
        """work(report) -> (ok, the last line), in a thread; one job of a kind at a time."""
        def thread() -> None:
            def report(text: str, done: int | None = None, total: int | None = None) -> None:
                self.post_message(Jobs.Progressed(job, text, done, total))

            ok, text = work(report)
            self.post_message(Jobs.Progressed(job, text, finished=True, ok=ok))

        self.run_worker(thread, thread=True, group=job, exclusive=True)

    def download(self, name: str) -> None:
        from neuro_tui.app.model_screen import download

        self.run("download", lambda report: download(name, report))

    def index_paste(self, text: str, config) -> None:
        from neuro_tui.app.paste_offer import index_text

        self.run("index", lambda report: index_text(text, config, report))

    def build_runtime(self, choice) -> None:
        from neuro_tui.app import runtime_install

        self.run("runtime", lambda report: runtime_install.build(choice, report))
