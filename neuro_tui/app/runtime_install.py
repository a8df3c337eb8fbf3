"""Build llama-cli from inside the app (Ctrl+G) when none was found, then start the chat.

The same builder as `neuro-tui runtime install` runs in a worker thread; its phases and
compile percentage show in the model pane, and the conversation starts when it is done.
"""

from __future__ import annotations


class RuntimeInstall:
    """Mixed into NeuroApp."""

    def action_install_runtime(self) -> None:
        from neuro_tui.engine import runtime_build

        spec = runtime_build.RUNTIMES["old"]
        if runtime_build.installed_binaries(spec) and self.conversation.ready:
            self.notify(f"llama-cli {spec.name} is already installed")
            return

        def report(text: str) -> None:
            self.download_note = text

        def progress(phase: str, fraction: float | None, _message: str) -> None:
            pct = f" {100 * fraction:.0f}%" if fraction is not None and phase == "compile" else ""
            self.call_from_thread(report, f"building llama-cli {spec.version}: {phase}{pct}")

        def work() -> None:
            from neuro_tui.errors import NeuroError

            try:
                runtime_build.build(spec, progress=progress)
            except NeuroError as error:
                self.call_from_thread(report, f"llama-cli build failed: {error}")
                return
            self.call_from_thread(report, "")
            self.call_from_thread(self.notify, "llama-cli installed; starting the model")
            self.call_from_thread(self.run_action, "restart")

        report(f"building llama-cli {spec.version} from PyPI (a few minutes, once)…")
        self.run_worker(work, thread=True, group="runtime", exclusive=True)
