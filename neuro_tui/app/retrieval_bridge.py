"""Retrieval as the app needs it: (question, config, web) -> (prompt, [SourceView]).

Local hits come from the Tantivy index (retrieval.search.LocalIndex), web hits from the
retrieval package's web pipeline when it offers one; retrieval.context.build_context numbers
the sources and fits them into the model's context. Runs in a worker thread.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from neuro_tui.app.messages import SourceView

LOCAL_HITS = 8


@lru_cache(maxsize=4)
def _index(storage: str):
    from neuro_tui.retrieval.search import LocalIndex

    return LocalIndex(Path(storage))


def _web_hits(question: str, config) -> tuple[list, list[str]]:
    """Web passages, or a note saying why there are none (shown to the user)."""
    from neuro_tui.retrieval import web as web_pkg

    search = getattr(web_pkg, "search_web", None)
    if search is None:
        return [], ["web search unavailable in this build"]
    try:
        return list(search(question, config)), []
    except Exception as error:  # offline, provider down, blocked: answer from what we have
        return [], [f"web search unavailable: {error}"]


def to_view(source) -> SourceView:
    passages = list(getattr(source, "passages", ()))
    best = max(passages, key=lambda p: p.score) if passages else None
    text = best.text if best else getattr(source, "passage", "")
    before = "\n\n".join(p.text for p in passages if best and p.line_start < best.line_start)
    after = "\n\n".join(p.text for p in passages if best and p.line_start > best.line_start)
    return SourceView(source.number, source.title or Path(source.path).name, source.location,
                      source.score, source.origin, text, before, after)


def retrieve(question: str, config, web: bool) -> tuple[str, list[SourceView], list[str]]:
    from neuro_tui.retrieval.context import build_context

    local = _index(str(config.storage)).search(question, limit=LOCAL_HITS) \
        if config.storage else []
    web_hits, notes = _web_hits(question, config) if web else ([], [])
    ctx = build_context(question, local, web_hits, ctx_size=config.ctx_size,
                        answer_tokens=config.max_tokens, system_prompt=config.system_prompt,
                        notes=notes)
    return ctx.prompt, [to_view(s) for s in ctx.sources], list(ctx.notes)
