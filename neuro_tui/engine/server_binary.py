"""Which llama-server to run, and what it can be asked: the installed runtimes' binaries
(bitnet.cpp's for BitNet models), or the one configured (LLAMA_SERVER_PATH)."""

from __future__ import annotations

import os
from pathlib import Path

from neuro_tui.errors import MissingError


def find_binary(configured: str = "", bitnet: bool = False) -> Path:
    """`configured` (config llama_server / LLAMA_SERVER_PATH) if set, else the llama-server
    of an installed runtime: bitnet.cpp's for BitNet models, upstream's first otherwise."""
    if configured:
        path = Path(configured).expanduser()
        if not (path.is_file() and os.access(path, os.X_OK)):
            raise MissingError(f"llama-server not found or not executable: {path}")
        return path
    from neuro_tui.engine import runtime_build

    found = [(spec.flavor, bins["llama-server"]) for spec, bins in runtime_build.list_installed()
             if "llama-server" in bins]
    found.sort(key=lambda item: (item[0] == "bitnet") != bitnet)
    if bitnet:
        found = [f for f in found if f[0] == "bitnet"]
    if not found:
        kind = "bitnet.cpp " if bitnet else ""
        raise MissingError(f"no {kind}llama-server is installed",
                           hint="neuro-tui runtime install"
                           + (" --flavor bitnet" if bitnet else "")
                           + ", or set LLAMA_SERVER_PATH")
    return found[0][1]


def slot_saves_safe(binary: Path, bitnet_model: bool = False) -> bool:
    """Whether this llama-server may be asked to save/restore a chat's slot. Not bitnet.cpp's
    (404980e, an older llama.cpp): its /slots handlers post the task before they wait for
    its answer (examples/server/server.cpp:2784), so a quick save's answer is dropped and
    the request never returns, holding one of its 3 HTTP threads for good (measured: 2 of 6
    three-turn chats stuck 120 s on a save; 0 of 36 turns on 0.3.16). A chat on it resumes
    with a recap instead; a model only bitnet.cpp loads means that server."""
    if bitnet_model:
        return False
    from neuro_tui.engine import runtime_build

    target = Path(binary).resolve()
    return not any(spec.flavor == "bitnet" and Path(bins["llama-server"]).resolve() == target
                   for spec, bins in runtime_build.list_installed() if "llama-server" in bins)
