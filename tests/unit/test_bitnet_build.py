"""`runtime install --flavor bitnet`, fast: the real CLI and the real build steps, with
scripted cmake/clang/git on PATH so every failure path runs in a second. The real build
from the archive is tests/integration/test_bitnet_runtime.py."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tarfile
import time
from pathlib import Path

import psutil
import pytest

from neuro_tui.engine import bitnet_build, bitnet_source, build_steps

pytestmark = pytest.mark.timeout(60)
FAKE_CLI = Path(__file__).resolve().parents[1] / "fakes" / "fake_llama_cli.py"

CMAKE = f"""#!{sys.executable}
# scripted cmake: FAKE_CMAKE=ok|fail|hang|fail:<target>
import os, sys, time
args, mode = sys.argv[1:], os.environ.get("FAKE_CMAKE", "ok")
if args[0] == "-B":
    os.makedirs(args[1], exist_ok=True); print("-- Configuring done"); sys.exit(0)
target = args[-1]
if mode == "hang":
    open(os.environ["FAKE_CMAKE_PID"], "w").write(str(os.getpid())); time.sleep(60)
for pct in (10, 50, 100):
    print(f"[{{pct:3d}}%] Building CXX object {{target}}.o", flush=True)
if mode == "fail" or mode == "fail:" + target:
    print("error: boom"); sys.exit(2)
