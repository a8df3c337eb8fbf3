"""Compose config, model resolution and llama-cli discovery into a SessionSpec.

The TUI, `ask` and `chat --plain` all start conversations the same way; this is that way.
The model's GGUF header is read before anything is spawned, so a BitNet file on an
upstream runtime fails with a sentence that names the runtime it needs.
"""

from __future__ import annotations

from pathlib import Path

from neuro_tui import paths
from neuro_tui.config import Config
from neuro_tui.engine import discovery
from neuro_tui.engine.discovery import Candidate
from neuro_tui.engine.events import Flavor
from neuro_tui.engine.params import SessionSpec
from neuro_tui.errors import MissingError


def resolve_model_path(config: Config) -> Path:
    from neuro_tui.models.resolve import resolve_model

    return resolve_model(config.model)


def needed_flavors(model: Path) -> set[Flavor] | None:
    """The runtimes that can load `model` (None = any llama.cpp), from its GGUF header."""
    from neuro_tui.models import gguf

    return {Flavor.BITNET} if gguf.read_header(model).needs_bitnet_cpp else None


def verify_model_file(model: Path) -> str:
    """Check `model` against the registry's sha256 (hashing once, then trusting the stamp)."""
    from neuro_tui.models import gguf, registry, store

    info = gguf.read_header(model)
    target = model.resolve()
    entry = next((e for e in registry.entries().values()
                  if e.sha256 and (found := e.find()) and found.resolve() == target), None)
    if entry is None:
        return f"GGUF {info.architecture}, no published sha256 to check"
    if not store.is_verified(model, entry.sha256):
        actual = store.sha256_file(model)
        if actual != entry.sha256:
            raise MissingError(f"{model} is corrupt: sha256 {actual} != {entry.sha256}",
                               hint=f"neuro-tui model download {entry.name} --force")
        store.write_stamp(model, actual)
    return f"{entry.name}, sha256 verified"


def choose_runtime(config: Config, model: Path) -> Candidate:
    """The llama-cli for `model`: the one the user named, else the first that can load it."""
    want = None if config.cli else needed_flavors(model)
    source = config.source["cli"]
    origin = source.removeprefix("environment ") if source.startswith("environment ") else (
        "--cli" if source.startswith("--") else f"cli ({source})")
    candidate = discovery.choose(config.cli or None, want=want, cli_origin=origin)
    from neuro_tui.models import gguf

    gguf.check_compatible(model, candidate.flavor)
    return candidate


def build_session_spec(config: Config) -> SessionSpec:
    """Everything a LlamaSession needs; raises MissingError with the fix when it can't."""
    model = resolve_model_path(config)
    if not model.is_file():
        raise MissingError(f"model file {model} does not exist")
    candidate = choose_runtime(config, model)
    assert candidate.flavor is not None
    spec = SessionSpec(
        binary=candidate.path,
        flavor=candidate.flavor,
        model=model,
        params=config.generation_params(),
        log_dir=paths.logs_dir(),
    )
    return tuned(spec, config, measure=False)


def tuned(spec: SessionSpec, config: Config, *, measure: bool) -> SessionSpec:
    """The threads measured for this llama-cli + model (engine/tune.py) where the config
    leaves them automatic; with `measure` (and auto_tune on), measure first if never done."""
    from neuro_tui.engine import tune

    threads, batch = int(config.threads), int(config.threads_batch)
    tuning = tune.for_spec(spec, threads, batch, measure=measure and config.auto_tune)
    return tune.apply(spec, tuning, auto_threads=not threads, auto_batch=not batch)
