"""Retrieval as the app needs it: (question, config, web) -> (prompt, [SourceView], notes).

The retrieval package's Retriever does the work (local Tantivy hits, web search when on,
numbered sources that fit the context); we keep one per setting so its caches live for
the session, and turn its sources into what the panes show. Runs in a worker thread.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from neuro_tui.app.messages import SourceView


@lru_cache(maxsize=4)
def _retriever(storage: str, web: bool, allow_private: bool, web_results: int):
    from neuro_tui.config import Config
    from neuro_tui.retrieval.pipeline import Retriever

    config = Config()
    config.values.update(storage=storage, web=web, allow_private=allow_private,
                         web_results=web_results)
    return Retriever.from_config(config)


def to_view(source) -> SourceView:
    """The best passage is the one shown; the source's other passages are its neighbours."""
    passages = list(getattr(source, "passages", ()))
    best = max(passages, key=lambda p: p.score) if passages else None
    text = best.text if best else getattr(source, "passage", "")
    before = "\n\n".join(p.text for p in passages if best and p.line_start < best.line_start)
    after = "\n\n".join(p.text for p in passages if best and p.line_start > best.line_start)
    return SourceView(source.number, source.title or Path(source.path).name, source.location,
                      source.score, source.origin, text, before, after)


def retrieve(question: str, config, web: bool) -> tuple[str, list[SourceView], list[str]]:
    retriever = _retriever(str(config.storage or ""), bool(web), bool(config.allow_private),
                           int(config.web_results))
    if not retriever.enabled:
        return question, [], []
    ctx = retriever.context(question, ctx_size=config.ctx_size,
                            answer_tokens=config.max_tokens or 512,
                            system_prompt=config.system_prompt)
    return ctx.prompt, [to_view(s) for s in ctx.sources], list(ctx.notes)


__all__ = ["retrieve", "to_view"]
