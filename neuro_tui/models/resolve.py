"""Turn what the user typed (`--model 2b`, `auto`, `~/m.gguf`) into a model file path.

One function so the TUI, `ask`, `chat --plain` and `model info` agree on what a name means
and fail with the same one-line errors (unknown name with the closest suggestion, not
downloaded with the command that fixes it, not a GGUF, truncated).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from neuro_tui import paths
from neuro_tui.errors import MissingError
from neuro_tui.models import gguf, registry

AUTO = "auto"
BITNET_BUILD_DIRS = (
    Path.home() / ".local" / "share" / "bitnet.cpp" / "build" / "bin" / "llama-cli",
    Path("BitNet") / "build" / "bin" / "llama-cli",
)


def looks_like_path(spec: str) -> bool:
    return spec.endswith(".gguf") or os.sep in spec or spec.startswith(("~", "."))


def bitnet_runtime_available() -> bool:
    """Cheap check (no process spawned) for a bitnet.cpp llama-cli in the places discovery
    looks first: BITNET_CLI_PATH, llama-cli-bitnet on PATH, the bitnet.cpp build folders."""
    candidates = [os.environ.get("BITNET_CLI_PATH"), shutil.which("llama-cli-bitnet"),
                  *map(str, BITNET_BUILD_DIRS)]
    return any(c and os.path.isfile(c) and os.access(c, os.X_OK) for c in candidates)


def _check_file(path: Path) -> Path:
    if not path.is_file():
        raise MissingError(f"model file not found: {path}")
    gguf.read_header(path)  # one-line error for not-a-GGUF / truncated
    return path


def resolve_entry_path(entry: registry.ModelEntry, models_dir: Path | None = None) -> Path:
    """The local file of a registry entry, or a MissingError saying how to get it."""
    models_dir = models_dir or paths.models_dir()
    found = entry.find(models_dir)
    if found is None:
        if entry.source == "convert":
            raise MissingError(f"model {entry.name} is not converted yet: "
                               f"{entry.convert_step(models_dir)}")
        raise MissingError(f"model {entry.name} is not downloaded: run "
                           f"`neuro-tui model download {entry.name}`")
    size = found.stat().st_size
    if entry.size and size != entry.size:
        raise MissingError(f"model {entry.name} at {found} is incomplete or damaged ({size} of "
                           f"{entry.size} bytes): run `neuro-tui model download {entry.name} "
                           "--force`")
    return found


def auto_name(models_dir: Path | None = None, bitnet_runtime: bool | None = None) -> str:
    """2b when it is downloaded and a bitnet.cpp runtime is there, else the offline default."""
    bitnet = registry.get(registry.default_name("bitnet"))
    if bitnet_runtime is None:
        bitnet_runtime = bitnet_runtime_available()
    if bitnet_runtime and bitnet.find(models_dir) is not None:
        return bitnet.name
    return registry.default_name("offline")


def resolve_model(spec: str, models_dir: Path | None = None, *,
                  bitnet_runtime: bool | None = None) -> Path:
    """Registry name, "auto", or a path to a .gguf -> an existing, GGUF-checked file path.

    Raises UsageError for an unknown name (with the closest one), MissingError for a missing,
    unconverted, truncated or non-GGUF file. Does not check the runtime: call
    gguf.check_compatible(path, flavor) once the llama-cli flavor is known.
    """
    spec = (spec or AUTO).strip()
    if spec.lower() == AUTO:
        spec = auto_name(models_dir, bitnet_runtime)
    if spec.lower() in registry.entries() or not looks_like_path(spec):
        if spec.lower() not in registry.entries() and Path(spec).expanduser().is_file():
            return _check_file(Path(spec).expanduser())  # a bare file name in the cwd
        entry = registry.get(spec)
        return _check_file(resolve_entry_path(entry, models_dir))
    return _check_file(Path(spec).expanduser())
