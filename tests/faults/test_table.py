"""The fault table in docs/troubleshooting.md names tests that exist, and the suite holds
every test of tests/faults (a renamed or deleted test must not leave a row unbacked)."""

from __future__ import annotations

import re

from tests.faults.conftest import HERE, REPO, TABLE, table_tests


def test_every_named_test_exists():
    listed = table_tests()
    assert len(listed) >= 20
    for file, name in sorted(listed):
        source = (REPO / file).read_text(encoding="utf-8")
        assert re.search(rf"^(async )?def {name}\(", source, re.M), f"{file}::{name} is gone"


def test_every_fault_test_file_is_in_the_table():
    text = TABLE.read_text(encoding="utf-8")
    for path in HERE.glob("test_*.py"):
        if path.name != "test_table.py":
            assert f"tests/faults/{path.name}::" in text, f"{path.name} has no row"


def test_rows_say_what_happens_and_what_is_kept():
    text = TABLE.read_text(encoding="utf-8")
    rows = [line for line in text[text.index("## What survives what"):].splitlines()
            if line.startswith("| ") and not line.startswith(("| Case", "|---"))]
    for row in rows:
        cells = [c.strip() for c in row.strip("|").split("|")]
        assert len(cells) == 4, row
        if "to fill" not in cells[1]:
            assert all(cells), row
