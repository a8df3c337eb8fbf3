"""`neuro-tui index PATH... [--recursive] [--storage DIR]`: build or update a local index.

Re-running is incremental (unchanged files are skipped), and an interrupted run keeps what
it committed, so Ctrl+C is always safe. The summary says which files were skipped and why.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.text import Text

from neuro_tui import config, paths
from neuro_tui.errors import UsageError
from neuro_tui.retrieval import indexer
from neuro_tui.textsafe import one_line

SHOWN_PER_REASON = 5


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("index", help="index local documents for cited answers")
    parser.add_argument("paths", nargs="+", metavar="PATH", help="files or folders to index")
    parser.add_argument("--recursive", "-r", action="store_true",
                        help="descend into sub-folders (hidden ones are left out)")
    parser.add_argument("--storage", help="index folder (default: config storage or data dir)")
    parser.set_defaults(func=run)


def storage_for(flag: str | None) -> Path:
    """--storage, else the configured storage, else the platform data dir's index."""
    if flag:
        return Path(flag).expanduser()
    configured = config.load().storage
    return Path(configured).expanduser() if configured else paths.index_dir()


def run(args: argparse.Namespace) -> int:
    storage = storage_for(args.storage)
    # lexists: a dangling link is reported in the summary (skipped, dangling link)
    missing = [p for p in args.paths if not os.path.lexists(Path(p).expanduser())]
    if missing:
        raise UsageError(f"no such file or folder: {missing[0]}")
    console = Console(stderr=True, highlight=False)
    started = time.perf_counter()
    with Progress(TextColumn("indexing"), BarColumn(), MofNCompleteColumn(),
                  TextColumn("{task.fields[rate]}"), TimeElapsedColumn(),
                  TextColumn("{task.fields[name]}"), console=console) as bar:
        task = bar.add_task("", total=None, rate="", name="")

        def report(p: indexer.Progress) -> None:
            elapsed = max(time.perf_counter() - started, 1e-6)
            rate = f"{p.files_done / elapsed:,.0f} files/s {p.bytes_done / elapsed / 1e6:.1f} MB/s"
            bar.update(task, total=p.files_total, completed=p.files_done, rate=rate,
                       name=one_line(Path(p.path).name, 40))

        report_ = indexer.index_paths(storage, [Path(p) for p in args.paths],
                                      recursive=args.recursive, progress=report)
    print_summary(console, report_, storage)
    configured = config.load().storage
    if not configured or Path(configured).expanduser().resolve() != storage.resolve():
        # answers use no index until told which one: say how, with this one's path
        console.print(Text(f"answer from it: neuro-tui --storage {storage} "
                           f"(or storage = \"{storage}\" under [retrieval] in "
                           f"{paths.config_file()})"))
    return 0


def print_summary(console: Console, report: indexer.IndexReport, storage: Path) -> None:
    mb = report.bytes / 1e6
    rate = mb / report.seconds if report.seconds else 0.0
    console.print(Text(
        f"{report.added} added, {report.updated} updated, {report.unchanged} unchanged, "
        f"{report.removed} removed; {report.passages} passages from {mb:.1f} MB "
        f"in {report.seconds:.1f} s ({rate:.1f} MB/s) -> {storage}"))
    for reason, files in sorted(report.skipped.items()):
        console.print(Text(f"skipped {len(files)} ({reason})", style="yellow"))
        for name in files[:SHOWN_PER_REASON]:
            console.print(Text(f"  {one_line(name, 160)}"))
        if len(files) > SHOWN_PER_REASON:
            console.print(Text(f"  … and {len(files) - SHOWN_PER_REASON} more"))
