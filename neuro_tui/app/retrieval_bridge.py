"""Retrieval as the app needs it: (question, config, web) -> (prompt, [SourceView]).

Uses the retrieval package's context builder when it is installed (local index + web, with
numbered sources); until then, the local Tantivy index directly. Runs in a worker thread.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from neuro_tui.app.messages import SourceView
from neuro_tui.errors import NetworkError

MAX_SOURCES = 4
PASSAGE_CHARS = 900


@lru_cache(maxsize=4)
def _index(storage: str):
    from neuro_tui.retrieval.search import LocalIndex

    return LocalIndex(Path(storage))


def _view(number: int, item: Any) -> SourceView:
    """Anything with the retrieval's fields (Hit or a numbered source) as a SourceView."""
    get = (lambda k, d=None: item.get(k, d)) if isinstance(item, dict) else (
        lambda k, d=None: getattr(item, k, d))
    path = get("url") or get("path") or ""
    line = get("line_start")
    location = get("location") or (f"{path}:{line}" if line and not str(path).startswith(
        "http") else str(path))
    kind = get("kind") or ("web" if str(path).startswith("http") else "local")
    return SourceView(get("number", number) or number, get("title") or Path(str(path)).name,
                      location, get("score"), kind, get("text") or get("snippet") or "",
                      get("before") or "", get("after") or "")


def build_prompt(question: str, sources: list[SourceView]) -> str:
    if not sources:
        return question
    lines = ["Answer using these numbered sources; cite them like [1].", ""]
    for src in sources:
        lines += [f"[{src.number}] {src.title} ({src.location})", src.text[:PASSAGE_CHARS], ""]
    lines.append(f"Question: {question}")
    return "\n".join(lines)


def retrieve(question: str, config, web: bool) -> tuple[str, list[SourceView]]:
    try:
        from neuro_tui.retrieval import context  # the retrieval team's builder
    except ImportError:
        context = None
    if context is not None and hasattr(context, "build_context"):
        built = context.build_context(question, config=config, web=web)
        sources = [_view(i, s) for i, s in enumerate(getattr(built, "sources", []), 1)]
        return getattr(built, "prompt", build_prompt(question, sources)), sources
    if web:
        raise NetworkError("web search is not available in this build yet")
    if not config.storage:
        return question, []
    hits = _index(str(config.storage)).search(question, limit=MAX_SOURCES)
    sources = [_view(i, hit) for i, hit in enumerate(hits, 1)]
    return build_prompt(question, sources), sources