os.makedirs(os.path.join(args[1], "bin"), exist_ok=True)
binary = os.path.join(args[1], "bin", target)
open(binary, "w").write("#!/bin/sh\\nexec {sys.executable} {FAKE_CLI} \\"$@\\"\\n")
os.chmod(binary, 0o755)
"""


def _script(folder: Path, name: str, text: str) -> None:
    path = folder / name
    path.write_text(text)
    path.chmod(0o755)


@pytest.fixture
def tools(tmp_path, monkeypatch):
    """A PATH holding only scripted build tools (clang 19 unless a test changes it)."""
    bindir = tmp_path / "bin"
    bindir.mkdir()
    _script(bindir, "cmake", CMAKE)
    _script(bindir, "make", "#!/bin/sh\n")
    for name in ("clang-19", "clang++-19"):
        _script(bindir, name, "#!/bin/sh\necho 'Debian clang version 19.1.7 (3~deb12u1)'\n")
    monkeypatch.setenv("PATH", str(bindir))
    monkeypatch.setenv("NEURO_TUI_RUNTIME_DIR", str(tmp_path / "runtimes"))
    monkeypatch.setenv("NEURO_TUI_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("FAKE_FLAVOR", "bitnet")
    return bindir


@pytest.fixture
def tree(tmp_path):
    """The shape of a bitnet.cpp tree (what --source checks), with a no-op code generator."""
    root = tmp_path / "src" / "bitnet.cpp"
    for marker in (*bitnet_source._MARKERS, "3rdparty/llama.cpp/CMakeLists.txt"):
        (root / marker).parent.mkdir(parents=True, exist_ok=True)
        (root / marker).write_text("# stand-in\n")
    return root


def cli(*args, timeout=30):
    return subprocess.run([sys.executable, "-m", "neuro_tui", "runtime", "install", *args],
                          capture_output=True, text=True, timeout=timeout, env=os.environ)


def error_line(result, only: bool = True) -> str:
    """The error: one clear line, no traceback (`only`: nothing else was printed, as for
    every check made before the build starts)."""
    lines = result.stderr.strip().splitlines()
    assert "Traceback" not in result.stderr and lines[-1].startswith("neuro-tui: error: ")
    assert len(lines) == 1 or not only, result.stderr
    return lines[-1]


def nothing_installed(tmp_path) -> None:
    runtimes = tmp_path / "runtimes"
    left = sorted(p.name for p in runtimes.iterdir()) if runtimes.exists() else []
    assert [n for n in left if not n.endswith((".lock", "-build.log"))] == [], left
    build = tmp_path / "cache" / "build"
    assert not build.exists() or list(build.iterdir()) == []


def test_source_tree_builds_installs_and_is_found(tools, tree, tmp_path):
    result = cli("--flavor", "bitnet", "--source", str(tree.parent))
    assert result.returncode == 0, result.stderr
    for phase in ("unpack", "codegen   TL2 kernels", "configure cmake configure (clang 19.1.7)",
                  "compile   llama-cli: [ 50%]", "compile   llama-server: [100%]", "done"):
        assert phase in result.stderr
    root = tmp_path / "runtimes" / "bitnet-404980e"
    info = json.loads((root / "runtime.json").read_text())
    assert info["bitnet_commit"] == bitnet_source.BITNET_COMMIT
    assert info["llama_cpp_commit"] == bitnet_source.LLAMA_COMMIT
    assert info["targets"] == ["llama-cli", "llama-server"] and info["kernels"] == "TL2"
    assert info["verified"] is False  # a copied tree without .git: commits not proven
    again = cli("--flavor", "bitnet", "--source", str(tree))
    assert "already installed" in again.stderr
    assert json.loads((root / "runtime.json").read_text())["built_at"] == info["built_at"]
    listed = subprocess.run([sys.executable, "-m", "neuro_tui", "runtime", "list", "--json"],
                            capture_output=True, text=True, timeout=30)
    data = json.loads(listed.stdout)
    [entry] = [e for e in data["installed"] if e["name"] == "bitnet-404980e"]
    assert entry["flavor"] == "bitnet" and entry["commit"] == bitnet_source.BITNET_COMMIT
    [cand] = [c for c in data["candidates"] if c["origin"] == "runtime bitnet-404980e"]
    assert cand["flavor"] == "bitnet"
    assert cand["version"] == "bitnet.cpp 404980e (llama.cpp 40ed0f2)"


def test_a_failing_extra_target_still_installs_llama_cli(tools, tree, tmp_path, monkeypatch):
    monkeypatch.setenv("FAKE_CMAKE", "fail:llama-server")
    result = cli("--flavor", "bitnet", "--source", str(tree))
    assert result.returncode == 0, result.stderr
    assert "llama-server did not build" in result.stderr
    info = build_steps.manifest(bitnet_build.SPEC)
    assert info["targets"] == ["llama-cli"] and info["extras_failed"] == ["llama-server"]
    assert build_steps.missing_extras(bitnet_build.SPEC) == []  # not retried on every install


def test_failed_build_leaves_nothing_installed(tools, tree, tmp_path, monkeypatch):
    monkeypatch.setenv("FAKE_CMAKE", "fail")
    result = cli("--flavor", "bitnet", "--source", str(tree))
    assert result.returncode == 1
    assert "cmake failed (exit 2); see " in error_line(result, only=False)
    nothing_installed(tmp_path)
    log = (tmp_path / "runtimes" / "bitnet-404980e-build.log").read_text()
    assert "error: boom" in log


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM, signal.SIGHUP],
                         ids=["ctrl-c", "term", "hangup"])
def test_ctrl_c_mid_compile_leaves_nothing_and_no_process(tools, tree, tmp_path, monkeypatch,
                                                          sig):
    pidfile = tmp_path / "cmake.pid"
    monkeypatch.setenv("FAKE_CMAKE", "hang")
    monkeypatch.setenv("FAKE_CMAKE_PID", str(pidfile))
    proc = subprocess.Popen([sys.executable, "-m", "neuro_tui", "runtime", "install", "--flavor",
                             "bitnet", "--source", str(tree)], stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 20
    while not pidfile.exists() or not pidfile.read_text():
        assert time.monotonic() < deadline and proc.poll() is None
        time.sleep(0.05)
    cmake_pid = int(pidfile.read_text())
    proc.send_signal(sig)
    assert proc.wait(20) == 130
    assert "interrupted" in proc.stderr.read()
    time.sleep(0.2)
    assert not psutil.pid_exists(cmake_pid) or psutil.Process(cmake_pid).status() == "zombie"
    nothing_installed(tmp_path)
    staging = [p for p in (tmp_path / "runtimes").glob(".bitnet-*") if p.is_dir()]
    assert staging == []  # no staging folder left (the lock file may stay)


def test_old_clang_names_the_install_command(tools, tree):
    for name in ("clang-19", "clang++-19"):
        (tools / name).unlink()
    for name in ("clang", "clang++"):
        _script(tools, name, "#!/bin/sh\necho 'Debian clang version 14.0.6'\n")
    line = error_line(result := cli("--flavor", "bitnet", "--source", str(tree)))
    assert result.returncode == 3
    assert line == (f"neuro-tui: error: bitnet.cpp needs clang >= 18 (found only clang 14.0.6 "
                    f"at {tools / 'clang'}): sudo apt-get install clang-19 (macOS: brew install "
                    "llvm)")


def test_no_clang_at_all(tools, tree):
    for name in ("clang-19", "clang++-19"):
        (tools / name).unlink()
    assert "bitnet.cpp needs clang >= 18 (none found): sudo apt-get install clang-19" in \
        error_line(cli("--flavor", "bitnet", "--source", str(tree)))


def test_no_cmake(tools, tree):
    (tools / "cmake").unlink()
    assert error_line(cli("--flavor", "bitnet", "--source", str(tree))) == (
        "neuro-tui: error: cmake not found: sudo apt-get install cmake (macOS: brew install "
        "cmake)")


def test_no_git_and_no_source(tools, tmp_path):
    line = error_line(result := cli("--flavor", "bitnet"))
    assert result.returncode == 3
    assert line == ("neuro-tui: error: git not found and no --source given: sudo apt-get install "
                    "git, or pass --source bitnet-cpp-src-404980e.tar.gz (or an unpacked tree)")


def test_source_that_is_not_a_bitnet_tree(tools, tmp_path):
    other = tmp_path / "llama.cpp"
    (other / "src").mkdir(parents=True)
    (other / "CMakeLists.txt").write_text("project(x)\n")
    line = error_line(result := cli("--flavor", "bitnet", "--source", str(other)))
    assert result.returncode == 2 and f"--source {other} is not a bitnet.cpp tree" in line
    nothing_installed(tmp_path)


def test_tree_without_its_submodule(tools, tree):
    (tree / "3rdparty" / "llama.cpp" / "CMakeLists.txt").unlink()
    assert "3rdparty/llama.cpp is empty (clone with --recursive" in \
        error_line(cli("--flavor", "bitnet", "--source", str(tree)))


def test_archive_with_the_wrong_checksum(tools, tree, tmp_path):
    archive = tmp_path / bitnet_source.ARCHIVE_NAME
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(tree, arcname="bitnet.cpp")
    line = error_line(result := cli("--flavor", "bitnet", "--source", str(archive)))
    assert result.returncode == 1
    assert line.startswith(f"neuro-tui: error: checksum mismatch for {archive.name}: expected "
                           f"{bitnet_source.ARCHIVE_SHA256} ({archive.name}), got ")
    assert line.endswith("; refusing to build it")
    nothing_installed(tmp_path)


def test_source_that_is_neither(tools, tmp_path):
    junk = tmp_path / "notes.txt"
    junk.write_text("hello")
    assert "is neither a folder nor a .tar.gz archive" in \
        error_line(cli("--flavor", "bitnet", "--source", str(junk)))


def test_unsupported_cpu(tools, tree, monkeypatch):
    monkeypatch.setattr(bitnet_build.platform, "machine", lambda: "riscv64")
    with pytest.raises(Exception, match="bitnet.cpp supports x86_64 and arm64 CPUs only; "
                                        "this machine is riscv64"):
        bitnet_build.build(source=tree)


def test_arm64_runs_tl1_codegen(tools, tree, monkeypatch, tmp_path):
    monkeypatch.setattr(bitnet_build.platform, "machine", lambda: "aarch64")
    bitnet_build.build(source=tree)
    log = (tmp_path / "runtimes" / "bitnet-404980e-build.log").read_text()
    assert "utils/codegen_tl1.py --model bitnet_b1_58-3B --BM 160,320,320 --BK 64,128,64 " \
           "--bm 32,64,32" in log and "-DBITNET_ARM_TL1=ON" in log
    assert build_steps.manifest(bitnet_build.SPEC)["kernels"] == "TL1"


def _repo(path: Path, files: dict[str, str]) -> str:
    path.mkdir(parents=True)
    for name, text in files.items():
        (path / name).parent.mkdir(parents=True, exist_ok=True)
        (path / name).write_text(text)
    git = ["git", "-C", str(path), "-c", "user.name=t", "-c", "user.email=t@t"]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "."], check=True)
    subprocess.run([*git, "commit", "-qm", "x"], check=True)
    return subprocess.run([*git, "rev-parse", "HEAD"], check=True, capture_output=True,
                          text=True).stdout.strip()


def test_git_route_fetches_both_pinned_commits(tmp_path, monkeypatch):
    """Real git, local repositories standing in for GitHub (tests never go online)."""
    if not subprocess.run(["git", "--version"], capture_output=True).returncode == 0:
        pytest.skip("git not installed")
    top = _repo(tmp_path / "BitNet", {m: "x\n" for m in bitnet_source._MARKERS})
    sub = _repo(tmp_path / "fork", {"CMakeLists.txt": "project(llama)\n"})
    monkeypatch.setattr(bitnet_source, "BITNET_COMMIT", top)
    monkeypatch.setattr(bitnet_source, "LLAMA_COMMIT", sub)
    monkeypatch.setenv("NEURO_TUI_BITNET_GIT", f"file://{tmp_path / 'BitNet'}")
    monkeypatch.setenv("NEURO_TUI_BITNET_LLAMA_GIT", f"file://{tmp_path / 'fork'}")
    work, log = tmp_path / "work", tmp_path / "log"
    work.mkdir()
    steps = []
    tree, origin = bitnet_source.prepare(None, work, log, lambda *a: steps.append(a[0]))
    assert bitnet_source.is_tree(tree) and origin == {"source": "git", "verified": True}
    assert (tree / "3rdparty" / "llama.cpp" / "CMakeLists.txt").is_file()
    assert steps[0] == "clone"
    monkeypatch.setattr(bitnet_source, "LLAMA_COMMIT", "0" * 40)
    with pytest.raises(Exception, match=r"could not clone bitnet.cpp .*offline: --source"):
        bitnet_source.prepare(None, tmp_path / "work2", log, lambda *a: None)


def test_setup_bitnet_builds_from_the_archive_in_shared(tools, tmp_path, shared_dir, monkeypatch):
    """`setup --bitnet` (and `--all`, what CI runs) takes ../shared's archive when it is there:
    the real archive, sha256-checked and unpacked, the real code generator; cmake scripted."""
    from tests.conftest import _REAL_RUNTIME_ROOT

    (tmp_path / "runtimes").mkdir()
    old = _REAL_RUNTIME_ROOT / "old-0.3.16"
    if not (old / "runtime.json").is_file():
        pytest.skip("needs the built upstream 0.3.16 runtime (setup)")
    (tmp_path / "runtimes" / "old-0.3.16").symlink_to(old)  # the step before bitnet: done
    monkeypatch.setenv("NEURO_TUI_SHARED", str(shared_dir))
    result = subprocess.run([sys.executable, "-m", "neuro_tui", "setup", "--bitnet"],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    archive = shared_dir / "bitnet-cpp" / bitnet_source.ARCHIVE_NAME
    assert f"building runtime bitnet-404980e from {archive}" in result.stderr
    info = build_steps.manifest(bitnet_build.SPEC)
    assert info["source"] == f"archive {archive.name}" and info["verified"] is True
    log = (tmp_path / "runtimes" / "bitnet-404980e-build.log").read_text()
    assert "codegen_tl2.py --model bitnet_b1_58-3B --BM 160,320,320 --BK 96,96,96" in log
    assert "✓ runtime old-0.3.16" in result.stderr and "ready" in result.stderr


def test_a_runtime_missing_an_extra_is_completed_by_install_only(tools, tree, tmp_path):
    """Runtimes built before llama-server was a target gain it on the next `runtime install`;
    the app and the tests (build() without complete) never start that rebuild themselves."""
    assert cli("--flavor", "bitnet", "--source", str(tree)).returncode == 0
    root = tmp_path / "runtimes" / "bitnet-404980e"
    (root / "bin" / "llama-server").unlink()  # as an older install left it
    assert build_steps.missing_extras(bitnet_build.SPEC) == ["llama-server"]
    assert set(bitnet_build.build(source=tree)) == {"llama-cli"}  # no rebuild
    result = cli("--flavor", "bitnet", "--source", str(tree))
    assert result.returncode == 0 and "compiling llama-server" in result.stderr
    assert (root / "bin" / "llama-server").is_file()
    assert build_steps.missing_extras(bitnet_build.SPEC) == []
