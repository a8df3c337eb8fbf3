"""Markdown block boundaries used by the streaming renderer."""

from __future__ import annotations

from neuro_tui.app.markdown_log import block_starts

# The cleaner's tests (whole text and stream) moved to tests/unit/test_textsafe.py with the
# one cleaner (neuro_tui/textsafe.py); app/safe_text.py is gone.


def test_fence_with_blank_lines_is_one_block():
    src = "para\n\n```python\na = 1\n\n\nb = 2\n```\n\n1. one\n\n2. two\n\nend"
    starts = block_starts(src)
    lines = src.split("\n")
    assert [lines[i] for i in starts] == ["para", "```python", "1. one", "end"]


def test_open_fence_stays_open():
    src = "intro\n\n```\ncode\n\nmore"
    assert len(block_starts(src)) == 2  # intro + the still-open fence
