"""`neuro-tui runtime install|list`: build llama.cpp's llama-cli from PyPI, show what is used."""

from __future__ import annotations

import argparse
import json

from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from neuro_tui.engine import discovery, runtime_build


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("runtime", help="build or list llama.cpp runtimes (llama-cli)")
    sub = parser.add_subparsers(dest="runtime_command", metavar="ACTION", required=True)
    install = sub.add_parser("install", help="build llama-cli from the llama-cpp-python sdist")
    install.add_argument("--flavor", choices=sorted(runtime_build.RUNTIMES), default="old",
                         help="old = 0.3.16 llama-cli (default; the protocol bitnet.cpp speaks), "
                         "new = 0.3.36 llama-cli + llama-completion")
    install.add_argument("--jobs", type=int, help="parallel compile jobs (default: all cores)")
    install.add_argument("--force", action="store_true", help="rebuild even if installed")
    install.set_defaults(func=run_install)
    listing = sub.add_parser("list", help="show installed runtimes and the llama-cli in use")
    listing.add_argument("--cli", help="the --cli you would pass to the app")
    listing.add_argument("--json", action="store_true", help="machine-readable output")
    listing.set_defaults(func=run_list)


def install_with_progress(flavor: str, *, jobs: int | None = None, force: bool = False,
                          console: Console | None = None) -> dict:
    """Build with a progress bar (download, configure, compile %); returns {target: path}."""
    console = console or Console(stderr=True)
    spec = runtime_build.RUNTIMES[flavor]
    with Progress(TextColumn("[bold]{task.fields[phase]:<9}"), BarColumn(),
                  TextColumn("{task.percentage:>3.0f}%"), TimeElapsedColumn(),
                  TextColumn("{task.description}"), console=console, transient=False) as bar:
        task = bar.add_task("", total=100, phase="start")

        def report(phase: str, fraction: float | None, message: str) -> None:
            # weights: download 5%, extract 5%, configure 5%, compile 85%
            base = {"download": 0, "extract": 5, "configure": 10, "compile": 15, "done": 100}
            done = base.get(phase, 0) + (85 * fraction if phase == "compile" and fraction else 0)
            message = message if len(message) < 60 else "…" + message[-59:]
            bar.update(task, completed=min(done, 100), phase=phase, description=message)

        result = runtime_build.build(spec, jobs=jobs, progress=report, force=force)
    return result


def run_install(args: argparse.Namespace) -> int:
    console = Console(stderr=True, soft_wrap=True)
    result = install_with_progress(args.flavor, jobs=args.jobs, force=args.force, console=console)
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
    console.print(f"The app will use: {chosen.path if chosen else 'nothing (none usable)'}")
    return 0 if chosen else 3
