"""The one cleaner (neuro_tui/textsafe.py): the hostile table, whole and streamed."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from neuro_tui.textsafe import StreamCleaner, one_line, strip_controls
from tests.hostile_text import CASES, escaped

EVIL = "a\x1b]52;c;cHduZWQ=\x07b\x1b[31mc\x1b[0m\x1bPq#0\x1b\\d\x9b2Je\x07f\rg"


@pytest.mark.parametrize(("name", "text", "visible"), CASES, ids=[c[0] for c in CASES])
def test_hostile_table(name, text, visible):
    assert strip_controls(text) == visible
    assert escaped(strip_controls(text)) == []


@pytest.mark.parametrize(("name", "text", "visible"), CASES, ids=[c[0] for c in CASES])
@pytest.mark.parametrize("size", [1, 2, 3, 7])
def test_hostile_table_streamed(name, text, visible, size):
    cleaner = StreamCleaner()
    out = "".join(cleaner.feed(text[i:i + size]) for i in range(0, len(text), size))
    assert out + cleaner.finish() == visible


def test_clean_strips_sequences_and_controls():
    assert strip_controls(EVIL) == "abcdef\ng"  # a lone CR is a line break: g is kept
    assert strip_controls("[bold red]x[/] \\x1b]52;") == "[bold red]x[/] \\x1b]52;"
    assert strip_controls("tab\tand\nnewline\r\n") == "tab\tand\nnewline\n"


def test_stream_holds_back_nothing_but_a_cr():
    cleaner = StreamCleaner()
    assert cleaner.feed("start \x1b]0;x ") == "start "
    words = "word " * 100  # an unterminated OSC: text resumes after MAX_STRING characters
    streamed = "".join(cleaner.feed(w + " ") for w in words.split())
    assert streamed.count("word") > 40
    assert cleaner.feed("line\r") == "line" and cleaner.feed("next") == "\nnext"


@given(st.integers(min_value=1, max_value=7))
def test_stream_cleaner_handles_sequences_split_anywhere(size):
    cleaner = StreamCleaner()
    pieces = [EVIL[i:i + size] for i in range(0, len(EVIL), size)]
    assert "".join(cleaner.feed(p) for p in pieces) + cleaner.finish() == "abcdef\ng"


@given(st.text(alphabet="ab\x1b[]52;\x07\\\n\r\x9b\x9d\u202e", max_size=60), st.integers(1, 5))
def test_stream_equals_whole_and_never_emits_escape(text, size):
    cleaner = StreamCleaner()
    out = "".join(cleaner.feed(text[i:i + size]) for i in range(0, len(text), size))
    out += cleaner.finish()
    assert out == strip_controls(text)
    assert escaped(out) == []


def test_one_line():
    assert one_line("a\x1b[31m\n b\u202e  c") == "a b c"
    assert one_line("x" * 300, 10) == "x" * 9 + "…"
