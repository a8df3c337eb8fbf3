"""`neuro-tui config path|show|edit`: the one TOML file, and where each value came from."""

from __future__ import annotations

import argparse
import json
import os
import shlex
import shutil
import subprocess

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from neuro_tui import config as config_mod
from neuro_tui import paths
from neuro_tui.errors import UsageError


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("config", help="show or edit the configuration file")
    sub = parser.add_subparsers(dest="config_command", metavar="ACTION", required=True)
    sub.add_parser("path", help="print the config file's path").set_defaults(func=run_path)
    show = sub.add_parser("show", help="every setting, its value and where it came from")
    show.add_argument("--json", action="store_true", help="machine-readable output")
    show.set_defaults(func=run_show)
    edit = sub.add_parser("edit", help="open the config file in $EDITOR (created if missing)")
    edit.set_defaults(func=run_edit)


def run_path(_args: argparse.Namespace) -> int:
    print(paths.config_file())
    return 0


def run_show(args: argparse.Namespace) -> int:
    cfg = config_mod.load()
    if args.json:
        print(json.dumps({key: {"value": cfg.values[key], "source": cfg.source[key]}
                          for key in cfg.values}, indent=2))
        return 0
    table = Table("setting", "value", "from", title=str(paths.config_file()))
    for setting in config_mod.SETTINGS:
        table.add_row(f"{setting.section}.{setting.file_key}",
                      escape(repr(cfg.values[setting.key])), escape(cfg.source[setting.key]))
    Console().print(table)
    return 0


def run_edit(_args: argparse.Namespace) -> int:
    path = paths.config_file()
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(config_mod.default_toml(), encoding="utf-8")
    editor = os.environ.get("VISUAL") or os.environ.get("EDITOR") or next(
        (e for e in ("nano", "vim", "vi") if shutil.which(e)), None)
    if not editor:
        raise UsageError(f"no editor found: set $EDITOR, or edit {path} yourself")
    subprocess.run([*shlex.split(editor), str(path)], check=False)
    config_mod.load(path=path)  # report mistakes right away, with file:line
    print(f"{path}: OK")
    return 0
