"""`neuro-tui runtime install|list`: build llama-cli (upstream from PyPI, or bitnet.cpp),
show what is used."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from neuro_tui.engine import bitnet_build, build_steps, discovery, runtime_build

FLAVORS = ["old", "new", "bitnet"]
# share of the bar per phase: everything before compiling is quick, compiling is not
_BASE = {"download": 0, "clone": 0, "extract": 5, "unpack": 5, "codegen": 8, "configure": 10,
         "compile": 15, "done": 100}


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("runtime", help="build or list llama.cpp runtimes (llama-cli)")
    sub = parser.add_subparsers(dest="runtime_command", metavar="ACTION", required=True)
    install = sub.add_parser("install", help="build llama-cli (upstream from PyPI, or bitnet.cpp)")
    install.add_argument("--flavor", choices=FLAVORS, default="old",
                         help="old = 0.3.16 llama-cli (default) + llama-server, llama-tokenize; "
                         "new = 0.3.36 llama-cli + llama-completion; bitnet = bitnet.cpp "
                         f"{bitnet_build.SPEC.version} (BitNet b1.58 models) + llama-server")
    install.add_argument("--source", type=Path,
                         help="bitnet only: the source archive "
                         f"({bitnet_build.bitnet_source.ARCHIVE_NAME}) or an unpacked tree, "
                         "instead of git clone")
    install.add_argument("--jobs", type=int, help="parallel compile jobs (default: all cores)")
    install.add_argument("--force", action="store_true", help="rebuild even if installed")
    install.set_defaults(func=run_install)
    listing = sub.add_parser("list", help="show installed runtimes and the llama-cli in use")
    listing.add_argument("--cli", help="the --cli you would pass to the app")
    listing.add_argument("--json", action="store_true", help="machine-readable output")
    listing.set_defaults(func=run_list)


def install_with_progress(flavor: str, *, jobs: int | None = None, force: bool = False,
                          console: Console | None = None, source: Path | None = None,
                          complete: bool = True) -> dict:
    """Build with a progress bar (a line per phase and per 10 % when not a terminal, as in
    CI logs); returns {target: path}. `complete` rebuilds a runtime missing an extra."""
    console = console or Console(stderr=True)
    if console.is_terminal:
        with Progress(TextColumn("[bold]{task.fields[phase]:<9}"), BarColumn(),
                      TextColumn("{task.percentage:>3.0f}%"), TimeElapsedColumn(),
                      TextColumn("{task.description}"), console=console) as bar:
            task = bar.add_task("", total=100, phase="start")

            def report(phase: str, fraction: float | None, message: str) -> None:
                done = _BASE.get(phase, 0) + (85 * fraction if phase == "compile" and fraction
                                              else 0)
                message = message if len(message) < 60 else "…" + message[-59:]
                if phase == "warning":
                    bar.console.print(f"[yellow]warning:[/] {escape(message)}")
                    return
                bar.update(task, completed=min(done, 100), phase=phase, description=message)

            return _build(flavor, jobs, force, source, complete, report)
    last: list = [None, -1]

    def lines(phase: str, fraction: float | None, message: str) -> None:
        tenth = int(10 * fraction) if phase == "compile" and fraction is not None else -1
        if (phase, tenth) != tuple(last) or phase in ("warning", "done"):
            last[:] = [phase, tenth]
            console.print(f"{phase:<9} {escape(message)}", highlight=False)

    return _build(flavor, jobs, force, source, complete, lines)


def _build(flavor: str, jobs: int | None, force: bool, source: Path | None, complete: bool,
           report: build_steps.Progress) -> dict:
    if flavor == "bitnet":
        return bitnet_build.build(source=source, jobs=jobs, progress=report, force=force,
                                  complete=complete)
    if source is not None:
        from neuro_tui.errors import UsageError

        raise UsageError("--source is for --flavor bitnet (upstream builds from PyPI)")
    return runtime_build.build(runtime_build.RUNTIMES[flavor], jobs=jobs, progress=report,
                               force=force, complete=complete)


def run_install(args: argparse.Namespace) -> int:
    console = Console(stderr=True, soft_wrap=True)
    result = install_with_progress(args.flavor, jobs=args.jobs, force=args.force,
                                   console=console, source=args.source)
    for target, path in result.items():
        console.print(f"[green]✓[/] {target}: {path}")
    return 0


def run_list(args: argparse.Namespace) -> int:
    installed = runtime_build.list_installed()
    candidates = discovery.discover(args.cli)
    chosen = next((c for c in candidates if c.usable), None)
    if args.json:
        print(json.dumps({
            "installed": [{"name": spec.name, "flavor": spec.flavor, "version": spec.version,
                           "commit": build_steps.manifest(spec).get("bitnet_commit"),
                           "binaries": {k: str(v) for k, v in bins.items()}}
                          for spec, bins in installed],
            "candidates": [discovery.as_dict(c) for c in candidates],
            "selected": discovery.as_dict(chosen) if chosen else None,
        }, indent=2))
        return 0
    console = Console()
    if not installed:
        console.print("No runtime installed by neuro-tui (`neuro-tui runtime install`).")
    table = Table("", "llama-cli", "flavor", "version", "found via", title="llama-cli candidates")
    for cand in candidates:
        mark = "→" if cand is chosen else ("✗" if not cand.usable else " ")
        table.add_row(mark, str(cand.path), cand.flavor.value if cand.flavor else cand.problem,
                      cand.version, cand.origin)
    console.print(table)
    for spec, bins in installed:
        extra = sorted(set(bins) - set(spec.targets))
        if extra:
            console.print(f"{spec.name} also has: {', '.join(extra)}")
    console.print(f"The app will use: {chosen.path if chosen else 'nothing (none usable)'}")
    return 0 if chosen else 3
