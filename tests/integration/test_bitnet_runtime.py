"""The real bitnet.cpp build from ../shared's pinned archive (built once, cached like the
upstream runtimes): what `runtime install --flavor bitnet --source ARCHIVE` leaves."""

import json
import subprocess
import sys

import pytest

from neuro_tui.engine import bitnet_build, bitnet_source, build_steps

pytestmark = pytest.mark.integration


def test_archive_build_is_installed_static_and_pinned(llama_cli_bitnet):
    root = build_steps.install_dir(bitnet_build.SPEC)
    assert llama_cli_bitnet == root / "bin" / "llama-cli" and root.name == "bitnet-404980e"
    info = json.loads((root / "runtime.json").read_text())
    assert info["bitnet_commit"] == bitnet_source.BITNET_COMMIT
    assert info["llama_cpp_commit"] == bitnet_source.LLAMA_COMMIT
    assert info["verified"] is True and info["kernels"] in ("TL2", "TL1")
    assert int(info["compiler"].split()[1].split(".")[0]) >= 18
    shown = subprocess.run([llama_cli_bitnet, "--help"], capture_output=True, text=True,
                           timeout=30)
    assert "-cnv" in shown.stdout + shown.stderr
    linked = subprocess.run(["ldd", str(llama_cli_bitnet)], capture_output=True, text=True)
    assert "libllama" not in linked.stdout and "libggml" not in linked.stdout  # static
    assert (root / "bin" / "llama-server").is_file()  # for the server engine (issue #15)


def test_second_install_from_the_archive_is_a_no_op(llama_cli_bitnet, shared_dir):
    manifest = build_steps.install_dir(bitnet_build.SPEC) / "runtime.json"
    before = manifest.stat().st_mtime_ns
    archive = shared_dir / "bitnet-cpp" / bitnet_source.ARCHIVE_NAME
    result = subprocess.run([sys.executable, "-m", "neuro_tui", "runtime", "install", "--flavor",
                             "bitnet", "--source", str(archive)],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "bitnet-404980e already installed" in result.stderr
    assert manifest.stat().st_mtime_ns == before
