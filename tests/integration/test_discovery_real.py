"""Discovery order and flavor detection on the real built llama-cli binaries."""

import os

import pytest

from neuro_tui.engine import discovery
from neuro_tui.engine.events import Flavor

pytestmark = pytest.mark.integration


def test_real_binaries_are_classified(llama_cli_old, llama_cli_new, llama_completion_new):
    assert discovery.inspect(llama_cli_old, "t").flavor is Flavor.UPSTREAM_CNV
    assert discovery.inspect(llama_cli_new, "t").flavor is Flavor.UPSTREAM_CHAT
    assert discovery.inspect(llama_completion_new, "t").flavor is Flavor.UPSTREAM_CNV
    assert discovery.inspect(llama_cli_old, "t").version == "1 (4227c9b)"


def test_order_flag_env_path_runtime(tmp_path, monkeypatch, llama_cli_old, llama_cli_new):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HOME", str(tmp_path))
    bindir = tmp_path / "bin"
    bindir.mkdir()
    (bindir / "llama-cli-bitnet").symlink_to(llama_cli_new)
    env = {"PATH": str(bindir)}
    # installed runtimes are found when nothing else is
    assert discovery.choose(environ={"PATH": ""}).origin.startswith("runtime ")
    # llama-cli-bitnet on PATH comes before the installed runtimes
    assert discovery.choose(environ=env).origin == "llama-cli-bitnet on PATH"
    # BITNET_CLI_PATH beats PATH, --cli beats both
    env["BITNET_CLI_PATH"] = str(llama_cli_old)
    chosen = discovery.choose(environ=env)
    assert (chosen.origin, chosen.flavor) == ("BITNET_CLI_PATH", Flavor.UPSTREAM_CNV)
    chosen = discovery.choose(str(llama_cli_new), environ=env)
    assert (chosen.origin, chosen.flavor) == ("--cli", Flavor.UPSTREAM_CHAT)


def test_bitnet_build_folder_is_searched(tmp_path, monkeypatch, llama_cli_old):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HOME", str(tmp_path))
    folder = tmp_path / "BitNet" / "build" / "bin"
    folder.mkdir(parents=True)
    (folder / "llama-cli").symlink_to(llama_cli_old)
    assert discovery.choose(environ={"PATH": ""}).origin == "bitnet.cpp build folder"
    assert os.path.samefile(discovery.choose(environ={"PATH": ""}).path, llama_cli_old)


def test_bitnet_runtime_is_classified_with_its_pinned_commits(llama_cli_bitnet):
    """bitnet.cpp's build says "version: 0 (unknown)": the runtime names its commits."""
    found = discovery.inspect(llama_cli_bitnet, "t")
    assert found.flavor is Flavor.BITNET
    assert found.version == "bitnet.cpp 404980e (llama.cpp 40ed0f2)"


def test_bitnet_model_gets_the_bitnet_runtime(tmp_path, monkeypatch, llama_cli_bitnet,
                                              llama_cli_old):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HOME", str(tmp_path))
    chosen = discovery.choose(environ={"PATH": ""}, want={Flavor.BITNET})
    assert (chosen.origin, chosen.path) == ("runtime bitnet-404980e", llama_cli_bitnet)
    # any-llama.cpp models keep the upstream build (faster here; the reference runtime)
    assert discovery.choose(environ={"PATH": ""}).origin == "runtime old-0.3.16"
