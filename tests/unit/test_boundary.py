"""The UI-free core (engine/, retrieval/, models/, chat/) must never import textual, and the
layers only import downwards: app/cli -> chat -> engine/retrieval/models.

These are the contracts harlequin writes for import-linter; checked here from the AST so
the suite needs no extra tool."""

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "neuro_tui"
CORE = ["engine", "retrieval", "models", "chat"]
# folder -> packages it must not import (higher layers)
LAYERS = {
    "engine": ["neuro_tui.chat", "neuro_tui.app", "neuro_tui.cli"],
    "retrieval": ["neuro_tui.chat", "neuro_tui.app", "neuro_tui.cli"],
    "models": ["neuro_tui.chat", "neuro_tui.app", "neuro_tui.cli"],
    "chat": ["neuro_tui.app", "neuro_tui.cli"],
}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)  # from x import y
    return names


@pytest.mark.parametrize("folder", CORE)
def test_core_sources_do_not_import_textual(folder):
    offenders = [
        f"{path.relative_to(PACKAGE)} imports {name}"
        for path in sorted((PACKAGE / folder).rglob("*.py"))
        for name in _imports(path)
        if name == "textual" or name.startswith("textual.") or name.startswith("neuro_tui.app")
    ]
    assert offenders == []


@pytest.mark.parametrize("folder", sorted(LAYERS))
def test_layers_only_import_downwards(folder):
    offenders = [
        f"{path.relative_to(PACKAGE)} imports {name}"
        for path in sorted((PACKAGE / folder).rglob("*.py"))
        for name in _imports(path)
        for above in LAYERS[folder]
        if name == above or name.startswith(above + ".")
    ]
    assert offenders == []


def test_importing_every_core_module_loads_no_textual():
    """Catches indirect imports too: load all core modules in a fresh interpreter."""
    modules = [
        "neuro_tui." + ".".join(path.relative_to(PACKAGE).with_suffix("").parts)
        for folder in CORE
        for path in sorted((PACKAGE / folder).rglob("*.py"))
        if path.name != "__main__.py"
    ]
    code = (
        "import importlib, sys\n"
        f"for name in {modules!r}: importlib.import_module(name)\n"
        "loaded = sorted(m for m in sys.modules if m == 'textual' or m.startswith('textual.'))\n"
        "print(','.join(loaded))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == ""
