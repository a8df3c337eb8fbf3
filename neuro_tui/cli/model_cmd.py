"""`neuro-tui model list|download|remove|info|verify`: pick, fetch and inspect models.

Every NAME may also be a path to a .gguf (positional or `--model PATH`); `--json` gives
scripts one JSON document on stdout. Errors are NeuroErrors: one line and an exit code.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn
from rich.table import Table

from neuro_tui import paths
from neuro_tui.errors import MissingError, UsageError
from neuro_tui.models import download as dl
from neuro_tui.models import gguf, registry, resolve, store

CONFIRM_BYTES = 200_000_000  # ask before downloading more than this (unless --yes)


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("model", help="list, download, inspect and verify models")
    sub = parser.add_subparsers(dest="model_command", metavar="ACTION", required=True)

    def add(name: str, help_text: str, func, *,
            name_arg: str | None = "NAME") -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_text)
        if name_arg:
            p.add_argument("name", nargs="?", metavar=name_arg,
                           help="registry name or path to a .gguf")
            p.add_argument("--model", dest="model_path", metavar="PATH",
                           help="a .gguf file instead of a registry name")
        p.add_argument("--json", action="store_true", help="machine-readable output")
        p.set_defaults(func=func)
        return p

    add("list", "registry models: size, downloaded, verified, runtime", run_list, name_arg=None)
    d = add("download", "download a model (sha256-verified, resumable)", run_download)
    d.add_argument("--force", action="store_true", help="download again even if present")
    d.add_argument("--yes", "-y", action="store_true", help="no confirmation for large files")
    add("remove", "delete a downloaded model (and any partial download)", run_remove)
    add("info", "registry data and the GGUF header of a model (default: auto)", run_info)
    add("verify", "hash a downloaded model and compare with the registry sha256", run_verify)


def _spec(args: argparse.Namespace, *, default: str | None = None) -> str:
    spec = getattr(args, "model_path", None) or args.name or default
    if not spec:
        raise UsageError(f"model {args.model_command}: give a model NAME or --model PATH")
    return spec


def _entry_or_path(spec: str) -> tuple[registry.ModelEntry | None, Path | None]:
    if spec.lower() != resolve.AUTO and resolve.looks_like_path(spec):
        return None, Path(spec).expanduser()
    name = resolve.auto_name() if spec.lower() == resolve.AUTO else spec
    return registry.get(name), None


def _human(n: int) -> str:
    return "–" if not n else (f"{n / 1e9:.2f} GB" if n >= 1e9 else f"{n / 1e6:.1f} MB")


def _status(entry: registry.ModelEntry, models_dir: Path) -> dict:
    found = entry.find(models_dir)
    verified = bool(found and store.is_verified(found, entry.sha256))
    return {"name": entry.name, "title": entry.title, "size": entry.size, "source": entry.source,
            "runtime": entry.runtime, "downloaded": found is not None, "verified": verified,
            "path": str(found) if found else None}


def run_list(args: argparse.Namespace) -> int:
    models_dir = paths.models_dir()
    rows = [_status(e, models_dir) for e in registry.entries().values()]
    if args.json:
        print(json.dumps({"models_dir": str(models_dir), "models": rows}, indent=2))
        return 0
    table = Table(title=f"models ({models_dir})")
    for header, width in (("name", 11), ("size", 7), ("downloaded", 10), ("verified", 8),
                          ("runtime", 10)):
        table.add_column(header, no_wrap=True, min_width=width)
    table.add_column("model")  # the one column that wraps on a narrow terminal
    for row in rows:
        got = "✓" if row["downloaded"] else ("convert" if row["source"] == "convert" else "–")
        table.add_row(row["name"], _human(row["size"]), got, "✓" if row["verified"] else "–",
                      row["runtime"], escape(row["title"]))
    Console().print(table)
    return 0


def _confirm(entry: registry.ModelEntry, yes: bool) -> None:
    if yes or entry.size < CONFIRM_BYTES:
        return
    where = entry.local_path()
    question = f"Download {entry.name} ({_human(entry.size)}) to {where}? [y/N] "
    if not sys.stdin.isatty():
        raise UsageError(f"{entry.name} is {_human(entry.size)}: pass --yes to download it "
                         f"to {where} without a question")
    if input(question).strip().lower() not in ("y", "yes"):
        raise UsageError("download cancelled")


def run_download(args: argparse.Namespace) -> int:
    entry, path = _entry_or_path(_spec(args))
    if path is not None:
        info = gguf.read_header(path)
        print(json.dumps({"path": str(path), "downloaded": True}) if args.json else
              f"{path} is a local file ({info.architecture}); nothing to download")
        return 0
    if entry.find() is None or args.force:
        _confirm(entry, args.yes)
    console = Console(stderr=True)
    with Progress(TextColumn("[bold]{task.fields[phase]:<8}"), BarColumn(), DownloadColumn(),
                  TextColumn("{task.fields[rate]} {task.fields[eta]}"), console=console,
                  transient=True, disable=args.json or not console.is_terminal) as bar:
        task = bar.add_task(entry.name, total=entry.size or None, phase="start", rate="", eta="")

        def show(p: dl.DownloadProgress) -> None:
            eta = f"ETA {int(p.eta) // 60}:{int(p.eta) % 60:02d}" if p.eta is not None else ""
            rate = f"{p.rate / 1e6:.1f} MB/s" if p.rate else ""
            bar.update(task, completed=p.done, total=p.total or None, phase=p.phase,
                       rate=rate, eta=eta)

        target = dl.download(entry.name, force=args.force, progress=show)
    if args.json:
        print(json.dumps({**_status(entry, paths.models_dir()), "path": str(target)}))
    else:
        console.print(f"[green]✓[/] {entry.name}: {escape(str(target))} (sha256 verified)")
    return 0


def run_remove(args: argparse.Namespace) -> int:
    entry, path = _entry_or_path(_spec(args))
    models_dir = paths.models_dir().resolve()
    target = path if path is not None else (entry.find() or entry.local_path())
    if path is not None and models_dir not in path.resolve().parents:
        raise UsageError(f"{path} is not in the models dir {models_dir}: delete it yourself")
    if not target.exists() and not store.partials(target):
        raise MissingError(f"{entry.name if entry else path} is not downloaded")
    freed = store.remove(target, models_dir)
    print(json.dumps({"removed": str(target), "freed": freed}) if args.json
          else f"removed {target} ({_human(freed)} freed)")
    return 0


def run_info(args: argparse.Namespace) -> int:
    entry, path = _entry_or_path(_spec(args, default=resolve.AUTO))
    models_dir = paths.models_dir()
    data: dict = {"registry": entry.as_json(models_dir) if entry else None}
    file = path if path is not None else (entry.find(models_dir) if entry else None)
    if path is not None and not path.is_file():
        raise MissingError(f"model file not found: {path}")
    data["file"] = str(file) if file else None
    data["gguf"] = gguf.read_header(file).as_json() if file else None
    data["verified"] = bool(file and entry and store.is_verified(file, entry.sha256))
    data["models_dir"] = str(models_dir)
    data["disk_use"] = store.disk_use(file) if file else 0
    data["models_dir_use"] = store.disk_use(models_dir)
    if args.json:
        print(json.dumps(data, indent=2))
        return 0
    console = Console(highlight=False)
    if entry:
        for key in ("name", "title", "source", "repo", "revision", "file", "size", "sha256",
                    "runtime", "license", "chat_template"):
            console.print(f"[bold]{key:>13}[/] {escape(str(data['registry'][key]))}")
        if entry.source == "convert":
            console.print(f"[bold]{'no GGUF':>13}[/] the hub holds only original weights; "
                          f"{escape(entry.convert_step(models_dir))}")
    console.print(f"[bold]{'file':>13}[/] {escape(str(file) if file else 'not downloaded')}")
    for key, value in (data["gguf"] or {}).items():
        if key not in ("path", "size"):
            console.print(f"[bold]{key:>13}[/] {escape(str(value))}")
    console.print(f"[bold]{'disk use':>13}[/] {_human(data['disk_use'])}; models dir "
                  f"{escape(str(models_dir))} holds {_human(data['models_dir_use'])}")
    return 0


def run_verify(args: argparse.Namespace) -> int:
    entry, path = _entry_or_path(_spec(args))
    file = path if path is not None else resolve.resolve_entry_path(entry, paths.models_dir())
    if not file.is_file():
        raise MissingError(f"model file not found: {file}")
    gguf.read_header(file)
    console = Console(stderr=True)
    with Progress(TextColumn("[bold]hashing"), BarColumn(), DownloadColumn(), console=console,
                  transient=True, disable=args.json or not console.is_terminal) as bar:
        task = bar.add_task("hash", total=file.stat().st_size)
        digest = store.sha256_file(file, lambda done, _total: bar.update(task, completed=done))
    expected = entry.sha256 if entry else ""
    ok = not expected or digest == expected
    if ok and expected:
        store.write_stamp(file, expected)
    if args.json:
        print(json.dumps({"path": str(file), "sha256": digest, "expected": expected, "ok": ok}))
    if not ok:
        raise MissingError(f"{entry.name}: sha256 mismatch ({digest}, expected {expected}): "
                           f"run `neuro-tui model download {entry.name} --force`")
    if not args.json:
        print(f"✓ {file}: sha256 {digest}" + (" matches the registry" if expected else
                                              " (no published sha256 to compare)"))
    return 0
