"""Get bitnet.cpp's exact source tree: a git clone at the pinned commits, or offline from
the pinned archive (sha256 checked) or a tree the user already has.

Users get the two commits from GitHub (git checks content by hash); machines without
GitHub (CI here) pass the archive from ../shared/bitnet-cpp/. The tree is always copied
into the build folder: the code-generation step writes into it, and a user's checkout
must not change under them.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tarfile
from pathlib import Path

from neuro_tui.engine.build_steps import Progress, run_logged
from neuro_tui.errors import MissingError, NeuroError, UsageError
from neuro_tui.models.store import sha256_file

BITNET_REPO = "https://github.com/microsoft/BitNet.git"
BITNET_COMMIT = "404980eecae38affa4871c3e419eae3f44536a95"  # 2025-06-03
LLAMA_REPO = "https://github.com/Eddie-Wang1120/llama.cpp.git"  # the fork BitNet pins
LLAMA_COMMIT = "40ed0f290203a9a78540b8f7eb18bd828043fe21"  # 2025-05-21, branch merge-dev
ARCHIVE_NAME = "bitnet-cpp-src-404980e.tar.gz"
ARCHIVE_SHA256 = "8fac71687a1bf4605ed9bd4aa7d615cad37699db9c1bc0b6de2fdb603926c40b"
_MARKERS = ("setup_env.py", "utils/codegen_tl2.py", "utils/codegen_tl1.py", "CMakeLists.txt")


def local_archive() -> Path | None:
    """The pinned archive in ../shared/bitnet-cpp/ beside the repo (or $NEURO_TUI_SHARED),
    where CI and this team keep the offline copy; None when it is not there."""
    repo = Path(__file__).resolve().parents[2]
    shared = Path(os.environ.get("NEURO_TUI_SHARED") or repo.parent / "shared")
    archive = shared / "bitnet-cpp" / ARCHIVE_NAME
    return archive if archive.is_file() else None


def is_tree(path: Path) -> bool:
    return all((path / marker).is_file() for marker in _MARKERS)


def find_tree(path: Path) -> Path | None:
    """`path` itself, its bitnet.cpp/ or BitNet/ folder, or its only subfolder."""
    subdirs = [p for p in path.iterdir() if p.is_dir()] if path.is_dir() else []
    named = [path / "bitnet.cpp", path / "BitNet"]
    for candidate in (path, *named, *(subdirs if len(subdirs) == 1 else [])):
        if candidate.is_dir() and is_tree(candidate):
            return candidate
    return None


def check_source_arg(source: Path) -> None:
    """Fail fast (before the lock and the build) on a --source that cannot work."""
    if not source.exists():
        raise UsageError(f"--source {source} does not exist")
    if source.is_file():
        if not tarfile.is_tarfile(source):
            raise UsageError(f"--source {source} is neither a folder nor a .tar.gz archive")
        actual = sha256_file(source)
        if actual != ARCHIVE_SHA256:
            raise NeuroError(f"checksum mismatch for {source.name}: expected {ARCHIVE_SHA256} "
                             f"({ARCHIVE_NAME}), got {actual}; refusing to build it")
        return
    tree = find_tree(source)
    if tree is None:
        raise UsageError(f"--source {source} is not a bitnet.cpp tree (no setup_env.py, "
                         "utils/codegen_tl2.py, CMakeLists.txt)")
    if not (tree / "3rdparty" / "llama.cpp" / "CMakeLists.txt").is_file():
        raise UsageError(f"--source {source}: 3rdparty/llama.cpp is empty (clone with "
                         "--recursive, or run `git submodule update --init`)")


def prepare(source: Path | None, work: Path, log: Path, progress: Progress) -> tuple[Path, dict]:
    """The tree to build in (under `work`) and how it was obtained, for runtime.json."""
    if source is None:
        return _clone(work, log, progress), {"source": "git", "verified": True}
    if source.is_file():
        progress("unpack", None, f"unpacking {source.name} (sha256 checked)")
        with tarfile.open(source) as archive:
            if hasattr(tarfile, "data_filter"):
                archive.extractall(work, filter="data")
            else:  # Python < 3.11.4; the archive's sha256 is pinned, so it is trusted
                archive.extractall(work)
        tree = find_tree(work)
        if tree is None:
            raise UsageError(f"--source {source}: the archive holds no bitnet.cpp tree")
        return tree, {"source": f"archive {source.name}", "source_sha256": ARCHIVE_SHA256,
                      "verified": True}
    found = find_tree(source)
    assert found is not None  # check_source_arg ran first
    progress("unpack", None, f"copying {found}")
    tree = work / "bitnet.cpp"
    shutil.copytree(found, tree, symlinks=True,
                    ignore=lambda folder, names: [n for n in names if n == ".git"
                                                  or (folder == str(found) and n == "build")])
    commit = _head(found)
    return tree, {"source": f"tree {found}", "verified": commit == BITNET_COMMIT,
                  "tree_commit": commit or "unknown (not a git checkout)"}


def _head(tree: Path) -> str:
    if not shutil.which("git"):
        return ""
    got = subprocess.run(["git", "-C", str(tree), "rev-parse", "HEAD"], capture_output=True,
                         text=True)
    return got.stdout.strip() if got.returncode == 0 else ""


def git_url(name: str, default: str) -> str:
    """Overridable (NEURO_TUI_BITNET_GIT / NEURO_TUI_BITNET_LLAMA_GIT) for mirrors."""
    return os.environ.get(name) or default


def _fetch(url: str, commit: str, dest: Path, log: Path) -> None:
    """Shallow fetch of exactly `commit` (GitHub serves any commit by hash)."""
    dest.mkdir(parents=True, exist_ok=True)
    git = ["git", "-C", str(dest), "-c", "advice.detachedHead=false"]
    run_logged([*git, "init", "-q"], log)
    run_logged([*git, "fetch", "--depth", "1", "-q", url, commit], log)
    run_logged([*git, "checkout", "-q", commit], log)
    if (head := _head(dest)) != commit:
        raise NeuroError(f"git checked out {head or 'nothing'} instead of {commit}; see {log}")


def _clone(work: Path, log: Path, progress: Progress) -> Path:
    tree = work / "bitnet.cpp"
    url = git_url("NEURO_TUI_BITNET_GIT", BITNET_REPO)
    progress("clone", None, f"git clone {url} @ {BITNET_COMMIT[:7]}")
    try:
        _fetch(url, BITNET_COMMIT, tree, log)
        llama = git_url("NEURO_TUI_BITNET_LLAMA_GIT", LLAMA_REPO)
        progress("clone", 0.5, f"git clone {llama} @ {LLAMA_COMMIT[:7]}")
        sub = tree / "3rdparty" / "llama.cpp"
        shutil.rmtree(sub, ignore_errors=True)  # the superproject leaves an empty folder
        _fetch(llama, LLAMA_COMMIT, sub, log)
    except NeuroError as error:
        raise MissingError(f"could not clone bitnet.cpp ({error})",
                           hint=f"offline: --source {ARCHIVE_NAME} or an unpacked tree") from None
    progress("clone", 1.0, "source at the pinned commits")
    return tree
