"""Where neuro-tui keeps things on disk.

platformdirs gives the right per-OS folders (XDG on Linux, ~/Library on macOS), so we do
not hand-roll them; every folder can be overridden by an environment variable, which is
also how the tests isolate themselves from the user's real data.
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP_NAME = "neuro-tui"


def _env_path(name: str) -> Path | None:
    value = os.environ.get(name)
    return Path(value).expanduser() if value else None


def config_dir() -> Path:
    return _env_path("NEURO_TUI_CONFIG_DIR") or Path(platformdirs.user_config_dir(APP_NAME))


def config_file() -> Path:
    return _env_path("NEURO_TUI_CONFIG") or config_dir() / "config.toml"


def data_dir() -> Path:
    return _env_path("NEURO_TUI_DATA_DIR") or Path(platformdirs.user_data_dir(APP_NAME))


def cache_dir() -> Path:
    return _env_path("NEURO_TUI_CACHE_DIR") or Path(platformdirs.user_cache_dir(APP_NAME))


def runtime_root() -> Path:
    """Built llama-cli runtimes: <runtime_root>/<flavor>-<version>/bin/."""
    return _env_path("NEURO_TUI_RUNTIME_DIR") or data_dir() / "runtime"


def models_dir() -> Path:
    """The seed's folder name, so existing neuro-bitnet users keep their downloads."""
    default = Path.home() / ".cache" / "neuro-bitnet" / "models"
    return _env_path("NEURO_BITNET_MODELS_DIR") or default


def index_dir() -> Path:
    return _env_path("NEURO_TUI_INDEX_DIR") or data_dir() / "index"


def sessions_dir() -> Path:
    return data_dir() / "sessions"


def logs_dir() -> Path:
    return data_dir() / "logs"


def repo_themes_dir() -> Path:
    """Themes shipped with the project (top-level themes/ folder)."""
    return Path(__file__).resolve().parent.parent / "themes"
