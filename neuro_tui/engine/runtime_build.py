"""Build upstream llama.cpp's llama-cli from the PyPI sdist of llama-cpp-python.

PyPI is the one place every user (and our CI) can reach, and the sdist vendors a pinned
llama.cpp, so no GitHub access is needed. The build is static so the binary runs from
wherever we install it, and it lands in place atomically: an interrupted or failed build
never leaves a runtime that looks installed.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from filelock import FileLock, Timeout

from neuro_tui import paths
from neuro_tui.errors import MissingError, NeuroError
from neuro_tui.models.store import sha256_file


@dataclass(frozen=True)
class RuntimeSpec:
    flavor: str  # "old" or "new"
    version: str  # llama-cpp-python version
    sha256: str  # of the sdist
    targets: tuple[str, ...]
    extra_cmake: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        return f"{self.flavor}-{self.version}"

    @property
    def sdist_name(self) -> str:
        return f"llama_cpp_python-{self.version}.tar.gz"


RUNTIMES: dict[str, RuntimeSpec] = {
    "old": RuntimeSpec(
        "old",
        "0.3.16",
        "34ed0f9bd9431af045bb63d9324ae620ad0536653740e9bb163a2e1fcb973be6",
        ("llama-cli",),
    ),
    "new": RuntimeSpec(
        "new",
        "0.3.36",
        "832db0699007f1be95a7e41ef12e88926b02ba836461e36a36372db2760c1a2e",
        ("llama-cli", "llama-completion"),
        ("-DLLAMA_USE_PREBUILT_UI=OFF",),
    ),
}

# phase, fraction 0..1 of that phase (or None), message
Progress = Callable[[str, float | None, str], None]

_PERCENT = re.compile(rb"^\[\s*(\d+)%\]")


def _quiet(_phase: str, _fraction: float | None, _message: str) -> None:
    pass


def install_dir(spec: RuntimeSpec) -> Path:
    return paths.runtime_root() / spec.name


def installed_binaries(spec: RuntimeSpec) -> dict[str, Path]:
    """The binaries of an installed runtime, or {} when it is not (completely) installed."""
    root = install_dir(spec)
    if not (root / "runtime.json").is_file():
        return {}
    found = {t: root / "bin" / t for t in spec.targets}
    return found if all(os.access(p, os.X_OK) for p in found.values()) else {}


def missing_build_tools() -> list[str]:
    """Tools the build needs that are not on PATH, each with the command that installs it."""
    problems = []
    if not shutil.which("cmake"):
        problems.append("cmake not found: sudo apt-get install cmake (macOS: brew install cmake)")
    if not any(shutil.which(c) for c in ("c++", "g++", "clang++")):
        problems.append(
            "no C++ compiler found: sudo apt-get install build-essential "
            "(macOS: xcode-select --install)"
        )
    if not any(shutil.which(m) for m in ("make", "ninja")):
        problems.append("make not found: sudo apt-get install make (macOS: xcode-select --install)")
    return problems


def fetch_sdist(spec: RuntimeSpec, progress: Progress = _quiet) -> Path:
    """Download the sdist into the cache (once) and check its pinned sha256."""
    cache = paths.cache_dir() / "sdist"
    cache.mkdir(parents=True, exist_ok=True)
    target = cache / spec.sdist_name
    if target.is_file() and sha256_file(target) == spec.sha256:
        progress("download", 1.0, f"{spec.sdist_name} (cached)")
        return target
    progress("download", None, f"pip download llama-cpp-python=={spec.version} (sdist)")
    with tempfile.TemporaryDirectory(dir=cache) as tmp:
        cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:",
               "--disable-pip-version-check", "-q", "-d", tmp, f"llama-cpp-python=={spec.version}"]
        result = subprocess.run(cmd, capture_output=True, text=True)
        got = Path(tmp) / spec.sdist_name
        if result.returncode != 0 or not got.is_file():
            tail = (result.stderr or result.stdout).strip().splitlines()[-1:] or ["no output"]
            raise NeuroError(f"could not download llama-cpp-python=={spec.version}: {tail[0]}")
        actual = sha256_file(got)
        if actual != spec.sha256:
            raise NeuroError(
                f"checksum mismatch for {spec.sdist_name}: expected {spec.sha256}, got {actual}; "
                "refusing to build it"
            )
        os.replace(got, target)
    progress("download", 1.0, spec.sdist_name)
    return target


def _run_logged(cmd: list[str], log: Path, on_line: Callable[[bytes], None]) -> None:
    with log.open("ab") as sink:
        sink.write(("$ " + " ".join(cmd) + "\n").encode())
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        assert proc.stdout is not None
        try:
            for line in proc.stdout:
                sink.write(line)
                on_line(line)
        except BaseException:
            proc.kill()
            proc.wait()
            raise
        if proc.wait() != 0:
            raise NeuroError(f"{Path(cmd[0]).name} failed (exit {proc.returncode}); see {log}")


def build(spec: RuntimeSpec, *, jobs: int | None = None, progress: Progress = _quiet,
          force: bool = False) -> dict[str, Path]:
    """Build and install `spec`; returns {target: path}. A second call is instant.

    A file lock makes a second process wait for the first one's build instead of
    compiling the same thing again on the same cores.
    """
    if not force and (done := installed_binaries(spec)):
        progress("done", 1.0, f"{spec.name} already installed")
        return done
    if problems := missing_build_tools():
        raise MissingError("cannot build llama-cli: " + "; ".join(problems))
    paths.runtime_root().mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(paths.runtime_root() / f".{spec.name}.lock"))
    try:
        lock.acquire(timeout=0)
    except Timeout:
        progress("wait", None, f"another process is building {spec.name}; waiting")
        lock.acquire()
    try:
        if not force and (done := installed_binaries(spec)):
            progress("done", 1.0, f"{spec.name} already installed")
            return done
        return _build_locked(spec, jobs, progress)
    finally:
        lock.release()


def _build_locked(spec: RuntimeSpec, jobs: int | None, progress: Progress) -> dict[str, Path]:
    sdist = fetch_sdist(spec, progress)
    work_root = paths.cache_dir() / "build"
    work_root.mkdir(parents=True, exist_ok=True)
    final = install_dir(spec)
    final.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{spec.name}-", dir=final.parent))
    work = Path(tempfile.mkdtemp(prefix=f"{spec.name}-", dir=work_root))
    log = final.parent / f"{spec.name}-build.log"
    log.write_bytes(b"")
    try:
        progress("extract", None, f"unpacking {sdist.name}")
        shutil.unpack_archive(str(sdist), str(work))
        source = work / f"llama_cpp_python-{spec.version}" / "vendor" / "llama.cpp"
        build_dir = work / "build"
        configure = ["cmake", "-B", str(build_dir), "-S", str(source), "-DCMAKE_BUILD_TYPE=Release",
                     "-DLLAMA_CURL=OFF", "-DBUILD_SHARED_LIBS=OFF", *spec.extra_cmake]
        progress("configure", None, "cmake configure")
        _run_logged(configure, log, lambda line: None)
        jobs = jobs or os.cpu_count() or 2
        compile_cmd = ["cmake", "--build", str(build_dir), "--config", "Release", "-j", str(jobs),
                       "--target", *spec.targets]

        def on_line(line: bytes) -> None:
            if match := _PERCENT.match(line):
                text = line.decode(errors="replace").strip()
                progress("compile", int(match.group(1)) / 100, text)

        _run_logged(compile_cmd, log, on_line)
        (staging / "bin").mkdir()
        for target in spec.targets:
            built = build_dir / "bin" / target
            if not built.is_file():
                raise NeuroError(f"build finished but {target} is missing; see {log}")
            shutil.copy2(built, staging / "bin" / target)
        manifest = {"flavor": spec.flavor, "llama_cpp_python": spec.version,
                    "sdist_sha256": spec.sha256, "targets": list(spec.targets),
                    "built_at": time.strftime("%Y-%m-%dT%H:%M:%S%z")}
        (staging / "runtime.json").write_text(json.dumps(manifest, indent=2))
        if final.exists():
            shutil.rmtree(final)
        os.replace(staging, final)
        progress("done", 1.0, f"installed {spec.name} in {final}")
        return installed_binaries(spec)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
        shutil.rmtree(work, ignore_errors=True)


def list_installed() -> list[tuple[RuntimeSpec, dict[str, Path]]]:
    return [(spec, bins) for spec in RUNTIMES.values() if (bins := installed_binaries(spec))]
