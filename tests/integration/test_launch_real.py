"""Model + runtime matching before anything is spawned (README promise: clear errors)."""

import subprocess
import sys

import pytest

from neuro_tui import config
from neuro_tui.engine.events import Flavor
from neuro_tui.errors import MissingError
from neuro_tui.launch import build_session_spec

pytestmark = pytest.mark.integration


def neuro(*args):
    return subprocess.run([sys.executable, "-m", "neuro_tui", *args], capture_output=True,
                          text=True, timeout=120)


def test_offline_default_gets_an_upstream_runtime(smollm2, llama_cli_old):
    spec = build_session_spec(config.load({"model": str(smollm2)}))
    assert spec.model == smollm2 and spec.flavor in (Flavor.UPSTREAM_CNV, Flavor.UPSTREAM_CHAT)
    assert spec.params.max_tokens == 512


@pytest.fixture
def without_bitnet_cpp(tmp_path, monkeypatch, llama_cli_old):
    """Only the upstream runtime installed (CI also builds bitnet.cpp's)."""
    runtimes = tmp_path / "runtimes"
    runtimes.mkdir()
    (runtimes / "old-0.3.16").symlink_to(llama_cli_old.parent.parent)
    monkeypatch.setenv("NEURO_TUI_RUNTIME_DIR", str(runtimes))
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.chdir(tmp_path)


@pytest.mark.parametrize("name", ["tiny-bitnet-b1.58-i2_s.gguf", "tiny-bitnet-b1.58-f32.gguf"])
def test_bitnet_model_on_upstream_binary_is_refused_by_name(shared_dir, llama_cli_old, name,
                                                            without_bitnet_cpp):
    model = shared_dir / "models" / name
    with pytest.raises(MissingError, match="this model needs bitnet.cpp's llama-cli"):
        build_session_spec(config.load({"model": str(model), "cli": str(llama_cli_old)}))
    with pytest.raises(MissingError, match="this model needs bitnet.cpp's llama-cli"):
        build_session_spec(config.load({"model": str(model)}))


def test_doctor_is_all_green_with_the_offline_default(smollm2, llama_cli_old):
    result = neuro("doctor", "--model", "smollm2")
    assert result.returncode == 0, result.stdout
    assert "✗" not in result.stdout and "ready to chat" in result.stdout


def test_doctor_explains_a_bitnet_model_without_bitnet_cpp(shared_dir, without_bitnet_cpp):
    result = neuro("doctor", "--model", str(shared_dir / "models" / "tiny-bitnet-b1.58-i2_s.gguf"))
    assert result.returncode == 3
    assert "✗ llama-cli    this model needs bitnet.cpp's llama-cli" in result.stdout
    assert "neuro-tui runtime install --flavor bitnet" in result.stdout
    assert "BITNET_CLI_PATH" in result.stdout


def test_doctor_names_the_bitnet_runtime_for_a_bitnet_model(shared_dir, llama_cli_bitnet):
    result = neuro("doctor", "--model", str(shared_dir / "models" / "tiny-bitnet-b1.58-i2_s.gguf"))
    assert result.returncode == 0, result.stdout
    assert (f"✓ llama-cli    {llama_cli_bitnet} (flavor bitnet, version bitnet.cpp 404980e "
            "(llama.cpp 40ed0f2), via runtime bitnet-404980e)") in result.stdout
    assert "bitnet-404980e (bitnet.cpp 404980e (llama.cpp 40ed0f2)) + llama-server" in \
        result.stdout


def test_doctor_with_a_broken_bitnet_cli_path(tmp_path):
    bogus = tmp_path / "llama-cli"
    bogus.write_text("#!/bin/sh\necho hello\n")
    bogus.chmod(0o755)
    result = subprocess.run([sys.executable, "-m", "neuro_tui", "doctor"], capture_output=True,
                            text=True, timeout=120,
                            env={**__import__("os").environ, "BITNET_CLI_PATH": str(bogus)})
    assert result.returncode == 3
    assert f"BITNET_CLI_PATH={bogus} is not a llama-cli" in result.stdout
