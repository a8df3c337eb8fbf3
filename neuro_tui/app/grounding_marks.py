"""Grounding marks for a finished answer (issue 14), as the chat pane and sources pane
show them.

`retrieval.grounding.ground` scores each sentence carrying [n] against source n's
passages (word overlap with the index's analyzer, no model). Here: which sources to pass
(the turn's own, so [n] means what it meant in the prompt), the glyph written after each
marker, and the short lines of the summary and the detail list. Plain text only.
"""

from __future__ import annotations

import re

from neuro_tui.chat.transcript import Turn
from neuro_tui.retrieval.grounding import (
    NO_SOURCE,
    NOT_FOUND,
    SUPPORTED,
    WEAK,
    Citation,
    Grounding,
    ground,
    words,
)
from neuro_tui.retrieval.query import tokens

GLYPH = {SUPPORTED: "✓", WEAK: "≈", NOT_FOUND: "?", NO_SOURCE: "!"}
STYLE = {SUPPORTED: "bold green", WEAK: "bold yellow", NOT_FOUND: "bold red",
         NO_SOURCE: "bold reverse red", "uncited": "dim"}
WORDS = {SUPPORTED: "supported", WEAK: "weak", NOT_FOUND: "not found",
         NO_SOURCE: "not a source", "uncited": "not cited"}
MARKER = re.compile(r"(?<!\w)\[(\d{1,3}(?:\s*[,;]\s*\d{1,3})*)\]")  # as grounding.py reads
LIMITS = ("word overlap only: it cannot see negation or words combined differently than in "
          "the source. A pointer to check, not a proof.")


def ground_turn(turn: Turn | None) -> Grounding | None:
    """Marks for a finished answer; None when there is nothing to check (no answer, or
    neither sources nor any [n])."""
    if turn is None or not turn.finished or not turn.answer:
        return None
    if not turn.sources and "[" not in turn.answer:
        return None
    return ground(turn.answer, {s.number: [p for p in (s.before, s.text, s.after) if p]
                                for s in turn.sources})


def marked_answer(answer: str, grounding: Grounding) -> str:
    """The answer with each marker followed by its glyphs: "France [1]✓." (only in the
    sentences grounding scored, so `x[1]` in code stays as it is). The glyphs are
    backslash-escaped Markdown, so they never join the model's text into new syntax."""
    inserts: list[tuple[int, str]] = []
    for sentence in grounding.sentences:
        verdicts = {c.number: c.verdict for c in sentence.citations}
        for match in MARKER.finditer(answer, sentence.start, sentence.end):
            numbers = [int(n) for n in re.split(r"[,;]", match.group(1))]
            glyphs = "".join(GLYPH[verdicts[n]] for n in numbers if n in verdicts)
            if glyphs:  # escaped: "[4]!" before "[text](url)" would be a Markdown image
                inserts.append((match.end(), glyphs.replace("!", "\\!").replace("?", "\\?")))
    for at, glyphs in sorted(inserts, reverse=True):
        answer = answer[:at] + glyphs + answer[at:]
    return answer


def summary(grounding: Grounding, key: str = "Ctrl+L") -> str:
    """The one line under a checked answer."""
    marks = [c.verdict for s in grounding.sentences for c in s.citations]
    if not marks:
        if grounding.uncited:
            return "citations: none in this answer (its sources are dimmed)"
        return ""
    parts = [f"{marks.count(v)} {WORDS[v]}" for v in (SUPPORTED, WEAK, NOT_FOUND)
             if marks.count(v)]
    if grounding.unknown:
        parts.append(", ".join(f"[{n}]" for n in grounding.unknown) + " not a source")
    return f"citations: {', '.join(parts)} · {key} details"


def as_written(sentence: str) -> dict[str, str]:
    """Analyzed word -> the word as the sentence wrote it ("pari" -> "paris")."""
    out: dict[str, str] = {}
    for token in tokens(sentence):
        for analyzed in words(token):
            out.setdefault(analyzed, token)
    return out


def citation_detail(citation: Citation, sentence: str = "") -> str:
    if citation.verdict == NO_SOURCE:
        return f"[{citation.number}] is not one of this answer's sources"
    shown = as_written(sentence)
    found = ", ".join(shown.get(w, w) for w in citation.matched) or "none"
    missing = ", ".join(shown.get(w, w) for w in citation.missing) or "none"
    return f"matched: {found} · not in the source: {missing}"
