"""Build llama-cli from inside the app (Ctrl+G) when none was found, then start the chat.

The same builder as `neuro-tui runtime install`. The ChatScreen runs `build` in a worker
thread; every phase (and the compile percentage) goes to `report`, which posts it to the
screen as a message (shown in the model pane); the chat restarts when it is done.
"""

from __future__ import annotations

from collections.abc import Callable

from neuro_tui.engine import runtime_build


def runtime_to_build():
    """The RuntimeSpec Ctrl+G builds."""
    return runtime_build.RUNTIMES["old"]


def installed(spec) -> bool:
    return bool(runtime_build.installed_binaries(spec))


def build(spec, report: Callable[[str], None]) -> tuple[bool, str]:
    """Runs in a thread: (installed?, the line to show); a failure is returned, not
    raised."""
    from neuro_tui.errors import NeuroError

    def progress(phase: str, fraction: float | None, _message: str) -> None:
        pct = f" {100 * fraction:.0f}%" if fraction is not None and phase == "compile" else ""
        report(f"building llama-cli {spec.version}: {phase}{pct}")

    report(f"building llama-cli {spec.version} from PyPI (a few minutes, once)…")
    try:
        runtime_build.build(spec, progress=progress)
    except NeuroError as error:
        return False, f"llama-cli build failed: {error}"
    return True, "llama-cli installed; starting the model"
