"""Turn local and web hits into numbered sources and a prompt that fits the model.

Numbering is per answer and per source: every passage from the same file or URL carries
the same [n], numbers follow rank (best source = [1]), and identical passages (the same
text in two files) appear once. Passages are added best-first while they fit the token
budget: the model's context minus room for the answer, the system prompt and the frame.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from neuro_tui.retrieval.search import Hit
from neuro_tui.textsafe import strip_controls

INSTRUCTION = (
    "Answer the question using the numbered sources below. Cite the sources you use by their "
    "number in square brackets, like [1]. If the sources do not contain the answer, say so."
)
MARGIN_TOKENS = 32  # chat template tokens and estimation error
MAX_PASSAGES = 8
# Hits scoring under this fraction of their origin's best are noise (a shared "9" or "the");
# small models get distracted by them. Measured: the answer passage 141.6, the next 4.0.
MIN_RELATIVE_SCORE = 0.2


_PUNCT = re.compile(r"[^\w\s]")


def estimate_tokens(text: str) -> int:
    """A cautious estimate without the model's tokenizer: ~3 characters per token for prose,
    but punctuation-dense text (JSON, minified code) costs about a token per word and per
    symbol (measured: 5.9 KB of Sphinx searchindex.js = 2466 SmolLM2 tokens, 2.4 chars each).
    """
    by_chars = len(text) // 3
    by_pieces = int((len(text.split()) + len(_PUNCT.findall(text))) * 1.1)
    return max(by_chars, by_pieces) + 1


@dataclass(frozen=True)
class Passage:
    line_start: int
    line_end: int
    heading: str
    text: str
    score: float


@dataclass(frozen=True)
class Source:
    number: int  # [n] in the prompt and the answer
    origin: str  # "local" or "web"
    title: str
    path: str  # file path or URL, exactly (to open it); display `location` instead
    location: str  # "path:line" for files, the URL for pages; control-free
    line_start: int  # of the best passage (0 for web pages and extracted HTML files)
    score: float  # best passage's score, normalised to 0..1 within its origin
    passages: tuple[Passage, ...] = field(default=())  # in document order

    @property
    def passage(self) -> str:
        return "\n[…]\n".join(p.text for p in self.passages)


@dataclass(frozen=True)
class Context:
    question: str
    prompt: str  # what to send to the model (the question itself when nothing was found)
    sources: list[Source]
    prompt_tokens: int  # estimate
    notes: list[str] = field(default_factory=list)  # e.g. "web search unavailable: ..."


def _ranked(local: list[Hit], web: list[Hit]) -> list[tuple[str, Hit, float]]:
    """Both lists merged on scores normalised per origin (BM25 scores of two indexes differ)."""
    merged = []
    for origin, hits in (("local", local), ("web", web)):
        top = max((h.score for h in hits), default=0.0) or 1.0
        merged += [(origin, h, h.score / top) for h in hits
                   if h.score / top >= MIN_RELATIVE_SCORE]
    return sorted(merged, key=lambda item: (-item[2], item[0] != "local"))


def build_context(question: str, local: list[Hit], web: list[Hit] = (), *, ctx_size: int = 4096,
                  answer_tokens: int = 512, system_prompt: str = "",
                  notes: Iterable[str] = ()) -> Context:
    question = question.strip()
    budget = (ctx_size - max(answer_tokens, 0) - estimate_tokens(system_prompt)
              - estimate_tokens(INSTRUCTION + question) - MARGIN_TOKENS)
    chosen: dict[tuple[str, str], list[tuple[Hit, float]]] = {}
    seen_text: set[str] = set()
    used = 0
    for origin, hit, norm in _ranked(list(local), list(web)):
        text_key = " ".join(hit.text.split())
        if not text_key or text_key in seen_text:
            continue
        source_key = (origin, hit.path)
        cost = estimate_tokens(hit.text) + (0 if source_key in chosen else estimate_tokens(
            f"[00] {hit.title} ({hit.path}:{hit.line_start})\n\n"))
        if used + cost > budget:
            continue  # a shorter passage further down may still fit
        seen_text.add(text_key)
        chosen.setdefault(source_key, []).append((hit, norm))
        used += cost
        if sum(len(v) for v in chosen.values()) >= MAX_PASSAGES:
            break
    sources = [_source(n, origin, items) for n, ((origin, _), items) in
               enumerate(chosen.items(), 1)]
    prompt = render_prompt(question, sources)
    return Context(question, prompt, sources, estimate_tokens(prompt), list(notes))


def _source(number: int, origin: str, items: list[tuple[Hit, float]]) -> Source:
    best, norm = items[0]
    passages = tuple(sorted((Passage(h.line_start, h.line_end, h.heading, h.text, s)
                             for h, s in items), key=lambda p: p.line_start))
    shown = strip_controls(best.path)  # a file name can hold escape codes too
    location = shown if origin == "web" or not best.line_start else f"{shown}:{best.line_start}"
    return Source(number, origin, best.title, best.path, location,
                  best.line_start if origin == "local" else 0, round(norm, 4), passages)


def render_prompt(question: str, sources: list[Source], *, short: bool = False) -> str:
    """`short` (retrieval/budget.py): a shorter instruction, and headers with the title's
    first part and the file name (the sources pane shows the rest)."""
    if not sources:
        return question
    instruction = INSTRUCTION
    if short:
        from neuro_tui.retrieval.budget import SHORT_INSTRUCTION, short_location, short_title

        instruction = SHORT_INSTRUCTION
        blocks = [f"[{s.number}] {short_title(s.title)} ({short_location(s.path, s.line_start)})"
                  f"\n{s.passage}" for s in sources]
    else:
        blocks = [f"[{s.number}] {s.title} ({s.location})\n{s.passage}" for s in sources]
    return f"{instruction}\n\n" + "\n\n".join(blocks) + f"\n\nQuestion: {question}"
