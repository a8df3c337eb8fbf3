"""`neuro-tui doctor`: every check a chat depends on, each with ✓/✗ and the fix.

Exit 0 only when a chat can start: Python, a usable llama-cli, the configured model present
and verified, and the two compatible. Build tools, terminal and locale are advisory (⚠).
"""

from __future__ import annotations

import argparse
import locale
import os
import shutil
import sys
from dataclasses import dataclass

from rich.console import Console
from rich.markup import escape

from neuro_tui import config as config_mod
from neuro_tui import paths
from neuro_tui.engine import bitnet_build, build_steps, discovery, runtime_build
from neuro_tui.errors import NeuroError


@dataclass
class Check:
    name: str
    ok: bool | None  # None = advisory warning
    detail: str
    fix: str = ""
    required: bool = True


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("doctor", help="check that everything a chat needs is in place")
    parser.add_argument("--model", help="model name or path to check instead of the configured one")
    parser.add_argument("--cli", help="llama-cli to check instead of the discovered one")
    parser.set_defaults(func=run)


def _model_checks(cfg: config_mod.Config) -> tuple[list[Check], object]:
    from neuro_tui.launch import choose_runtime, resolve_model_path, verify_model_file

    checks: list[Check] = []
    try:
        model = resolve_model_path(cfg)
    except NeuroError as error:
        return [Check("model", False, str(error), "neuro-tui model download smollm2")], None
    try:
        detail = verify_model_file(model)
        checks.append(Check("model", True, f"{model} ({detail})"))
    except NeuroError as error:
        checks.append(Check("model", False, str(error),
                            f"neuro-tui model download {cfg.model} --force"))
        return checks, None
    try:
        cand = choose_runtime(cfg, model)
        checks.append(Check("llama-cli", True,
                            f"{cand.path} (flavor {cand.flavor.value}, version {cand.version}, "
                            f"via {cand.origin})"))
    except NeuroError as error:
        checks.append(Check("llama-cli", False, error.message,
                            error.hint or ""))
    return checks, model


def _runtimes_check() -> Check:
    """The runtimes neuro-tui built, bitnet.cpp's named by its pinned commits."""
    shown = []
    for spec, bins in runtime_build.list_installed():
        pinned = bitnet_build.describe(build_steps.manifest(spec))
        shown.append(f"{spec.name}" + (f" ({pinned})" if pinned else "")
                     + (f" + {', '.join(sorted(set(bins) - set(spec.targets)))}"
                        if set(bins) - set(spec.targets) else ""))
    has_bitnet = any(spec.flavor == "bitnet" for spec, _ in runtime_build.list_installed())
    return Check("runtimes", True if has_bitnet else None, "; ".join(shown) or "none built",
                 "" if has_bitnet else "BitNet b1.58 models need bitnet.cpp: "
                 "neuro-tui runtime install --flavor bitnet", required=False)


def gather(args: argparse.Namespace) -> list[Check]:
    checks = [Check("python", sys.version_info >= (3, 11), sys.version.split()[0],
                    "install Python 3.11 or newer")]
    try:
        cfg = config_mod.load({"model": args.model, "cli": args.cli})
        checks.append(Check("config", True, str(paths.config_file())
                            + ("" if paths.config_file().exists() else " (not created; defaults)")))
    except NeuroError as error:
        return [*checks, Check("config", False, str(error), "neuro-tui config edit")]
    models_dir = paths.models_dir()
    writable = (models_dir.is_dir() and os.access(models_dir, os.W_OK)) or (
        not models_dir.exists() and os.access(models_dir.parent if models_dir.parent.exists()
                                              else paths.data_dir().parent, os.W_OK))
    checks.append(Check("models dir", writable, str(models_dir),
                        "set NEURO_BITNET_MODELS_DIR to a writable folder"))
    model_checks, _ = _model_checks(cfg)
    checks += model_checks
    if not any(c.name == "llama-cli" for c in checks):
        try:
            cand = discovery.choose(cfg.cli or None)
            checks.append(Check("llama-cli", True, f"{cand.path} ({cand.flavor.value})"))
        except NeuroError as error:
            checks.append(Check("llama-cli", False, error.message, "neuro-tui runtime install"))
    checks.append(_runtimes_check())
    missing = runtime_build.missing_build_tools()
    checks.append(Check("build tools", None if missing else True,
                        "; ".join(missing) or "cmake and a C++ compiler found",
                        "only needed for `neuro-tui runtime install`", required=False))
    size = shutil.get_terminal_size((0, 0))
    colors = os.environ.get("COLORTERM") or os.environ.get("TERM", "unknown")
    term_ok = size.columns >= 80 and size.lines >= 24
    shown = f"{size.columns}x{size.lines}" if size.columns else "not a terminal (redirected)"
    checks.append(Check("terminal", True if term_ok else None, f"{shown}, {colors}",
                        "the app needs at least 80x24", required=False))
    encoding = locale.getpreferredencoding(False)
    checks.append(Check("locale", True if encoding.lower().replace("-", "") == "utf8" else None,
                        encoding, "export LANG=C.UTF-8", required=False))
    return checks


def run(args: argparse.Namespace) -> int:
    console = Console(soft_wrap=True)
    checks = gather(args)
    for check in checks:
        mark = {True: "[green]✓[/]", False: "[red]✗[/]", None: "[yellow]⚠[/]"}[check.ok]
        line = f"{mark} {check.name:<12} {escape(check.detail)}"
        if check.ok is not True and check.fix:
            line += f"\n  [dim]fix:[/] {escape(check.fix)}"
        console.print(line)
    ready = all(c.ok for c in checks if c.required)
    console.print("[bold green]ready to chat[/]" if ready else "[bold red]not ready[/]")
    return 0 if ready else 3
