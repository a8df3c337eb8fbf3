"""`neuro-tui runtime install`: real builds from the cached PyPI sdist."""

import dataclasses
import json
import subprocess
import sys

import pytest

from neuro_tui.engine import runtime_build
from neuro_tui.errors import MissingError, NeuroError

pytestmark = pytest.mark.integration


def test_installed_runtime_has_manifest_and_runs(llama_cli_old):
    root = runtime_build.install_dir(runtime_build.RUNTIMES["old"])
    manifest = json.loads((root / "runtime.json").read_text())
    assert manifest["llama_cpp_python"] == "0.3.16"
    assert manifest["sdist_sha256"] == runtime_build.RUNTIMES["old"].sha256
    out = subprocess.run([llama_cli_old, "--version"], capture_output=True, text=True)
    assert "4227c9b" in out.stdout + out.stderr


def test_second_install_is_a_no_op(llama_cli_old):
    manifest = runtime_build.install_dir(runtime_build.RUNTIMES["old"]) / "runtime.json"
    before = manifest.stat().st_mtime_ns
    result = subprocess.run([sys.executable, "-m", "neuro_tui", "runtime", "install"],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "already installed" in result.stderr
    assert manifest.stat().st_mtime_ns == before


def test_failed_build_leaves_nothing_installed(llama_cli_old, tmp_path, monkeypatch):
    """A build that fails (here: a target that does not exist) installs nothing."""
    monkeypatch.setenv("NEURO_TUI_RUNTIME_DIR", str(tmp_path / "runtimes"))
    spec = dataclasses.replace(runtime_build.RUNTIMES["old"], flavor="broken",
                               targets=("no-such-target",))
    expected = r"cmake failed \(exit \d+\); see .*broken-0.3.16-build.log"
    with pytest.raises(NeuroError, match=expected):
        runtime_build.build(spec, jobs=1)
    runtimes = tmp_path / "runtimes"
    left = sorted(p.name for p in runtimes.iterdir() if not p.name.endswith(".lock"))
    assert left == ["broken-0.3.16-build.log"]
    assert runtime_build.installed_binaries(spec) == {}


def test_missing_cmake_names_the_tool_and_the_install_command(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    spec = dataclasses.replace(runtime_build.RUNTIMES["old"], flavor="nocmake")
    monkeypatch.setenv("NEURO_TUI_RUNTIME_DIR", str(tmp_path / "runtimes"))
    with pytest.raises(MissingError) as caught:
        runtime_build.build(spec)
    message = str(caught.value)
    assert "cmake not found: sudo apt-get install cmake (macOS: brew install cmake)" in message
    assert "no C++ compiler found" in message
    assert not (tmp_path / "runtimes").exists()


def test_runtime_list_json_shows_the_selected_binary(llama_cli_old):
    result = subprocess.run([sys.executable, "-m", "neuro_tui", "runtime", "list", "--json"],
                            capture_output=True, text=True, timeout=60)
    data = json.loads(result.stdout)
    names = [entry["name"] for entry in data["installed"]]
    assert "old-0.3.16" in names
    assert data["selected"]["flavor"] in ("old", "new", "bitnet")
