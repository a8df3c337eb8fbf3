"""What is on disk in the models dir: verification stamps, hashing, removal, disk use.

Hashing a 1.2 GB file takes seconds, too slow for every `model list`; a verified file gets
a stamp (sha256, size, mtime) beside it, and a file whose size or mtime changed since is
reported as unverified until `model verify` hashes it again.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable
from pathlib import Path

CHUNK = 1 << 20


def stamp_path(model: Path) -> Path:
    return model.with_name(f".{model.name}.verified.json")


def sha256_file(path: Path, progress: Callable[[int, int], None] | None = None) -> str:
    digest = hashlib.sha256()
    total = path.stat().st_size
    done = 0
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
            done += len(chunk)
            if progress:
                progress(done, total)
    return digest.hexdigest()


def write_stamp(model: Path, sha256: str) -> None:
    st = model.stat()
    data = {"sha256": sha256, "size": st.st_size, "mtime_ns": st.st_mtime_ns}
    tmp = stamp_path(model).with_suffix(".tmp")
    tmp.write_text(json.dumps(data))
    os.replace(tmp, stamp_path(model))


def stamped_sha256(model: Path) -> str | None:
    """The sha256 recorded when the file was last verified, if the file is unchanged since."""
    try:
        data = json.loads(stamp_path(model).read_text())
        st = model.stat()
    except (OSError, ValueError):
        return None
    if data.get("size") != st.st_size or data.get("mtime_ns") != st.st_mtime_ns:
        return None
    return data.get("sha256")


def is_verified(model: Path, expected_sha256: str) -> bool:
    return bool(expected_sha256) and stamped_sha256(model) == expected_sha256


def remove(model: Path, models_dir: Path) -> int:
    """Delete a model, its stamp and any kept partial download; returns bytes freed."""
    freed = 0
    for path in (model, stamp_path(model), *partials(model)):
        try:
            freed += path.stat().st_size
            path.unlink()
        except FileNotFoundError:
            continue
    if model.parent.resolve() != models_dir.resolve():
        try:
            model.parent.rmdir()  # per-model folder, only if now empty
        except OSError:
            pass
    return freed


def partials(model: Path) -> list[Path]:
    """Partial downloads kept for resume (see download.py) for this model file."""
    names = (f".{model.name}.part", f".{model.name}.part.json")
    return [model.with_name(n) for n in names if model.with_name(n).exists()]


def disk_use(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) if path.is_dir() else 0
