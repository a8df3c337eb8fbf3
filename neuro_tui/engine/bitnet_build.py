"""Build Microsoft's bitnet.cpp llama-cli (the only one that loads BitNet b1.58 models).

What its README asks of users, done for them: the pinned source (engine/bitnet_source.py),
the kernel code generation `setup_env.py` runs (TL2 on x86_64, TL1 on arm64, with the
BitNet-b1.58-2B-4T preset; ggml lists the generated header as a source, so it is needed
even for I2_S models), clang >= 18 (gcc is not supported), and a static Release build.
Installed like the upstream runtimes (engine/build_steps.py) as `bitnet-404980e`.
"""

from __future__ import annotations

import platform
import re
import shutil
import subprocess
import sys
from pathlib import Path

from neuro_tui.engine import bitnet_source
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
from neuro_tui.errors import MissingError

SPEC = RuntimeSpec("bitnet", bitnet_source.BITNET_COMMIT[:7], bitnet_source.ARCHIVE_SHA256,
                   ("llama-cli",), extras=("llama-server",))

ARCH_ALIAS = {"x86_64": "x86_64", "AMD64": "x86_64", "amd64": "x86_64", "x86": "x86_64",
              "aarch64": "arm64", "arm64": "arm64", "ARM64": "arm64"}
# setup_env.py's gen_code() for BitNet-b1.58-2B-4T (the preset it uses for I2_S models)
CODEGEN = {
    "x86_64": ("utils/codegen_tl2.py", "160,320,320", "96,96,96", "32,32,32",
               "-DBITNET_X86_TL2=ON", "TL2"),
    "arm64": ("utils/codegen_tl1.py", "160,320,320", "64,128,64", "32,64,32",
              "-DBITNET_ARM_TL1=ON", "TL1"),
}
CLANG_NAMES = ("clang-21", "clang-20", "clang-19", "clang-18", "clang",
               "/opt/homebrew/opt/llvm/bin/clang", "/usr/local/opt/llvm/bin/clang")
INSTALL_CLANG = "sudo apt-get install clang-19 (macOS: brew install llvm)"
_VERSION = re.compile(r"(Apple )?clang version (\d+)\.(\d+)(?:\.(\d+))?")


def host_arch() -> str:
    machine = platform.machine()
    if machine not in ARCH_ALIAS:
        raise MissingError(f"bitnet.cpp supports x86_64 and arm64 CPUs only; this machine is "
                           f"{machine or 'unknown'}")
    return ARCH_ALIAS[machine]


def clang_version(cc: str) -> tuple[int, str] | None:
    """(LLVM major, full version) of a clang, or None when `cc` is not one."""
    try:
        out = subprocess.run([cc, "--version"], capture_output=True, text=True, timeout=20)
    except (OSError, subprocess.TimeoutExpired):
        return None
    match = _VERSION.search(out.stdout)
    if not match:
        return None
    major = int(match.group(2))
    if match.group(1):  # Apple clang 16 is LLVM 17, 17 is LLVM 19
        major = major + 1 if major <= 16 else major + 2
    return major, ".".join(g for g in match.groups()[1:] if g)


def find_clang() -> tuple[str, str, str]:
    """(cc, c++, version) of the newest-named clang >= 18 on PATH, else a MissingError."""
    seen = []
    for name in CLANG_NAMES:
        cc = shutil.which(name)
        if not cc:
            continue
        cxx = shutil.which(re.sub(r"clang(?=(-\d+)?$)", "clang++", name))
        found = clang_version(cc)
        if found is None or cxx is None:
            continue
        if found[0] >= 18:
            return cc, cxx, found[1]
        seen.append(f"clang {found[1]} at {cc}")
    what = f"found only {', '.join(seen)}" if seen else "none found"
    raise MissingError(f"bitnet.cpp needs clang >= 18 ({what}): {INSTALL_CLANG}")


def preflight(source: Path | None) -> tuple[str, tuple[str, str, str]]:
    """Every check that needs no build, in the order a user fixes them; one line each."""
    arch = host_arch()
    if not shutil.which("cmake"):
        raise MissingError("cmake not found: sudo apt-get install cmake (macOS: brew install "
                           "cmake)")
    if not any(shutil.which(m) for m in ("make", "ninja")):
        raise MissingError("make not found: sudo apt-get install make (macOS: xcode-select "
                           "--install)")
    clang = find_clang()
    if source is not None:
        bitnet_source.check_source_arg(source)
    elif not shutil.which("git"):
        raise MissingError("git not found and no --source given: sudo apt-get install git, or "
                           f"pass --source {bitnet_source.ARCHIVE_NAME} (or an unpacked tree)")
    return arch, clang


def build(*, source: Path | None = None, jobs: int | None = None, progress: Progress = quiet,
          force: bool = False, complete: bool = False) -> dict[str, Path]:
    """Build and install bitnet.cpp's llama-cli (+ llama-server); a second call is instant."""
    def is_done() -> dict[str, Path]:
        if force or (complete and missing_extras(SPEC)):
            return {}
        return installed_binaries(SPEC)

    if is_done():
        progress("done", 1.0, f"{SPEC.name} already installed")
        return is_done()
    arch, clang = preflight(source)
    return locked_build(SPEC, is_done,
                        lambda: _build_locked(source, arch, clang, jobs, progress), progress)


def _build_locked(source: Path | None, arch: str, clang: tuple[str, str, str],
                  jobs: int | None, progress: Progress) -> dict[str, Path]:
    script, bm, bk, small_bm, flag, kernels = CODEGEN[arch]
    cc, cxx, clang_ver = clang
    with build_dirs(SPEC) as (work, staging, log):
        tree, origin = bitnet_source.prepare(source, work, log, progress)
        progress("codegen", None, f"{kernels} kernels ({Path(script).name})")
        run_logged([sys.executable, script, "--model", "bitnet_b1_58-3B", "--BM", bm,
                    "--BK", bk, "--bm", small_bm], log, cwd=tree)
        build_dir = work / "build"
        progress("configure", None, f"cmake configure (clang {clang_ver})")
        run_logged(["cmake", "-B", str(build_dir), "-S", str(tree), flag,
                    f"-DCMAKE_C_COMPILER={cc}", f"-DCMAKE_CXX_COMPILER={cxx}",
                    "-DCMAKE_BUILD_TYPE=Release", "-DBUILD_SHARED_LIBS=OFF",
                    "-DLLAMA_CURL=OFF", "-DLLAMA_BUILD_TESTS=OFF"], log)
        built, seconds, failed = compile_targets(build_dir, SPEC, jobs=jobs, log=log,
                                                 progress=progress)
        info = {"flavor": "bitnet", "bitnet_commit": bitnet_source.BITNET_COMMIT,
                "llama_cpp_commit": bitnet_source.LLAMA_COMMIT, **origin, "arch": arch,
                "kernels": kernels, "compiler": f"clang {clang_ver}",
                "build_seconds": seconds, "extras_failed": failed}
        result = install_atomically(SPEC, staging, built, info)
        progress("done", 1.0, f"installed {SPEC.name} in {install_dir(SPEC)}")
        return result


def describe(manifest: dict) -> str:
    """What `runtime list`/`doctor` show: this build reports version "0 (unknown)"."""
    bitnet = manifest.get("bitnet_commit", "")[:7]
    llama = manifest.get("llama_cpp_commit", "")[:7]
    return f"bitnet.cpp {bitnet} (llama.cpp {llama})" if bitnet else ""
