"""Generated reference docs must match the code (configuration table, key bindings)."""

import runpy
from pathlib import Path

DOCS = Path(__file__).resolve().parents[2] / "docs"


def test_generated_docs_are_current(monkeypatch):
    monkeypatch.setenv("NEURO_TUI_DATA_DIR", "")  # document the platform default, not the test's
    module = runpy.run_path(str(DOCS / "gen_reference.py"))
    for path, text in module["outputs"]().items():
        assert path.read_text(encoding="utf-8") == text, (
            f"{path.name} is stale: run `python docs/gen_reference.py`")


def test_every_key_binding_is_documented():
    from neuro_tui.app import keys

    assert keys.undocumented_actions() == []
    rows = keys.key_rows()
    assert ("Chat", "F2", keys.DETAILS["toggle_timing"]) in rows
    assert ("Everywhere", "Ctrl+Q", keys.DETAILS["quit"]) in rows
    assert any(row[1] == "Shift+Enter, Ctrl+J" for row in rows)
    assert any(row[1] == "1-9" and row[0] == "Sources pane" for row in rows)
