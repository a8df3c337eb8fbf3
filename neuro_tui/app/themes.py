"""Theme files: TOML whose keys are Textual's Theme fields, from themes/ and the config dir.

    name = "neuro-dark"
    primary = "#5FAFFF"
    dark = true
    [variables]
    footer-key-foreground = "#5FAFFF"

The last chosen theme is remembered in the data dir (not written into the user's config).
"""

from __future__ import annotations

import json
import tomllib
import warnings
from dataclasses import fields
from pathlib import Path

from textual.theme import Theme

from neuro_tui import paths

_FIELDS = {f.name for f in fields(Theme)}


def theme_dirs() -> list[Path]:
    return [paths.repo_themes_dir(), paths.config_dir() / "themes"]


def load_theme(path: Path) -> Theme:
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    unknown = set(data) - _FIELDS
    if unknown:
        raise ValueError(f"unknown theme keys {sorted(unknown)}")
    data.setdefault("name", path.stem)
    return Theme(**data)


def load_themes() -> list[Theme]:
    """Repo themes first; a user theme with the same name wins. Broken files are warned about."""
    found: dict[str, Theme] = {}
    for folder in theme_dirs():
        for path in sorted(folder.glob("*.toml")) if folder.is_dir() else []:
            try:
                theme = load_theme(path)
            except (ValueError, TypeError, tomllib.TOMLDecodeError) as error:
                warnings.warn(f"theme {path}: {error}", stacklevel=2)
                continue
            found[theme.name] = theme
    return list(found.values())


def _state_file() -> Path:
    return paths.data_dir() / "ui-state.json"


def remembered_theme() -> str | None:
    try:
        return json.loads(_state_file().read_text(encoding="utf-8")).get("theme")
    except (OSError, ValueError, AttributeError):
        return None


def remember_theme(name: str) -> None:
    path = _state_file()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps({"theme": name}), encoding="utf-8")
    except OSError:
        pass


def initial_theme(config) -> str:
    """A --theme flag wins, then the remembered choice, then the config file's ui.theme."""
    source = getattr(config, "source", {}).get("theme", "default")
    if source.startswith("--"):
        return config.theme
    return remembered_theme() or config.theme
