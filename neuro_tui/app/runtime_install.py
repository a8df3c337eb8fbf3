"""Build llama-cli from inside the app (Ctrl+G) when none was found, then start the chat.

The same builders as `neuro-tui runtime install` run in a worker thread; their phases and
compile percentage show in the model pane, and the conversation starts when done. A model
that only bitnet.cpp loads (BitNet b1.58, I2_S) gets bitnet.cpp's build instead of the
upstream one (from the local pinned archive when there is one, else a git clone).
"""

from __future__ import annotations


def _needs_bitnet(config) -> bool:
    from neuro_tui.engine.events import Flavor
    from neuro_tui.errors import NeuroError
    from neuro_tui.launch import needed_flavors, resolve_model_path

    try:
        model = resolve_model_path(config)
        return model.is_file() and needed_flavors(model) == {Flavor.BITNET}
    except (NeuroError, OSError):
        return False


class RuntimeInstall:
    """Mixed into NeuroApp."""

    def action_install_runtime(self) -> None:
        from neuro_tui.engine import bitnet_build, bitnet_source, runtime_build

        if _needs_bitnet(self.config):
            spec = bitnet_build.SPEC
            source = bitnet_source.local_archive()
            what = f"bitnet.cpp {spec.version}"
            where = "from the local source archive" if source else "from GitHub"

            def builder(progress):
                return bitnet_build.build(source=source, progress=progress)
        else:
            spec = runtime_build.RUNTIMES["old"]
            what, where = f"llama-cli {spec.version}", "from PyPI"

            def builder(progress):
                return runtime_build.build(spec, progress=progress)

        if runtime_build.installed_binaries(spec) and self.conversation.ready:
            self.notify(f"{what} is already installed")
            return

        def report(text: str) -> None:
            self.download_note = text

        def progress(phase: str, fraction: float | None, _message: str) -> None:
            pct = f" {100 * fraction:.0f}%" if fraction is not None and phase == "compile" else ""
            self.call_from_thread(report, f"building {what}: {phase}{pct}")

        def work() -> None:
            from neuro_tui.errors import NeuroError

            try:
                builder(progress)
            except NeuroError as error:
                self.call_from_thread(report, f"{what} build failed: {error}")
                return
            self.call_from_thread(report, "")
            self.call_from_thread(self.notify, f"{what} installed; starting the model")
            self.call_from_thread(self.run_action, "restart")

        report(f"building {what} {where} (a few minutes, once)…")
        self.run_worker(work, thread=True, group="runtime", exclusive=True)
