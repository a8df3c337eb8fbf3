"""`neuro-tui sessions search`: the hits of chat/search_index.py printed one per turn, the
matched words bold on a terminal and **marked** otherwise (pipes, logs, tests)."""

from __future__ import annotations

import sys
import time

from neuro_tui.chat.search_index import ChatHit, ChatSearch
from neuro_tui.textsafe import one_line


def marked(hit: ChatHit, tty: bool) -> str:
    start, end = ("\x1b[1m", "\x1b[22m") if tty else ("**", "**")
    out, cursor = [], 0
    for a, b in hit.highlights:
        out += [hit.snippet[cursor:a], start, hit.snippet[a:b], end]
        cursor = b
    out.append(hit.snippet[cursor:])
    return " ".join("".join(out).split())  # one line; the snippet itself is control-free


def print_hits(query: str, limit: int) -> int:
    t0 = time.perf_counter()
    search = ChatSearch()
    hits = search.search(query, limit)  # UsageError for punctuation only: main prints it
    ms = (time.perf_counter() - t0) * 1000
    if not hits:
        print(f"no saved chat mentions {one_line(query, 60)!r}")
        return 1
    tty = sys.stdout.isatty()
    for hit in hits:
        title = one_line(hit.title, 60) or "(untitled)"
        where = "asked" if hit.field == "question" else "answer"
        print(f"{hit.chat_id}  turn {hit.turn}  {title}")
        print(f"    {where}: {marked(hit, tty)}")
    print(f"{len(hits)} result(s) in {ms:.0f} ms; open one with: neuro-tui --resume ID",
          file=sys.stderr)
    return 0
