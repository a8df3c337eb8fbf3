"""Pack sources by what they cost to read: a prefill-time budget in real tokens.

The model reads every prompt token before it writes the first answer token, at a rate
measured on this machine (engine/tune.py). So the source context is sized in seconds
(`[retrieval] prefill_seconds`, default 1.5) and turned into tokens with that rate, instead
of filling the free context (which made SmolLM2 wait 16-33 s per cited answer).

Within the budget: one query-focused window per passage (retrieval/windows.py), exact and
near duplicates dropped, best sources first, and always at least one window (a slow model
waits longer rather than answering blind). All token counts of one packing come from one
tokenizer call (engine/tokenize.py).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from neuro_tui.engine.tokenize import Estimate, TokenizeError
from neuro_tui.retrieval.context import (
    Context,
    Passage,
    Source,
    _ranked,
    render_prompt,
)
from neuro_tui.retrieval.search import Hit
from neuro_tui.retrieval.windows import (
    MAX_WINDOW_CHARS,
    MIN_WINDOW_CHARS,
    Window,
    best_window,
    near_duplicate,
    query_terms,
    shingles,
)
from neuro_tui.textsafe import strip_controls

MAX_CANDIDATES = 16  # windows tokenized per packing
TEMPLATE_TOKENS = 12  # chat template around one user message (ChatML: 10 on SmolLM2)
# 25 SmolLM2 tokens instead of context.INSTRUCTION's 39: at 1.5 s x 130 tok/s that is
# a tenth of the budget, the difference between two sources and three
SHORT_INSTRUCTION = ("Answer from the numbered sources below and cite them like [1]. "
                     "If they do not answer it, say so.")
FRAME_TOKENS = 30  # the instruction and "Question: " (29 SmolLM2 tokens)
HEADER_TOKENS = 15  # "[n] title (file:line)"
WINDOWS_PER_BUDGET = 4
TITLE_CHARS = 40
SMALLEST_WINDOW_CHARS = 140  # one sentence with the matched words
# What a question needs, whatever the budget: on the 50 golden queries (tests/golden) the gold
# page was among the first 3 windows for 98% (100% with 4, for 30% more tokens); more text
# only makes a small model wait and wander (idle machine: 3 windows keep TTFT near 10x plain).
MAX_WINDOWS = 3
LARGEST_WINDOW_CHARS = 360
MIN_WINDOW_WORDS = 4


@dataclass(frozen=True)
class Candidate:
    origin: str
    hit: Hit
    score: float  # normalised within its origin
    window: Window

    @property
    def header(self) -> str:
        return f"[00] {short_title(self.hit.title)} ({short_location(self.hit.path, 99999)})"


@dataclass(frozen=True)
class Packed:
    context: Context
    source_tokens: int  # what the sources add to the prompt: instruction, headers, windows
    question_tokens: int
    budget_tokens: int
    exact: bool  # counts from the model's tokenizer
    dropped: int = 0  # candidates that did not fit
    duplicates: int = 0
    notes: list[str] = field(default_factory=list)


def short_title(title: str) -> str:
    """Titles like "json — JSON encoder and decoder — Python 3.11.2 documentation" cost ~20
    tokens per source: the model needs the first part only (the pane shows the rest)."""
    title = " ".join(title.split())
    head = title.rsplit(" — ", 1)[0] if title.count(" — ") >= 2 else title
    return head if len(head) <= TITLE_CHARS else head[:TITLE_CHARS].rsplit(" ", 1)[0] + "…"


def short_location(path: str, line: int) -> str:
    """The file name (or host/page of a URL) and line: the full path is in the sources pane."""
    shown = strip_controls(path)
    if "://" in shown:
        return shown if len(shown) <= 60 else shown[:59] + "…"
    name = shown.rsplit("/", 1)[-1]
    return f"{name}:{line}" if line else name


def window_chars(budget_tokens: int, chars_per_token: float = 4.0) -> int:
    """Window size so that about four sources fit the budget (clamped to 140-360 chars):
    a small budget still shows several pages, a large one whole paragraphs."""
    per_window = (budget_tokens - FRAME_TOKENS) / WINDOWS_PER_BUDGET - HEADER_TOKENS
    return int(min(LARGEST_WINDOW_CHARS, max(SMALLEST_WINDOW_CHARS,
                                             per_window * chars_per_token)))


def candidates(question: str, local: list[Hit], web: list[Hit],
               max_chars: int = MAX_WINDOW_CHARS) -> tuple[list[Candidate], int]:
    """Best-first windows, one per passage, duplicates and near-duplicates removed."""
    terms = query_terms(question)
    kept: list[Candidate] = []
    short: list[Candidate] = []
    prints: list[frozenset] = []
    duplicates = 0
    ranked = _ranked(list(local), list(web))
    top = {origin: max((h.score for o, h, _ in ranked if o == origin), default=1.0) or 1.0
           for origin in ("local", "web")}
    folded = sorted(((o, m, m.score / top[o]) for o, h, _ in ranked for m in h.more),
                    key=lambda item: -item[2])  # further passages of a file: after all files
    for origin, hit, norm in ranked + folded:
        window = best_window(hit.text, terms, max_chars, min(MIN_WINDOW_CHARS, max_chars * 3 // 5))
        if len(window.text.split()) < MIN_WINDOW_WORDS:  # e.g. a heading alone in its chunk
            if window.text:
                short.append(Candidate(origin, hit, norm, window))  # only if nothing else
            continue
        mark = shingles(window.text)
        if any(near_duplicate(mark, other) for other in prints):
            duplicates += 1
            continue
        kept.append(Candidate(origin, hit, norm, window))
        prints.append(mark)
        if len(kept) >= MAX_CANDIDATES:
            break
    return kept or short[:1], duplicates


def pack(question: str, local: list[Hit], web: list[Hit] = (), *, counter, budget_tokens: int,
         ctx_tokens: int = 1 << 30, notes: list[str] | None = None) -> Packed:
    """Windows best-first while instruction + headers + windows fit `budget_tokens` (and the
    context room `ctx_tokens`); the first window is kept even when it alone is over budget."""
    question = question.strip()
    found, duplicates = candidates(question, local, web, window_chars(budget_tokens))
    frame = f"{SHORT_INSTRUCTION}\n\nQuestion: "
    texts = [frame, question] + [c.header for c in found] + [c.window.text for c in found]
    notes = list(notes or [])
    try:
        counts = counter.count_many(texts)
    except TokenizeError as error:  # e.g. llama-tokenize removed mid-session: still answer
        notes.append(f"token counts estimated: {error}")
        counter = Estimate()
        counts = counter.count_many(texts)
    frame_tokens, question_tokens = counts[0], counts[1]
    headers, bodies = counts[2:2 + len(found)], counts[2 + len(found):]
    used, chosen, dropped = frame_tokens, [], 0
    seen_sources: set[tuple[str, str]] = set()
    for i, cand in enumerate(found):
        key = (cand.origin, cand.hit.path)
        cost = bodies[i] + (0 if key in seen_sources else headers[i])
        over_context = used + cost + question_tokens > ctx_tokens
        if over_context or (chosen and used + cost > budget_tokens):
            dropped += 1
            continue  # a shorter window further down may still fit
        chosen.append(cand)
        seen_sources.add(key)
        used += cost
        if len(chosen) >= MAX_WINDOWS:
            dropped += len(found) - i - 1
            break
    sources = _sources(chosen)
    if found and not sources:
        notes.append("no source fits the context left for this question: answering without "
                     "sources (a larger ctx_size or a shorter question helps)")
    notes += _missing_files(sources)
    prompt = render_prompt(question, sources, short=True)
    source_tokens = used if sources else 0
    context = Context(question, prompt, sources, source_tokens + question_tokens, notes)
    return Packed(context, source_tokens, question_tokens, budget_tokens, counter.exact,
                  dropped, duplicates, notes)


def _sources(chosen: list[Candidate]) -> list[Source]:
    by_source: dict[tuple[str, str], list[Candidate]] = {}
    for cand in chosen:
        by_source.setdefault((cand.origin, cand.hit.path), []).append(cand)
    out = []
    for number, ((origin, path), items) in enumerate(by_source.items(), 1):
        best = items[0]
        passages = tuple(sorted((_passage(c) for c in items), key=lambda p: p.line_start))
        first_line = _passage(best).line_start if origin == "local" else 0
        shown = strip_controls(path)
        location = shown if origin == "web" or not first_line else f"{shown}:{first_line}"
        out.append(Source(number, origin, best.hit.title, path, location, first_line,
                          round(best.score, 4), passages))
    return out


def _passage(cand: Candidate) -> Passage:
    """The window as a passage, its line range narrowed to the window's lines."""
    hit, window = cand.hit, cand.window
    if not hit.line_start:
        return Passage(0, 0, hit.heading, window.text, cand.score)
    start = hit.line_start + hit.text.count("\n", 0, window.start)
    end = min(hit.line_end or start, start + window.text.count("\n"))
    return Passage(start, max(start, end), hit.heading, window.text, cand.score)


def _missing_files(sources: list[Source]) -> list[str]:
    """A cited file deleted since indexing: the indexed text is still cited, and said so."""
    return [f"[{s.number}] {s.location}: the file no longer exists; citing the indexed copy"
            for s in sources if s.origin == "local" and not os.path.exists(s.path)]
