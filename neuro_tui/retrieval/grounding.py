"""Check each cited sentence of a finished answer against the sources it cites.

No model: a sentence carrying `[n]` is cut into content words with the index's own
analyzer (runs of letters and digits, lowercased, question words dropped; plural -s folded
on both sides), and the words found in source n's passages decide the mark:

- supported: at least half of the sentence's content words (and at least two, unless the
  sentence has fewer) occur in the source;
- weak: some occur (a quarter, or at least two), or the sentence has no content words;
- not_found: (almost) none occur;
- no_source: n is not a source number at all (the model made it up).

Sources no sentence cites are listed as uncited; a sentence with no [n] gets the source that
supports it best, if any (small models often quote a source without citing it). Everything
returned is plain data (see /work/notes/grounding-api.md); `as_json()` is what
`neuro-tui ask --json` prints.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass

from neuro_tui.retrieval.query import STOPWORDS, tokens

SUPPORTED, WEAK, NOT_FOUND, NO_SOURCE = "supported", "weak", "not_found", "no_source"
_CITE = re.compile(r"(?<!\w)\[(\d{1,3}(?:\s*[,;]\s*\d{1,3})*)\]")
_LEADING_CITES = re.compile(r"\s*(?:\[\d{1,3}(?:\s*[,;]\s*\d{1,3})*\][\s.,;:]*)+")
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"')\]]*\s+|\n\s*\n|\n(?=\s*(?:[-*•]|\d+[.)])\s)")
EXTRA_STOPWORDS = frozenset("""also about after all any been being both each just like made
make many may more most much must not now only other over same some such them those through
under up very was were used uses using while one two he she his her him see according source
refer""".split())


@dataclass(frozen=True)
class Citation:
    number: int  # the n of [n]
    verdict: str  # supported | weak | not_found | no_source
    score: float  # share of the sentence's content words found in source n (0..1)
    matched: tuple[str, ...]  # content words found in the source
    missing: tuple[str, ...]  # content words not found there
    passage: int  # index of source n's passage with the most matches (-1: none)


@dataclass(frozen=True)
class Sentence:
    text: str  # as written, citation markers included
    start: int  # character offsets in the answer
    end: int
    citations: tuple[Citation, ...]  # one per [n] it carries (empty when it carries none)
    suggested: Citation | None = None  # uncited sentences: the source that supports it best


@dataclass(frozen=True)
class SourceMark:
    number: int
    cited: int  # sentences citing it
    verdict: str  # the best mark among those sentences; "uncited" when none cites it
    supported: int = 0  # how many of those sentences got each mark
    weak: int = 0
    not_found: int = 0


@dataclass(frozen=True)
class Grounding:
    sentences: tuple[Sentence, ...]  # only sentences that carry at least one [n]
    sources: tuple[SourceMark, ...]  # every source, in number order
    unknown: tuple[int, ...]  # cited numbers that are not sources
    uncited: tuple[int, ...]  # source numbers no sentence cites
    unattributed: tuple[Sentence, ...] = ()  # sentences with no [n] but content words

    def as_json(self) -> dict:
        return asdict(self)


def words(text: str) -> list[str]:
    """Content words, as the index would see them (plus folding of a plural -s)."""
    out = []
    for token in tokens(text):
        if token in STOPWORDS or token in EXTRA_STOPWORDS:
            continue
        if len(token) > 3 and token.endswith("s") and not token.endswith("ss"):
            token = token[:-1]
        out.append(token)
    return out


def split_sentences(answer: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence; markers right after a full stop ("... here. [2]")
    stay with the sentence before it."""
    spans, start = [], 0
    for match in _SENTENCE_END.finditer(answer):
        spans.append((start, match.start()))
        start = match.end()
    spans.append((start, len(answer)))
    merged: list[tuple[int, int]] = []
    for begin, end in spans:
        lead = _LEADING_CITES.match(answer, begin, end)
        if merged and lead and lead.end() > begin:  # "... inputs. [1] Next sentence."
            cut = begin + len(answer[begin:lead.end()].rstrip())
            merged[-1] = (merged[-1][0], cut)
            begin = lead.end()
        if answer[begin:end].strip():
            merged.append((begin, end))
    return merged


def _source_words(sources) -> dict[int, list[set[str]]]:
    """number -> one word set per passage, from context Sources or {n: [passage texts]}."""
    if isinstance(sources, Mapping):
        items = [(int(n), list(texts)) for n, texts in sources.items()]
    else:
        items = [(s.number, [p.text for p in s.passages]) for s in sources]
    return {n: [set(words(t)) for t in texts] for n, texts in items}


def mark(sentence_words: list[str], passages: list[set[str]]) -> tuple[str, float, list, int]:
    content = list(dict.fromkeys(sentence_words))
    union = set().union(*passages) if passages else set()
    matched = [w for w in content if w in union]
    best = max(range(len(passages)), key=lambda i: len(passages[i] & set(content)),
               default=-1)
    if not content:
        return WEAK, 0.0, matched, best
    share = len(matched) / len(content)
    if share >= 0.5 and len(matched) >= min(2, len(content)):
        verdict = SUPPORTED
    elif share >= 0.25 or len(matched) >= 2:
        verdict = WEAK
    else:
        verdict = NOT_FOUND
    return verdict, round(share, 3), matched, best if matched else -1


def ground(answer: str, sources: Iterable | Mapping[int, Iterable[str]]) -> Grounding:
    """Marks for every [n] in `answer`; `sources` are context Sources or {n: [texts]}."""
    known = _source_words(sources)
    sentences, unknown, loose = [], [], []
    cited: dict[int, list[str]] = {n: [] for n in known}
    for start, end in split_sentences(answer):
        text = answer[start:end]
        numbers = [int(n) for group in _CITE.findall(text) for n in re.split(r"[,;]", group)]
        content = words(_CITE.sub(" ", text))
        lead = len(text) - len(text.lstrip())
        span = (text.strip(), start + lead, start + len(text.rstrip()))
        if not numbers:
            if content:
                loose.append(Sentence(*span, (), _best_source(content, known)))
            continue
        marks = []
        for number in dict.fromkeys(numbers):
            if number not in known:
                unknown.append(number)
                marks.append(Citation(number, NO_SOURCE, 0.0, (), tuple(dict.fromkeys(content)),
                                      -1))
                continue
            marks.append(_citation(number, content, known[number]))
            cited[number].append(marks[-1].verdict)
        sentences.append(Sentence(*span, tuple(marks)))
    order = (SUPPORTED, WEAK, NOT_FOUND)
    source_marks = tuple(SourceMark(n, len(v), min(v, key=order.index) if v else "uncited",
                                    v.count(SUPPORTED), v.count(WEAK), v.count(NOT_FOUND))
                         for n, v in sorted(cited.items()))
    return Grounding(tuple(sentences), source_marks, tuple(dict.fromkeys(unknown)),
                     tuple(n for n, v in sorted(cited.items()) if not v), tuple(loose))


def _citation(number: int, content: list[str], passages: list[set[str]]) -> Citation:
    verdict, share, matched, best = mark(content, passages)
    missing = tuple(w for w in dict.fromkeys(content) if w not in matched)
    return Citation(number, verdict, share, tuple(matched), missing, best)


def _best_source(content: list[str], known: dict[int, list[set[str]]]) -> Citation | None:
    """For a sentence without [n]: the source supporting it best, None if none does."""
    marks = [_citation(n, content, passages) for n, passages in sorted(known.items())]
    order = (SUPPORTED, WEAK)
    found = [m for m in marks if m.verdict in order]
    return min(found, key=lambda m: (order.index(m.verdict), -m.score), default=None)
