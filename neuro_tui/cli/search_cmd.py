"""`neuro-tui search "query" [--storage DIR] [--limit N] [--json]`: ranked passages.

One result per file while other files match; a file's further passages fold under it
("+3 more in this file"; `more_in_file` and `more` in --json).

Output is terminal-safe: file text is stripped of control sequences and printed as Rich
Text (never parsed as markup), so a file containing `[red]` or ESC codes prints literally.
"""

from __future__ import annotations

import argparse
import json
import sys

from rich.console import Console
from rich.text import Text

from neuro_tui.cli.index_cmd import storage_for
from neuro_tui.errors import UsageError
from neuro_tui.retrieval.search import LocalIndex
from neuro_tui.textsafe import strip_controls


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("search", help="search the local index")
    parser.add_argument("query", help="words to look for (any punctuation is fine)")
    parser.add_argument("--storage", help="index folder (default: config storage or data dir)")
    parser.add_argument("--limit", "-n", type=int, default=10, help="passages to show (10)")
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.limit < 1:
        raise UsageError("--limit must be at least 1")
    hits = LocalIndex(storage_for(args.storage)).search(args.query, args.limit)
    if args.json:
        json.dump([{"rank": rank, **_as_json(hit), "more_in_file": hit.more_count,
                    "more": [_as_json(m) for m in hit.more]}
                   for rank, hit in enumerate(hits, 1)], sys.stdout, ensure_ascii=False,
                  indent=1)
        print()
        return 0 if hits else 1
    console = Console(highlight=False, soft_wrap=False)
    if not hits:
        console.print(Text(f"no passages match {args.query!r}", style="yellow"))
        return 1
    for rank, hit in enumerate(hits, 1):
        head = Text(f"{rank:>2}. ", style="bold")
        path = strip_controls(hit.path)  # file names may contain escape codes
        head.append(f"{path}:{hit.line_start}" if hit.line_start else path, style="cyan")
        head.append(f"  {hit.score:.2f}", style="dim")
        console.print(head)
        trail = " > ".join(x for x in (hit.title, hit.heading) if x)
        if trail:
            console.print(Text(f"    {trail}", style="dim"))
        snippet = Text(hit.snippet)
        for start, end in hit.highlights:
            snippet.stylize("bold reverse", start, end)
        console.print(Text("    ") + _flat(snippet))
        if hit.more_count:
            lines = ", ".join(dict.fromkeys(str(m.line_start) for m in hit.more if m.line_start))
            console.print(Text(f"    +{hit.more_count} more in this file"
                               + (f" (lines {lines})" if lines else ""), style="dim"))
        console.print()
    return 0


def _as_json(hit) -> dict:
    return {"score": round(hit.score, 4), "path": hit.path, "line_start": hit.line_start,
            "line_end": hit.line_end, "title": hit.title, "heading": hit.heading,
            "snippet": hit.snippet, "highlights": [list(r) for r in hit.highlights],
            "passage": hit.text}


def _flat(snippet: Text) -> Text:
    """The snippet as one paragraph: newlines and tabs become spaces, highlights kept."""
    flat = snippet.copy()
    flat.plain = flat.plain.replace("\n", " ").replace("\t", " ")
    return flat
