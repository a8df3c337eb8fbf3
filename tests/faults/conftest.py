"""The fault suite (issue #12): every test here is marked `faults`; tests of faults that live
elsewhere carry the mark too, so `pytest -m faults` runs the whole table in
docs/troubleshooting.md. Plain `pytest` (CI) runs them with everything else."""

from __future__ import annotations

import re
import struct
from pathlib import Path

import pytest

# LlamaSession over the fake llama-cli: the fixture of the engine's own fault tests, shared
from tests.unit.test_session_faults import make  # noqa: F401

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
TABLE = REPO / "docs" / "troubleshooting.md"
_REF = re.compile(r"`(tests/[\w/]+\.py)::(\w+)`")


def table_tests() -> set[tuple[str, str]]:
    """(file, test function) of every test the fault table in docs/troubleshooting.md names."""
    text = TABLE.read_text(encoding="utf-8")
    return set(_REF.findall(text[text.index("## What survives what"):]))


def pytest_collection_modifyitems(items):
    listed = table_tests()
    for item in items:
        path = Path(str(item.fspath)).resolve()
        name = getattr(item, "originalname", item.name)
        if path.parent == HERE or (str(path.relative_to(REPO)), name) in listed:
            item.add_marker(pytest.mark.faults)


def tiny_gguf(path: Path) -> Path:
    """The smallest GGUF header neuro-tui accepts (arch llama, no tensors): enough for the
    fake llama-cli, which never reads it."""
    def s(text: str) -> bytes:
        return struct.pack("<Q", len(text)) + text.encode()
    path.write_bytes(b"GGUF" + struct.pack("<IQQ", 3, 0, 1) + s("general.architecture")
                     + struct.pack("<I", 8) + s("llama"))
    return path
