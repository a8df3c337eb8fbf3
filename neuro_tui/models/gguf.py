"""A small GGUF header reader, used before spawning llama-cli.

Upstream llama-cli fails on bitnet.cpp files with an opaque "failed to read tensor info", and
on a cut-off download only at load time; reading the header ourselves lets us say what is
wrong in one line (which runtime a model needs, or that the file is truncated). Pure Python:
the `gguf` package would pull in numpy for what is ~100 lines of struct reads.
"""

from __future__ import annotations

import time
from pathlib import Path

from neuro_tui.engine.events import Flavor
from neuro_tui.models.gguf_format import GGUFError, GGUFInfo, parse

__all__ = ["GGUFError", "GGUFInfo", "check_compatible", "read_header"]

# Parsed headers by file identity: resolving a model, choosing its runtime and checking it
# each read the same header (SmolLM2: ~80 ms apiece, its 49k-token vocabulary). A file
# changed since is read again; one written in the last RACY_S is never cached, as coarse
# kernel timestamps cannot tell two writes that close apart (git's "racy" rule).
_CACHE: dict[tuple, GGUFInfo] = {}
RACY_S = 2.0


def read_header(path: str | Path) -> GGUFInfo:
    """Read the metadata and tensor table; raise GGUFError (one line) if unusable."""
    path = Path(path)
    try:
        st = path.stat()
        key = (str(path), st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)
        if (cached := _CACHE.get(key)) is not None:
            return cached
        handle = path.open("rb")
    except FileNotFoundError:
        raise GGUFError(f"model file not found: {path}") from None
    except OSError as error:
        raise GGUFError(f"cannot read {path}: {error.strerror}") from None
    info = parse(handle, path, st.st_size)
    if time.time() - max(st.st_mtime, st.st_ctime) > RACY_S:
        if len(_CACHE) >= 64:
            _CACHE.clear()
        _CACHE[key] = info
    return info


def check_compatible(model_path: str | Path, flavor: Flavor | str) -> GGUFInfo:
    """Refuse, before spawning, a model the given llama-cli flavor cannot load."""
    info = read_header(model_path)
    if Flavor(flavor) is not Flavor.BITNET and info.needs_bitnet_cpp:
        quant = ", ".join(t for t in info.tensor_types if t in ("I2_S",) or t.startswith("type"))
        what = f"architecture '{info.architecture}'" + (f", quant type {quant}" if quant else "")
        raise GGUFError(
            f"this model needs bitnet.cpp's llama-cli: {Path(model_path).name} has {what}, "
            f"which the upstream llama.cpp llama-cli ({Flavor(flavor).value} protocol) cannot "
            "load; run `neuro-tui runtime install --flavor bitnet` (or set BITNET_CLI_PATH to "
            "your own build), or use an upstream model such as smollm2")
    return info
