"""The retriever seam of ChatService: (question, config, web) -> (prompt, [Source], [note]).

The retrieval package does the work (local Tantivy hits, web search when on) and the
prefill planner (retrieval/prefill.py) sizes the sources by what they cost to read: a
`[retrieval] prefill_seconds` budget at this model's measured prompt speed (engine/tune.py).
One Retriever is kept per setting so its caches live for the chat. Blocking (Tantivy, HTTP,
child processes, the one-off speed measurement): ChatService runs it in a thread.
"""

from __future__ import annotations

import copy
from pathlib import Path

from neuro_tui.chat.events import Source

RETRIEVAL_KEYS = ("storage", "web", "web_results", "allow_private", "allow_private_hosts",
                  "web_provider", "searxng_url")


_RETRIEVERS: dict[tuple, object] = {}  # a few, one per setting, so caches live for the chat


def _cached_retriever(config, web: bool):
    from neuro_tui.retrieval.pipeline import Retriever

    config = copy.copy(config)
    config.values = dict(config.values, web=bool(web))
    key = tuple(str(getattr(config, k, "")) for k in RETRIEVAL_KEYS)
    if key not in _RETRIEVERS:
        if len(_RETRIEVERS) >= 4:
            _RETRIEVERS.pop(next(iter(_RETRIEVERS)))
        _RETRIEVERS[key] = Retriever.from_config(config)
    return _RETRIEVERS[key]


def forget_retrievers() -> None:
    """Drop the kept Retrievers (tests that swap the search provider call this)."""
    _RETRIEVERS.clear()


def to_source(source) -> Source:
    """A retrieval.context.Source as the chat keeps it: the best passage is the one shown,
    the source's other passages are its neighbours."""
    passages = list(getattr(source, "passages", ()))
    best = max(passages, key=lambda p: p.score) if passages else None
    text = best.text if best else ""
    before = "\n\n".join(p.text for p in passages if best and p.line_start < best.line_start)
    after = "\n\n".join(p.text for p in passages if best and p.line_start > best.line_start)
    return Source(source.number, source.title or Path(source.path).name, source.location,
                  source.origin, source.score, text, before, after, source.path)


def plan_figures(plan) -> dict:
    """What the UI and `ask --json` show of a prefill plan (plain data)."""
    return {"prompt_tokens": plan.prompt_tokens, "source_tokens": plan.source_tokens,
            "budget_tokens": plan.budget_tokens, "expected_s": round(plan.expected_seconds, 3),
            "rate_tok_s": plan.rate_tok_s, "rate_measured": plan.rate_measured,
            "exact_tokens": plan.exact_tokens}


def retrieve(question: str, config, web: bool, spec=None):
    """(prompt, [Source], [note], plan figures). With the engine's `spec` (a llama-cli
    SessionSpec), sources are packed by prefill time with this model's real token counts;
    the first cited question on a new llama-cli + model measures its prompt speed once."""
    from neuro_tui.engine import tune
    from neuro_tui.retrieval.prefill import plan_turn

    retriever = _cached_retriever(config, web)
    if not retriever.enabled:
        return question, [], [], None
    notes: list[str] = []
    tuning = None
    if getattr(spec, "endpoint", None) is not None:  # the server engine: no llama-cli to
        spec = None  # measure or tokenize with (its binary is a URL); sizes are estimated
    if spec is not None and getattr(spec, "binary", None) and getattr(spec, "model", None):
        threads, batch = int(config.threads), int(config.threads_batch)
        measure = bool(config.auto_tune) and tune.cached(spec.binary, spec.model, threads,
                                                         batch) is None
        tuning = tune.for_spec(spec, threads, batch, measure=measure)
        if measure and tuning.measured:
            notes.append("measuring this model's prompt speed once (a few seconds; "
                         f"`neuro-tui runtime tune` to redo): {tuning.line()}")
    else:
        spec = None
    plan = plan_turn(retriever, question, spec=spec, tuning=tuning,
                     prefill_seconds=config.prefill_seconds, ctx_size=config.ctx_size,
                     answer_tokens=config.max_tokens or 512, system_prompt=config.system_prompt)
    return (plan.prompt, [to_source(s) for s in plan.sources], notes + list(plan.notes),
            plan_figures(plan))
