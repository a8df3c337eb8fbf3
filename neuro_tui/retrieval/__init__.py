"""Retrieval: a Tantivy index of local documents and fetched web pages, cited by passage.

UI-free (never imports textual). What the TUI and `ask` use:

    from neuro_tui.retrieval.pipeline import Retriever
    retriever = Retriever.from_config(config)       # storage, web, web_results, allow_private
    context = retriever.context(question, ctx_size=..., answer_tokens=..., system_prompt=...)
    context.sources  # list[context.Source]: number, origin, title, path, location, score, ...
    context.notes    # e.g. "web search unavailable: ...", "skipped <url>: too big"
    context.prompt   # send this to the model

`context()` blocks (index, HTTP, extraction processes): call it from a worker thread.
Indexing: `indexer.index_paths`; searching: `search.LocalIndex`; web: `web.retriever`.
"""
