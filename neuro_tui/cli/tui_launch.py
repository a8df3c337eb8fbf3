"""`neuro-tui` without a subcommand: load the config (flags win) and run the app."""

from __future__ import annotations

import argparse

from neuro_tui import config as config_mod
from neuro_tui.cli.engine_cmd import engine_flags


def run_tui(args: argparse.Namespace) -> int:
    flags = {"model": args.model, "cli": args.cli, "theme": args.theme,
             "storage": args.storage, "web": args.web, **engine_flags(args)}
    config = config_mod.load(flags)
    from neuro_tui.app.app import create_app

    app = create_app(config, resume=args.resume)
    app.run()
    return int(app.return_code or 0)
