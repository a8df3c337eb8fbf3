"""`neuro-tui config path|show|edit` as a user runs them."""

import json
import subprocess
import sys

from neuro_tui import paths


def neuro(*args, env=None):
    return subprocess.run([sys.executable, "-m", "neuro_tui", *args], capture_output=True,
                          text=True, timeout=60, env=env)


def test_path_is_in_the_config_dir():
    result = neuro("config", "path")
    assert result.stdout.strip() == str(paths.config_file())


def test_show_reports_value_and_source(monkeypatch):
    paths.config_file().parent.mkdir(parents=True, exist_ok=True)
    paths.config_file().write_text("[generation]\ntop_k = 9\n")
    monkeypatch.setenv("NEURO_TUI_TEMPERATURE", "0.1")
    data = json.loads(neuro("config", "show", "--json").stdout)
    assert data["top_k"] == {"value": 9, "source": f"{paths.config_file()}:2"}
    assert data["temperature"] == {"value": 0.1, "source": "environment NEURO_TUI_TEMPERATURE"}
    assert data["ctx_size"] == {"value": 4096, "source": "default"}


def test_edit_creates_the_commented_defaults_and_validates(monkeypatch, tmp_path):
    editor = tmp_path / "editor.sh"
    editor.write_text('#!/bin/sh\nsed -i "s/^top_k = 40/top_k = many/" "$1"\n')
    editor.chmod(0o755)
    monkeypatch.setenv("EDITOR", str(editor))
    result = neuro("config", "edit")
    assert result.returncode == 2
    assert "invalid TOML" in result.stderr
    assert "# sampling temperature" in paths.config_file().read_text()


def test_bad_value_in_file_is_one_line_with_file_and_line():
    paths.config_file().parent.mkdir(parents=True, exist_ok=True)
    paths.config_file().write_text('[generation]\nctx_size = "big"\n')
    result = neuro("config", "show")
    assert result.returncode == 2
    assert result.stderr.strip() == (
        f"neuro-tui: error: {paths.config_file()}:2: ctx_size = 'big' is not a valid int")
    assert "Traceback" not in result.stderr
