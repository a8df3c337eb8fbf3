"""Run trafilatura in child processes with a timeout, so one page cannot stall the app.

trafilatura was measured at 52 s on an 8 MB page (20 s here on Node's api/all.html), and
pure-Python extraction cannot be interrupted in a thread. Each page is extracted in its
own process forked from a forkserver that has trafilatura preloaded (a fork costs a few
ms); a page that overruns is killed and simply not cited. Each child also watches the app's
pid and exits when the app is gone, even after `kill -9` (retrieval/workers.die_with).
"""

from __future__ import annotations

import multiprocessing as mp
import os
import time
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait

_CONTEXT = None


@dataclass(frozen=True)
class ExtractedPage:
    url: str
    title: str
    text: str  # Markdown, control-free


def _context():
    global _CONTEXT
    if _CONTEXT is None:
        method = "forkserver" if "forkserver" in mp.get_all_start_methods() else "spawn"
        _CONTEXT = mp.get_context(method)
        if method == "forkserver":
            _CONTEXT.set_forkserver_preload(["neuro_tui.retrieval.web.extract", "trafilatura"])
    return _CONTEXT


def _work(html: str, url: str, conn: Connection, owner_pid: int) -> None:
    from neuro_tui.retrieval.loaders import html_to_markdown
    from neuro_tui.retrieval.workers import die_with

    die_with(owner_pid)  # our parent is the forkserver: watch the app itself
    from neuro_tui.textsafe import one_line, strip_controls

    try:
        title, text = html_to_markdown(html, url)
        conn.send((one_line(title or url), strip_controls(text)))
    except Exception as error:  # noqa: BLE001 - reported to the parent as a failure
        conn.send(error.__class__.__name__)
    finally:
        conn.close()


def warm_up() -> None:
    """Start the forkserver early (it imports trafilatura once, ~1 s) off the hot path."""
    extract_pages([("<html><title>t</title><p>warm</p></html>", "http://localhost/")], 30)


def extract_pages(pages: list[tuple[str, str]], timeout: float,
                  workers: int | None = None) -> dict[str, ExtractedPage | str]:
    """(html, url) pairs -> url: page, or the reason there is none ("timed out", ...)."""
    ctx = _context()
    workers = workers or max(1, os.cpu_count() or 1)
    deadline = time.monotonic() + timeout
    queue = sorted(pages, key=lambda page: -len(page[0]))  # biggest first: shortest makespan
    running: dict[Connection, tuple[str, mp.Process]] = {}
    results: dict[str, ExtractedPage | str] = {}
    try:
        while queue or running:
            while queue and len(running) < workers:
                html, url = queue.pop(0)
                receiver, sender = ctx.Pipe(duplex=False)
                process = ctx.Process(target=_work, args=(html, url, sender, os.getpid()),
                                      daemon=True)
                process.start()
                sender.close()
                running[receiver] = (url, process)
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            for receiver in wait(list(running), timeout=remaining):
                url, process = running.pop(receiver)
                try:
                    outcome = receiver.recv()
                except EOFError:
                    outcome = "extractor crashed"
                receiver.close()
                process.join(5)
                results[url] = (ExtractedPage(url, outcome[0], outcome[1])
                                if isinstance(outcome, tuple) else f"extraction failed: {outcome}")
    finally:
        for receiver, (url, process) in running.items():
            process.kill()  # overran the timeout: a pathological page
            process.join(5)
            receiver.close()
            results[url] = f"extraction timed out after {timeout:.0f} s"
        for _html, url in queue:
            results[url] = f"extraction timed out after {timeout:.0f} s"
    return results
