"""Find llama-cli binaries and tell which of the three protocols each one speaks.

Order (first usable wins): --cli flag, BITNET_CLI_PATH, `llama-cli-bitnet` on PATH,
bitnet.cpp build folders, runtimes built by `neuro-tui runtime install` (upstream first: for
models any llama.cpp loads it is the reference build; bitnet.cpp's is chosen when the model
needs it), then `llama-cli` / `llama-completion` on PATH. A path the user named explicitly
(flag or env) that is not a working llama-cli is an error, not silently skipped. The flavor
comes from `--help` (see docs/architecture.md, "Three llama-cli protocols") and is cached by
path + mtime + size, since `--help` costs ~50 ms.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from dataclasses import asdict, dataclass, replace
from pathlib import Path

from neuro_tui import paths
from neuro_tui.atomic import write_private
from neuro_tui.engine import bitnet_build, build_steps, runtime_build
from neuro_tui.engine.events import Flavor
from neuro_tui.errors import MissingError

BITNET_BUILD_DIRS = (
    Path("~/.local/share/bitnet.cpp/build/bin/llama-cli"),
    Path("BitNet/build/bin/llama-cli"),
)


@dataclass(frozen=True)
class Candidate:
    path: Path
    origin: str  # where it was found, e.g. "BITNET_CLI_PATH" or "runtime old-0.3.16"
    flavor: Flavor | None = None
    version: str = ""
    problem: str = ""  # why it cannot be used, "" when usable

    @property
    def usable(self) -> bool:
        return self.flavor is not None and not self.problem


def classify_help(help_text: str) -> Flavor | None:
    """Flavor from `--help` output, or None when this is not a llama-cli at all."""
    has = lambda flag: re.search(rf"(^|[\s,]){re.escape(flag)}([\s,]|$)", help_text, re.M)  # noqa: E731
    if not has("-m") and not has("--model"):
        return None
    if has("-cnv"):
        return Flavor.UPSTREAM_CNV if has("-sys") or has("--system-prompt") else Flavor.BITNET
    if has("--show-timings") or "available commands" in help_text:
        return Flavor.UPSTREAM_CHAT
    return None


def _cache_file() -> Path:
    return paths.cache_dir() / "cli-flavors.json"


def _load_cache() -> dict:
    try:
        return json.loads(_cache_file().read_text())
    except (OSError, ValueError):
        return {}


def _save_cache(cache: dict) -> None:
    try:
        _cache_file().parent.mkdir(parents=True, exist_ok=True)
        write_private(_cache_file(), json.dumps(cache, indent=1))
    except OSError:
        pass  # a cache we cannot write only costs time


def inspect(path: Path, origin: str) -> Candidate:
    """Classify the binary; a runtime we built names its pinned commits as its version
    (bitnet.cpp's build reports "0 (unknown)")."""
    candidate = _inspect(path.expanduser(), origin)
    built = build_steps.manifest_of(candidate.path)
    pinned = bitnet_build.describe(built) if built else ""
    return replace(candidate, version=pinned) if pinned else candidate


def _inspect(path: Path, origin: str) -> Candidate:
    """Run `--help`/`--version` once (cached) and classify the binary."""
    if not path.exists():
        return Candidate(path, origin, problem="does not exist")
    if path.is_dir() or not os.access(path, os.X_OK):
        return Candidate(path, origin, problem="is not an executable file")
    stat = path.stat()
    key = f"{path.resolve()}|{stat.st_mtime_ns}|{stat.st_size}"
    cache = _load_cache()
    if key in cache:
        hit = cache[key]
        flavor = Flavor(hit["flavor"]) if hit["flavor"] else None
        return Candidate(path, origin, flavor, hit["version"], hit["problem"])
    env = {**os.environ, "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8"}
    try:
        shown = subprocess.run([str(path), "--help"], capture_output=True, timeout=15, env=env)
        help_text = (shown.stdout + shown.stderr).decode(errors="replace")
        told = subprocess.run([str(path), "--version"], capture_output=True, timeout=15, env=env)
        version_text = (told.stdout + told.stderr).decode(errors="replace")
    except (OSError, subprocess.TimeoutExpired) as error:
        return Candidate(path, origin, problem=f"could not run it: {error}")
    flavor = classify_help(help_text)
    match = re.search(r"version:\s*(\S+)\s*\(([0-9a-f]+)\)", version_text)
    version = f"{match.group(1)} ({match.group(2)})" if match else ""
    problem = "" if flavor else "is not a llama-cli (its --help has no -cnv or --show-timings)"
    cache[key] = {"flavor": flavor.value if flavor else None, "version": version,
                  "problem": problem}
    _save_cache(cache)
    return Candidate(path, origin, flavor, version, problem)


def candidate_paths(cli_flag: str | None = None, environ: dict[str, str] | None = None,
                    cli_origin: str = "--cli") -> list[tuple[Path, str, bool]]:
    """(path, origin, explicit) in discovery order; explicit ones must work."""
    environ = os.environ if environ is None else environ
    found: list[tuple[Path, str, bool]] = []
    if cli_flag:
        found.append((Path(cli_flag), cli_origin, True))
    if environ.get("BITNET_CLI_PATH"):
        found.append((Path(environ["BITNET_CLI_PATH"]), "BITNET_CLI_PATH", True))
    if which := shutil.which("llama-cli-bitnet", path=environ.get("PATH")):
        found.append((Path(which), "llama-cli-bitnet on PATH", False))
    for folder in BITNET_BUILD_DIRS:
        found.append((folder.expanduser().absolute(), "bitnet.cpp build folder", False))
    for spec in (*runtime_build.RUNTIMES.values(), bitnet_build.SPEC):
        root = build_steps.install_dir(spec)
        if (root / "runtime.json").is_file():
            for target in spec.targets:
                found.append((root / "bin" / target, f"runtime {spec.name}", False))
    for name in ("llama-cli", "llama-completion"):
        if which := shutil.which(name, path=environ.get("PATH")):
            found.append((Path(which), f"{name} on PATH", False))
    return found


def discover(cli_flag: str | None = None, environ: dict[str, str] | None = None,
             cli_origin: str = "--cli") -> list[Candidate]:
    """Every candidate, inspected, in order. Explicit bad paths raise MissingError."""
    result: list[Candidate] = []
    seen: set[Path] = set()
    for path, origin, explicit in candidate_paths(cli_flag, environ, cli_origin):
        if not explicit and not path.exists():
            continue
        key = path.resolve() if path.exists() else path
        if key in seen:
            continue
        seen.add(key)
        candidate = inspect(path, origin)
        if explicit and not candidate.usable:
            raise MissingError(f"{origin}={path} {candidate.problem}",
                               hint="point it at bitnet.cpp's or llama.cpp's llama-cli")
        result.append(candidate)
    return result


def choose(cli_flag: str | None = None, environ: dict[str, str] | None = None,
           *, want: set[Flavor] | None = None, cli_origin: str = "--cli") -> Candidate:
    """The first usable llama-cli (of a wanted flavor), or a MissingError saying what to do."""
    candidates = discover(cli_flag, environ, cli_origin)
    for candidate in candidates:
        if candidate.usable and (want is None or candidate.flavor in want):
            return candidate
    if want == {Flavor.BITNET}:
        raise MissingError(
            "this model needs bitnet.cpp's llama-cli, and none was found",
            hint="run `neuro-tui runtime install --flavor bitnet` (docs/bitnet.md), or set "
            "BITNET_CLI_PATH to a bitnet.cpp build/bin/llama-cli",
        )
    raise MissingError("no llama-cli found",
                       hint="run `neuro-tui runtime install` or set BITNET_CLI_PATH")


def as_dict(candidate: Candidate) -> dict:
    data = asdict(candidate)
    data["path"] = str(candidate.path)
    data["flavor"] = candidate.flavor.value if candidate.flavor else None
    return data
