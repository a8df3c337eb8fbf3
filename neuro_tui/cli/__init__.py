"""The `neuro-tui` command: the TUI by default, subcommands for everything scriptable.

Each subcommand lives in its own module `neuro_tui/cli/<name>_cmd.py` exposing
`register(subparsers)`; the parser sets `func` to the handler, which returns an exit code.
Errors a user can act on (NeuroError) are printed as one line, never as a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import sys
import warnings

from neuro_tui import __version__, privacy
from neuro_tui.errors import EXIT_INTERRUPTED, NeuroError

COMMAND_MODULES = [
    "setup", "ask", "chat", "model", "runtime", "index", "search", "sessions", "config",
    "doctor", "serve", "engine",
]


def _add_tui_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--model", help="model name or path to a .gguf")
    parser.add_argument("--cli", help="path to the llama-cli binary to use")
    parser.add_argument("--theme", help="theme name")
    parser.add_argument("--resume", nargs="?", const="last", metavar="ID",
                        help="resume a saved chat (the last one without ID)")
    parser.add_argument("--storage", help="Tantivy index folder to answer from")
    parser.add_argument("--web", action="store_true", default=None,
                        help="turn web search on (data leaves the machine)")
    from neuro_tui.cli.engine_cmd import add_engine_flags

    add_engine_flags(parser)  # --engine server --url URL [--allow-remote]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="neuro-tui",
        description="A private terminal assistant for local BitNet b1.58 and llama.cpp models. "
        "Without a subcommand, opens the chat app.",
    )
    parser.add_argument("--version", action="version", version=f"neuro-tui {__version__}")
    _add_tui_flags(parser)
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", title="commands")
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(f"neuro_tui.cli.{name}_cmd")
        except ModuleNotFoundError as error:
            if error.name == f"neuro_tui.cli.{name}_cmd":
                continue  # command not built yet
            raise
        module.register(subparsers)
    from neuro_tui.cli import tune_cmd

    tune_cmd.attach(subparsers)  # `runtime tune`, beside runtime_cmd's actions
    return parser


def _run_tui(args: argparse.Namespace) -> int:
    from neuro_tui.cli.tui_launch import run_tui

    return run_tui(args)


def main(argv: list[str] | None = None) -> int:
    privacy.apply()  # telemetry off before any dependency reads its settings
    warnings.simplefilter("default")
    warnings.formatwarning = lambda message, *_a, **_k: f"warning: {message}\n"
    parser = build_parser()
    args = parser.parse_args(argv)
    handler = getattr(args, "func", None) or _run_tui
    try:
        return int(handler(args) or 0)
    except NeuroError as error:
        print(f"neuro-tui: error: {error}", file=sys.stderr)
        return error.exit_code
    except KeyboardInterrupt:
        print("neuro-tui: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
