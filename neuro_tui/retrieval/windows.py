"""Query-focused windows: the sentences of a passage around the words that matched.

Why: a 2 KB passage costs ~500 prompt tokens, about 3 s of prefill for SmolLM2 on one core,
while the sentences that hold the query's words are usually 60-120 tokens. Reading less
makes the first token come sooner and gives a small model less to get lost in.

A passage is cut into units (sentences; blank-line paragraphs; lines of lists and code;
and never more than MAX_UNIT_CHARS, so a 20 KB line without punctuation still splits). The
window starts at the unit matching the most distinct query terms, grows to neighbours that
add terms, and while shorter than `min_chars` to the following unit (which usually explains
the match), never past `max_chars` (the packer sizes it from the budget).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from neuro_tui.retrieval.query import STOPWORDS, tokens

MAX_WINDOW_CHARS = 560  # ~140 SmolLM2 tokens of prose (budget.py asks for 140-360)
MAX_UNIT_CHARS = 320
MIN_WINDOW_CHARS = 200  # a lone matching heading line is not a useful window
_UNIT = re.compile(r"[^\n]*?(?:[.!?](?=\s)|\n|$)", re.S)


@dataclass(frozen=True)
class Window:
    text: str
    start: int  # character offsets in the passage
    end: int
    terms: frozenset[str]  # query terms the window contains


def query_terms(question: str) -> frozenset[str]:
    """Content words of the question as the index tokenizes them (all words if only
    stopwords remain: "what is it?" still looks for "it")."""
    words = tokens(question)
    content = [w for w in words if w not in STOPWORDS]
    return frozenset(content or words)


def units(text: str) -> list[tuple[int, int]]:
    """(start, end) spans covering the text: sentences and lines, each <= MAX_UNIT_CHARS."""
    spans: list[tuple[int, int]] = []
    for match in _UNIT.finditer(text):
        start, end = match.span()
        if end <= start:
            continue
        while end - start > MAX_UNIT_CHARS:  # one long line: cut at a word boundary
            cut = text.rfind(" ", start + MAX_UNIT_CHARS // 2, start + MAX_UNIT_CHARS)
            cut = cut + 1 if cut > start else start + MAX_UNIT_CHARS
            spans.append((start, cut))
            start = cut
        spans.append((start, end))
    return [(s, e) for s, e in spans if text[s:e].strip()]


def best_window(text: str, terms: frozenset[str], max_chars: int = MAX_WINDOW_CHARS,
                min_chars: int = MIN_WINDOW_CHARS) -> Window:
    """The window of `text` with the most query terms (the beginning when none match)."""
    spans = units(text)
    if not spans:
        return Window("", 0, 0, frozenset())
    found = [terms.intersection(tokens(text[s:e])) for s, e in spans]
    best = max(range(len(spans)), key=lambda i: (len(found[i]), -i))
    lo = hi = best
    have = set(found[best])

    def fits(a: int, b: int) -> bool:
        return spans[b][1] - spans[a][0] <= max_chars

    while True:  # grow towards the neighbour that adds the most new terms
        options = [(len(found[i] - have), i) for i in (lo - 1, hi + 1)
                   if 0 <= i < len(spans) and fits(min(lo, i), max(hi, i))]
        gain, index = max(options, default=(0, -1))
        if gain == 0:
            break
        lo, hi = min(lo, index), max(hi, index)
        have |= found[index]
    while spans[hi][1] - spans[lo][0] < min_chars:  # too short to read: the next unit, else
        if hi + 1 < len(spans) and fits(lo, hi + 1):  # the one before
            hi += 1
        elif lo > 0 and fits(lo - 1, hi):
            lo -= 1
        else:
            break
    start, end = spans[lo][0], spans[hi][1]
    window = text[start:end].strip()
    if len(window) > max_chars:  # a single unit longer than the cap (cannot happen often)
        window = window[:max_chars].rsplit(" ", 1)[0]
    offset = start + (len(text[start:end]) - len(text[start:end].lstrip()))
    return Window(window, offset, offset + len(window), frozenset(have))


def shingles(text: str, size: int = 3) -> frozenset[tuple[str, ...]]:
    words = tokens(text)
    if len(words) < size:
        return frozenset({tuple(words)}) if words else frozenset()
    return frozenset(tuple(words[i:i + size]) for i in range(len(words) - size + 1))


def near_duplicate(a: frozenset, b: frozenset, threshold: float = 0.7) -> bool:
    """True when most of the smaller window's word 3-grams are in the other one: the same
    text with a different line break, a copy with a changed header, or one inside the other."""
    if not a or not b:
        return a == b
    return len(a & b) / min(len(a), len(b)) >= threshold
