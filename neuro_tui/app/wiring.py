"""The real parts the app runs on: LlamaSession from a SessionSpec, and retrieval."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def default_session_factory(config) -> Any:
    """Resolve model + llama-cli (raises MissingError with the fix) and make a LlamaSession."""
    from neuro_tui.engine.session import LlamaSession
    from neuro_tui.launch import build_session_spec

    return LlamaSession(build_session_spec(config))


def default_retriever() -> Callable[..., Any] | None:
    """(question, config, web) -> (prompt, [SourceView]); None until retrieval is installed."""
    try:
        from neuro_tui.app.retrieval_bridge import retrieve
    except ImportError:
        return None
    return retrieve


def prepare_child_processes() -> None:
    """Start multiprocessing's resource tracker before Textual captures stderr.

    The tracker is spawned with stderr's fd; under a running app that is Textual's capture
    (fileno -1) and web-page extraction (a forkserver) fails with "bad value(s) in
    fds_to_keep". Started here, once per process, it is simply reused later.
    """
    from multiprocessing import resource_tracker

    resource_tracker.ensure_running()
