"""Safe text and Markdown block boundaries used by the streaming renderer."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from neuro_tui.app.markdown_log import block_starts
from neuro_tui.app.safe_text import StreamCleaner, clean

EVIL = "a\x1b]52;c;cHduZWQ=\x07b\x1b[31mc\x1b[0m\x1bPq#0\x1b\\d\x9b2Je\x07f\rg"


def test_clean_strips_sequences_and_controls():
    assert clean(EVIL) == "abcdefg"
    assert clean("[bold red]x[/] \\x1b]52;") == "[bold red]x[/] \\x1b]52;"
    assert clean("tab\tand\nnewline\r\n") == "tab\tand\nnewline\n"


@given(st.integers(min_value=1, max_value=7))
def test_stream_cleaner_handles_sequences_split_anywhere(size):
    cleaner = StreamCleaner()
    pieces = [EVIL[i:i + size] for i in range(0, len(EVIL), size)]
    out = "".join(cleaner.feed(p) for p in pieces) + cleaner.finish()
    assert out == "abcdefg"


@given(st.text(alphabet="ab\x1b[]52;\x07\\\n", max_size=40), st.integers(1, 5))
def test_stream_cleaner_never_emits_escape(text, size):
    cleaner = StreamCleaner()
    out = "".join(cleaner.feed(text[i:i + size]) for i in range(0, len(text), size))
    out += cleaner.finish()
    assert "\x1b" not in out and "\x07" not in out


def test_fence_with_blank_lines_is_one_block():
    src = "para\n\n```python\na = 1\n\n\nb = 2\n```\n\n1. one\n\n2. two\n\nend"
    starts = block_starts(src)
    lines = src.split("\n")
    assert [lines[i] for i in starts] == ["para", "```python", "1. one", "end"]


def test_open_fence_stays_open():
    src = "intro\n\n```\ncode\n\nmore"
    assert len(block_starts(src)) == 2  # intro + the still-open fence
