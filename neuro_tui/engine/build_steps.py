"""What every llama-cli runtime build shares (upstream from PyPI, bitnet.cpp from its tree).

One builder per runtime at a time (a file lock: a second process waits instead of
compiling the same thing on the same cores), commands logged with their compile
percentages, each target compiled and timed on its own (the extra targets' cost is
measured, and a failed optional target does not cost the user llama-cli), and an atomic
install: the runtime folder appears complete or not at all, even after Ctrl+C.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from filelock import FileLock, Timeout

from neuro_tui import paths
from neuro_tui.errors import NeuroError

# phase, fraction 0..1 of that phase (or None), message
Progress = Callable[[str, float | None, str], None]

_PERCENT = re.compile(rb"^\[\s*(\d+)%\]")


def quiet(_phase: str, _fraction: float | None, _message: str) -> None:
    pass


@dataclass(frozen=True)
class RuntimeSpec:
    flavor: str  # "old", "new" or "bitnet"
    version: str  # llama-cpp-python version, or bitnet.cpp's short commit
    sha256: str  # of the sdist / source archive
    targets: tuple[str, ...]  # required: the runtime is not installed without them
    extra_cmake: tuple[str, ...] = ()
    extras: tuple[str, ...] = ()  # wanted by other engines (llama-server, llama-tokenize)

    @property
    def name(self) -> str:
        return f"{self.flavor}-{self.version}"

    @property
    def sdist_name(self) -> str:
        return f"llama_cpp_python-{self.version}.tar.gz"


def install_dir(spec: RuntimeSpec) -> Path:
    return paths.runtime_root() / spec.name


def manifest(spec: RuntimeSpec) -> dict:
    return read_manifest(install_dir(spec))


def manifest_of(binary: Path | str) -> dict:
    """The runtime.json of the runtime a binary (<root>/bin/<name>) belongs to, or {}."""
    return read_manifest(Path(binary).parent.parent)


def read_manifest(root: Path) -> dict:
    """<root>/runtime.json as written by install(), or {} (none, unreadable, not a dict)."""
    try:
        built = json.loads((root / "runtime.json").read_text())
    except (OSError, ValueError):
        return {}
    return built if isinstance(built, dict) else {}


def installed_binaries(spec: RuntimeSpec) -> dict[str, Path]:
    """{target: path} of an installed runtime (extras that were built included), or {}."""
    root = install_dir(spec)
    if not (root / "runtime.json").is_file():
        return {}
    found = {t: root / "bin" / t for t in (*spec.targets, *spec.extras)}
    found = {t: p for t, p in found.items() if os.access(p, os.X_OK)}
    return found if all(t in found for t in spec.targets) else {}


def missing_extras(spec: RuntimeSpec) -> list[str]:
    """Extra targets an installed runtime lacks and has not already failed to build."""
    have = installed_binaries(spec)
    failed = set(manifest(spec).get("extras_failed", []))
    return [t for t in spec.extras if t not in have and t not in failed]


def run_logged(cmd: list[str], log: Path, on_line: Callable[[bytes], None] | None = None,
               cwd: Path | None = None) -> None:
    """Run `cmd`, appending its output to `log`. On any exception (Ctrl+C included) the
    whole process group (cmake, make, the compilers) is killed before cleanup starts."""
    with log.open("ab") as sink:
        sink.write(("$ " + " ".join(cmd) + "\n").encode())
        try:
            proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                    cwd=cwd, start_new_session=True)
        except OSError as error:
            raise NeuroError(f"could not run {Path(cmd[0]).name}: {error}") from None
        assert proc.stdout is not None
        with proc.stdout:
            try:
                for line in proc.stdout:
                    sink.write(line)
                    if on_line:
                        on_line(line)
                code = proc.wait()
            except BaseException:
                with _suppress():
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
                raise
        if code != 0:
            raise NeuroError(f"{Path(cmd[0]).name} failed (exit {code}); see {log}")


@contextmanager
def _suppress() -> Iterator[None]:
    try:
        yield
    except (ProcessLookupError, PermissionError):
        pass


def compile_targets(build_dir: Path, spec: RuntimeSpec, *, jobs: int | None, log: Path,
                    progress: Progress) -> tuple[dict[str, Path], dict[str, float], list[str]]:
    """Compile the required targets, then each extra; returns (built, seconds, failed extras).

    Targets build one after the other so each one's extra time is measured; the shared
    libraries are compiled by the first, so later ones only add their own sources.
    """
    jobs = jobs or os.cpu_count() or 2
    built: dict[str, Path] = {}
    seconds: dict[str, float] = {}
    failed: list[str] = []
    for target in (*spec.targets, *spec.extras):
        def on_line(line: bytes, target: str = target) -> None:
            if match := _PERCENT.match(line):
                progress("compile", int(match.group(1)) / 100, f"{target}: "
                         + line.decode(errors="replace").strip())

        progress("compile", 0.0, f"compiling {target}")
        t0 = time.monotonic()
        cmd = ["cmake", "--build", str(build_dir), "--config", "Release", "-j", str(jobs),
               "--target", target]
        try:
            run_logged(cmd, log, on_line)
        except NeuroError as error:
            if target in spec.targets:
                raise
            failed.append(target)
            progress("warning", None, f"{target} did not build ({error}); continuing")
            continue
        seconds[target] = round(time.monotonic() - t0, 1)
        binary = build_dir / "bin" / target
        if not binary.is_file():
            raise NeuroError(f"build finished but {target} is missing; see {log}")
        built[target] = binary
    return built, seconds, failed


def locked_build(spec: RuntimeSpec, is_done: Callable[[], dict[str, Path]],
                 do_build: Callable[[], dict[str, Path]], progress: Progress) -> dict[str, Path]:
    """Run `do_build` holding the runtime's lock, unless `is_done` is satisfied (checked
    again once the lock is held: another process may have just finished the same build)."""
    if done := is_done():
        progress("done", 1.0, f"{spec.name} already installed")
        return done
    paths.runtime_root().mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(paths.runtime_root() / f".{spec.name}.lock"))
    try:
        lock.acquire(timeout=0)
    except Timeout:
        progress("wait", None, f"another process is building {spec.name}; waiting")
        lock.acquire()
    try:
        if done := is_done():
            progress("done", 1.0, f"{spec.name} already installed")
            return done
        with _hangup_interrupts():
            return do_build()
    finally:
        lock.release()


@contextmanager
def _hangup_interrupts() -> Iterator[None]:
    """SIGTERM and SIGHUP (an SSH session that drops) clean up like Ctrl+C: the compilers
    run in their own session (so Ctrl+C reaches only us), and would otherwise outlive us."""
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield  # the app's worker thread: the app's own exit handling applies
        return

    def interrupt(signum, _frame):
        raise KeyboardInterrupt(signal.Signals(signum).name)

    saved = {sig: signal.signal(sig, interrupt) for sig in (signal.SIGTERM, signal.SIGHUP)}
    try:
        yield
    finally:
        for sig, handler in saved.items():
            signal.signal(sig, handler)


@contextmanager
def build_dirs(spec: RuntimeSpec) -> Iterator[tuple[Path, Path, Path]]:
    """(work, staging, log): work in the cache, staging beside the final folder (same
    filesystem, so the install is one rename); both removed whatever happens."""
    work_root = paths.cache_dir() / "build"
    work_root.mkdir(parents=True, exist_ok=True)
    final = install_dir(spec)
    final.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{spec.name}-", dir=final.parent))
    work = Path(tempfile.mkdtemp(prefix=f"{spec.name}-", dir=work_root))
    log = final.parent / f"{spec.name}-build.log"
    log.write_bytes(b"")
    try:
        yield work, staging, log
    finally:
        shutil.rmtree(staging, ignore_errors=True)
        shutil.rmtree(work, ignore_errors=True)


def install_atomically(spec: RuntimeSpec, staging: Path, built: dict[str, Path],
                       info: dict) -> dict[str, Path]:
    """Copy `built` into staging with runtime.json, then swap it in with renames only."""
    (staging / "bin").mkdir()
    for target, path in built.items():
        shutil.copy2(path, staging / "bin" / target)
    info = {**info, "targets": list(built), "built_at": time.strftime("%Y-%m-%dT%H:%M:%S%z")}
    (staging / "runtime.json").write_text(json.dumps(info, indent=2))
    final = install_dir(spec)
    old = None
    if final.exists():  # a rebuild: rename cannot replace a full folder, so move it aside
        old = Path(tempfile.mkdtemp(prefix=f".{spec.name}-old-", dir=final.parent))
        os.replace(final, old / "runtime")
    os.replace(staging, final)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
    return installed_binaries(spec)
