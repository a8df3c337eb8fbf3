"""What the TUI and `ask` call: retrieve sources for a question, then build the prompt.

    retriever = Retriever.from_config(config)        # once per session (keeps caches)
    context = retriever.context(question, ctx_size=..., answer_tokens=...)  # worker thread
    show(context.sources, context.notes)             # sources pane, before the answer
    session.ask(context.prompt)                      # then stream the answer

Retrieval is blocking (Tantivy, HTTP, child processes): run it off the UI thread.
"""

from __future__ import annotations

from pathlib import Path

from neuro_tui.errors import NeuroError
from neuro_tui.retrieval.context import Context, build_context
from neuro_tui.retrieval.search import Hit, LocalIndex
from neuro_tui.retrieval.web.guard import AddressGuard
from neuro_tui.retrieval.web.provider import DuckDuckGoProvider
from neuro_tui.retrieval.web.retriever import WebRetriever


class Retriever:
    def __init__(self, storage: Path | None = None, web: WebRetriever | None = None, *,
                 web_results: int = 3, local_limit: int = 8, web_limit: int = 6):
        self.storage = Path(storage).expanduser() if storage else None
        self.web = web
        self.web_results = web_results
        self.local_limit = local_limit
        self.web_limit = web_limit
        self._local: LocalIndex | None = None

    @classmethod
    def from_config(cls, config) -> Retriever:
        """From config.load(): storage ('' = no local index), web, web_results, allow_private."""
        web = None
        if config.web:
            web = WebRetriever(DuckDuckGoProvider(),
                               guard=AddressGuard(allow_private=config.allow_private))
        return cls(config.storage or None, web, web_results=config.web_results)

    @property
    def enabled(self) -> bool:
        return bool(self.storage or self.web)

    def local_hits(self, question: str, notes: list[str]) -> list[Hit]:
        if not self.storage:
            return []
        try:
            if self._local is None:
                self._local = LocalIndex(self.storage)
            return self._local.search(question, self.local_limit)
        except NeuroError as error:
            notes.append(f"local index unavailable: {error}")
            return []

    def hits(self, question: str) -> tuple[list[Hit], list[Hit], list[str]]:
        """(local hits, web hits, notes) for one question, best first."""
        notes: list[str] = []
        local = self.local_hits(question, notes)
        web: list[Hit] = []
        if self.web:
            outcome = self.web.search(question, self.web_results, self.web_limit)
            web, notes = outcome.hits, notes + outcome.notes
        return local, web, notes

    def context(self, question: str, *, ctx_size: int = 4096, answer_tokens: int = 512,
                system_prompt: str = "") -> Context:
        """Sources and the prompt for one question, filling the free context (the packing
        before #13; retrieval/prefill.py's plan_turn sizes sources by prefill time)."""
        local, web, notes = self.hits(question)
        return build_context(question, local, web, ctx_size=ctx_size,
                             answer_tokens=answer_tokens, system_prompt=system_prompt,
                             notes=notes)
