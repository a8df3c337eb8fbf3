"""Build llama-cli from inside the app (Ctrl+G) when none was found, then start the chat.

The same builders as `neuro-tui runtime install`. The ChatScreen runs `build` in a worker
thread; every phase (and the compile percentage) goes to `report`, which posts it to the
screen as a message (shown in the model pane); the chat restarts when it is done. A model
that only bitnet.cpp loads (BitNet b1.58, I2_S) gets bitnet.cpp's build instead of the
upstream one (from the local pinned archive when there is one, else a git clone).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from neuro_tui.engine import runtime_build


@dataclass(frozen=True)
class RuntimeChoice:
    spec: object  # runtime_build.RuntimeSpec or bitnet_build's spec
    what: str  # "llama-cli 0.3.16" / "bitnet.cpp 404980e"
    where: str  # "from PyPI" / "from the local source archive" / "from GitHub"
    bitnet_source: Path | None = None
    bitnet: bool = False


def _needs_bitnet(config) -> bool:
    from neuro_tui.engine.events import Flavor
    from neuro_tui.errors import NeuroError
    from neuro_tui.launch import needed_flavors, resolve_model_path

    try:
        model = resolve_model_path(config)
        return model.is_file() and needed_flavors(model) == {Flavor.BITNET}
    except (NeuroError, OSError):
        return False


def runtime_to_build(config) -> RuntimeChoice:
    """What Ctrl+G builds for the configured model."""
    if _needs_bitnet(config):
        from neuro_tui.engine import bitnet_build, bitnet_source

        source = bitnet_source.local_archive()
        where = "from the local source archive" if source else "from GitHub"
        return RuntimeChoice(bitnet_build.SPEC, f"bitnet.cpp {bitnet_build.SPEC.version}",
                             where, source, bitnet=True)
    spec = runtime_build.RUNTIMES["old"]
    return RuntimeChoice(spec, f"llama-cli {spec.version}", "from PyPI")


def installed(choice: RuntimeChoice) -> bool:
    return bool(runtime_build.installed_binaries(choice.spec))


def build(choice: RuntimeChoice, report: Callable[[str], None]) -> tuple[bool, str]:
    """Runs in a thread: (installed?, the line to show); a failure is returned, not
    raised."""
    from neuro_tui.errors import NeuroError

    def progress(phase: str, fraction: float | None, _message: str) -> None:
        pct = f" {100 * fraction:.0f}%" if fraction is not None and phase == "compile" else ""
        report(f"building {choice.what}: {phase}{pct}")

    report(f"building {choice.what} {choice.where} (a few minutes, once)…")
    try:
        if choice.bitnet:
            from neuro_tui.engine import bitnet_build

            bitnet_build.build(source=choice.bitnet_source, progress=progress)
        else:
            runtime_build.build(choice.spec, progress=progress)
    except NeuroError as error:
        return False, f"{choice.what} build failed: {error}"
    return True, f"{choice.what} installed; starting the model"
