"""Build upstream llama.cpp's llama-cli from the PyPI sdist of llama-cpp-python.

PyPI is the one place every user (and our CI) can reach, and the sdist vendors a pinned
llama.cpp, so no GitHub access is needed. The build is static so the binary runs from
wherever we install it, and it lands in place atomically (engine/build_steps.py): an
interrupted or failed build never leaves a runtime that looks installed. bitnet.cpp's
build is engine/bitnet_build.py, on the same steps.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from neuro_tui import paths
from neuro_tui.engine.build_steps import (
    Progress,
    RuntimeSpec,
    build_dirs,
    compile_targets,
    install_atomically,
    install_dir,
    installed_binaries,
    locked_build,
    missing_extras,
    quiet,
    run_logged,
)
from neuro_tui.errors import MissingError, NeuroError
from neuro_tui.models.store import sha256_file

__all__ = ["RUNTIMES", "RuntimeSpec", "build", "install_dir", "installed_binaries",
           "missing_extras", "missing_build_tools", "fetch_sdist", "list_installed"]

RUNTIMES: dict[str, RuntimeSpec] = {
    "old": RuntimeSpec(
        "old",
        "0.3.16",
        "34ed0f9bd9431af045bb63d9324ae620ad0536653740e9bb163a2e1fcb973be6",
        ("llama-cli",),
        # the server engine and exact token counts look for these beside llama-cli
        extras=("llama-server", "llama-tokenize"),
    ),
    "new": RuntimeSpec(
        "new",
        "0.3.36",
        "832db0699007f1be95a7e41ef12e88926b02ba836461e36a36372db2760c1a2e",
        ("llama-cli", "llama-completion"),
        ("-DLLAMA_USE_PREBUILT_UI=OFF",),
    ),
}


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


def fetch_sdist(spec: RuntimeSpec, progress: Progress = quiet) -> Path:
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


def build(spec: RuntimeSpec, *, jobs: int | None = None, progress: Progress = quiet,
          force: bool = False, complete: bool = False) -> dict[str, Path]:
    """Build and install `spec`; returns {target: path}. A second call is instant.

    `complete`: also rebuild an installed runtime that lacks one of `spec.extras` (the
    CLI's `runtime install` and `setup` ask for that; the app and tests only need the
    required targets and never start a rebuild for an extra).
    """
    def is_done() -> dict[str, Path]:
        if force or (complete and missing_extras(spec)):
            return {}
        return installed_binaries(spec)

    if not is_done() and (problems := missing_build_tools()):
        raise MissingError("cannot build llama-cli: " + "; ".join(problems))
    return locked_build(spec, is_done, lambda: _build_locked(spec, jobs, progress), progress)


def _build_locked(spec: RuntimeSpec, jobs: int | None, progress: Progress) -> dict[str, Path]:
    sdist = fetch_sdist(spec, progress)
    with build_dirs(spec) as (work, staging, log):
        progress("extract", None, f"unpacking {sdist.name}")
        shutil.unpack_archive(str(sdist), str(work))
        source = work / f"llama_cpp_python-{spec.version}" / "vendor" / "llama.cpp"
        build_dir = work / "build"
        configure = ["cmake", "-B", str(build_dir), "-S", str(source), "-DCMAKE_BUILD_TYPE=Release",
                     "-DLLAMA_CURL=OFF", "-DBUILD_SHARED_LIBS=OFF", *spec.extra_cmake]
        progress("configure", None, "cmake configure")
        run_logged(configure, log)
        built, seconds, failed = compile_targets(build_dir, spec, jobs=jobs, log=log,
                                                 progress=progress)
        info = {"flavor": spec.flavor, "llama_cpp_python": spec.version,
                "sdist_sha256": spec.sha256, "build_seconds": seconds, "extras_failed": failed}
        result = install_atomically(spec, staging, built, info)
        progress("done", 1.0, f"installed {spec.name} in {install_dir(spec)}")
        return result


def list_installed() -> list[tuple[RuntimeSpec, dict[str, Path]]]:
    """Installed runtimes, upstream and bitnet.cpp."""
    from neuro_tui.engine import bitnet_build

    specs = [*RUNTIMES.values(), bitnet_build.SPEC]
    return [(spec, bins) for spec in specs if (bins := installed_binaries(spec))]
