"""Shared fixtures: the real llama-cli runtimes, the real SmolLM2 model, ../shared data.

The runtimes and the model are built/fetched on first use and cached outside the repo
(the platform data dir and ~/.cache/neuro-bitnet/models), so a fresh clone needs no manual
step and later runs are instant. Every test gets its own config/data dirs.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from neuro_tui import paths

REPO = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("NEURO_TUI_SHARED", REPO.parent / "shared"))
FAKES = REPO / "tests" / "fakes"

# Resolve the real caches once, before any test redirects the data dirs.
_REAL_RUNTIME_ROOT = paths.runtime_root()
_REAL_MODELS_DIR = paths.models_dir()
_REAL_CACHE_DIR = paths.cache_dir()


@pytest.fixture(autouse=True)
def isolated_dirs(tmp_path_factory, monkeypatch):
    """Config, data and sessions in a temp dir; built runtimes and models stay shared."""
    home = tmp_path_factory.mktemp("neuro-home")
    monkeypatch.setenv("NEURO_TUI_CONFIG_DIR", str(home / "config"))
    monkeypatch.setenv("NEURO_TUI_DATA_DIR", str(home / "data"))
    monkeypatch.setenv("NEURO_TUI_RUNTIME_DIR", str(_REAL_RUNTIME_ROOT))
    monkeypatch.setenv("NEURO_TUI_CACHE_DIR", str(_REAL_CACHE_DIR))
    monkeypatch.setenv("NEURO_BITNET_MODELS_DIR", str(_REAL_MODELS_DIR))
    for name in ("BITNET_CLI_PATH", "NEURO_TUI_CONFIG", "NEURO_TUI_MODEL", "NEURO_TUI_CLI"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HF_HUB_DISABLE_TELEMETRY", "1")
    return home


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    if not SHARED.is_dir():
        pytest.fail(f"../shared not found at {SHARED} (set NEURO_TUI_SHARED)")
    return SHARED


@pytest.fixture(scope="session")
def transcripts_dir(shared_dir) -> Path:
    return shared_dir / "transcripts"


def _runtime(flavor: str) -> dict[str, Path]:
    from neuro_tui.engine import runtime_build

    os.environ.setdefault("NEURO_TUI_RUNTIME_DIR", str(_REAL_RUNTIME_ROOT))
    return runtime_build.build(runtime_build.RUNTIMES[flavor])


@pytest.fixture(scope="session")
def llama_cli_old() -> Path:
    """Upstream llama-cli 0.3.16 (old protocol), built from the PyPI sdist if missing."""
    return _runtime("old")["llama-cli"]


@pytest.fixture(scope="session")
def llama_cli_new() -> Path:
    """Upstream llama-cli 0.3.36 (new chat protocol)."""
    return _runtime("new")["llama-cli"]


@pytest.fixture(scope="session")
def llama_completion_new() -> Path:
    """llama-completion 0.3.36: the old protocol from the newer tree."""
    return _runtime("new")["llama-completion"]


@pytest.fixture(scope="session")
def llama_cli_bitnet(shared_dir) -> Path:
    """bitnet.cpp's llama-cli (404980e), built once from ../shared's pinned source archive."""
    from neuro_tui.engine import bitnet_build, bitnet_source

    os.environ.setdefault("NEURO_TUI_RUNTIME_DIR", str(_REAL_RUNTIME_ROOT))
    archive = shared_dir / "bitnet-cpp" / bitnet_source.ARCHIVE_NAME
    return bitnet_build.build(source=archive)["llama-cli"]


@pytest.fixture(scope="session")
def tiny_i2s(shared_dir) -> Path:
    """A real BitNet b1.58 I2_S GGUF (2 layers, random ternary weights: garbage text)."""
    return shared_dir / "models" / "tiny-bitnet-b1.58-i2_s.gguf"


@pytest.fixture(scope="session")
def smollm2() -> Path:
    from neuro_tui.models import smollm2 as smol

    return smol.ensure(_REAL_MODELS_DIR)


@pytest.fixture(scope="session")
def fake_llama_cli() -> Path:
    """The scripted llama-cli (tests/fakes/fake_llama_cli.py) as an executable path."""
    return FAKES / "fake-llama-cli"


@pytest.fixture(autouse=True)
def _fresh_help_cache():
    """engine/args caches each binary's `--help` by path (right for real binaries); the fake
    is one path whose help follows FAKE_FLAVOR, so a test must not see another test's."""
    from neuro_tui.engine import args

    args._help_text.cache_clear()
    yield
