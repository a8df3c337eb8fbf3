"""A grounding glyph written after [n] must not turn the model's Markdown into other
Markdown: "[4]" + "!" before "[text](url)" made an image (seen in tmux: rich showed
"🌆 and another list" and the words around it moved)."""

from __future__ import annotations

import io

from rich.console import Console
from rich.markdown import Markdown

from neuro_tui.app.grounding_marks import marked_answer
from neuro_tui.retrieval.grounding import ground

ANSWER = ("The river is long [2] and the city is old [1]. It lists a set of "
          "[4][and another list](https://example.invalid/list.md) of bridges.")
SOURCES = {1: ["The city is old."], 2: ["The river is long."]}


def rendered(markdown: str) -> str:
    console = Console(file=io.StringIO(), width=200, color_system=None)
    console.print(Markdown(markdown))
    return console.file.getvalue()


def test_marks_keep_every_word_and_make_no_image():
    text = rendered(marked_answer(ANSWER, ground(ANSWER, SOURCES)))
    assert "🌆" not in text
    assert "[4]!" in text and "[1]" in text and "[2]" in text
    for word in ("river", "city", "old", "lists", "another", "list", "bridges"):
        assert word in text, (word, text)
