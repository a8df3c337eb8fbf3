"""What a llama-cli is, in a user's words: "llama.cpp 0.3.16 (-cnv)", "bitnet.cpp 404980e".

The flavor values ("old", "new", "bitnet") name protocols inside the engine; a user knows
the program and its version. A runtime built by `neuro-tui runtime install` says its
version in the runtime.json beside its bin/ folder (the llama-cpp-python release it was
built from, or bitnet.cpp's pinned commit); any other llama-cli is named by its flavor.
Read once per binary: the welcome and the model pane redraw often.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from neuro_tui.engine.build_steps import manifest_of

PROGRAM = {"old": "llama.cpp", "new": "llama.cpp", "bitnet": "bitnet.cpp"}
MODE = {"old": "-cnv", "new": "llama-cli chat"}  # upstream's two interactive programs


def runtime_label(binary: str | Path, flavor: str) -> str:
    """e.g. "llama.cpp 0.3.16 (-cnv)" for upstream's conversation mode built from
    llama-cpp-python 0.3.16, "llama.cpp 0.3.36 (llama-cli chat)", "bitnet.cpp 404980e"."""
    flavor = getattr(flavor, "value", flavor)
    return _label(str(binary), str(flavor))


@lru_cache(maxsize=16)
def _label(binary: str, flavor: str) -> str:
    program, version = PROGRAM.get(flavor, flavor), ""
    if built := manifest_of(binary):
        if commit := str(built.get("bitnet_commit", ""))[:7]:
            program, version = "bitnet.cpp", commit
        elif release := str(built.get("llama_cpp_python", "")):
            version = release
    mode = MODE.get(flavor, "")
    return " ".join(part for part in (program, version, f"({mode})" if mode else "") if part)
