"""The retriever seam of ChatService: (question, config, web) -> (prompt, [Source], [note]).

The retrieval package's Retriever does the work (local Tantivy hits, web search when on,
numbered sources that fit the context); one is kept per setting so its caches live for the
chat. Blocking (Tantivy, HTTP, child processes): ChatService runs it in a thread.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from neuro_tui.chat.events import Source


@lru_cache(maxsize=4)
def _retriever(storage: str, web: bool, allow_private: bool, web_results: int):
    from neuro_tui.config import Config
    from neuro_tui.retrieval.pipeline import Retriever

    config = Config()
    config.values.update(storage=storage, web=web, allow_private=allow_private,
                         web_results=web_results)
    return Retriever.from_config(config)


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


def retrieve(question: str, config, web: bool) -> tuple[str, list[Source], list[str]]:
    retriever = _retriever(str(config.storage or ""), bool(web), bool(config.allow_private),
                           int(config.web_results))
    if not retriever.enabled:
        return question, [], []
    ctx = retriever.context(question, ctx_size=config.ctx_size,
                            answer_tokens=config.max_tokens or 512,
                            system_prompt=config.system_prompt)
    return ctx.prompt, [to_source(s) for s in ctx.sources], list(ctx.notes)
