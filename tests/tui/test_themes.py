"""Theme files, user themes, --theme, palette switching and the remembered choice."""

from __future__ import annotations

import pytest

from neuro_tui import config as config_mod
from neuro_tui import paths
from neuro_tui.app import themes


def test_repo_themes_load_with_valid_fields():
    names = {t.name for t in themes.load_themes()}
    assert {"neuro-dark", "neuro-light", "neuro-256", "neuro-solar"} <= names


def test_user_theme_and_broken_file_warning():
    folder = paths.config_dir() / "themes"
    folder.mkdir(parents=True)
    (folder / "mine.toml").write_text('name = "mine"\nprimary = "#ff0000"\ndark = true\n')
    (folder / "bad.toml").write_text('primry = "#ff0000"\n')
    with pytest.warns(UserWarning, match="bad.toml"):
        found = {t.name: t for t in themes.load_themes()}
    assert found["mine"].primary == "#ff0000"


async def test_theme_flag_wins_then_switch_is_remembered(make_app):
    app = make_app(config=config_mod.load({"theme": "neuro-256"}))
    async with app.run_test(size=(100, 30)) as pilot:
        assert app.theme == "neuro-256"
        await pilot.press("ctrl+t")
        switched = app.theme
        assert switched != "neuro-256"
    assert themes.remembered_theme() == switched
    again = make_app(config=config_mod.load({}))
    async with again.run_test(size=(100, 30)):
        assert again.theme == switched


async def test_unknown_theme_falls_back_to_default(make_app):
    app = make_app(config=config_mod.load({"theme": "no-such"}))
    async with app.run_test(size=(100, 30)):
        assert app.theme == "neuro-dark"
