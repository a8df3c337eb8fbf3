"""Config -> ChatSession: the one place that decides which engine answers.

`[engine] kind = "llama-cli"` (default): a LlamaSession over a pty (launch.py finds the
runtime and the model). `kind = "server"`: a ServerSession to `[engine] url`; with no url,
to a server kept by `neuro-tui engine start --keep`, else to a llama-server started here
for this chat (it stops with the chat). The chat core calls `build_session(config)` as its
session factory.
"""

from __future__ import annotations

from pathlib import Path

from neuro_tui.config import Config
from neuro_tui.engine.endpoint import Endpoint, ServerSpec, parse_url
from neuro_tui.errors import UsageError

KINDS = ("llama-cli", "server")


def build_session(config: Config):
    kind = config.engine
    if kind not in KINDS:
        raise UsageError(f"[engine] kind = {kind!r}: use one of {', '.join(KINDS)} "
                         f"({config.source['engine']})")
    if kind == "llama-cli":
        from neuro_tui.engine.session import LlamaSession
        from neuro_tui.launch import build_session_spec

        return LlamaSession(build_session_spec(config))
    return build_server_session(config)


def server_spec(config: Config, endpoint: Endpoint, model: str = "") -> ServerSpec:
    return ServerSpec(endpoint=endpoint, model=config.engine_model or model,
                      api_key_env=config.api_key_env, params=config.generation_params())


def build_server_session(config: Config):
    """A ServerSession; nothing is contacted or spawned until start()."""
    from neuro_tui.engine import server_registry
    from neuro_tui.engine.server_engine import ServerSession

    if config.engine_url:
        endpoint = parse_url(config.engine_url, allow_remote=config.allow_remote)
        kept = next((e for e in server_registry.recorded()
                     if e["url"].rstrip("/") == endpoint.base), None)
        return ServerSession(server_spec(config, endpoint), pid=kept["pid"] if kept else None,
                             slot_dir=_slot_dir(kept))
    # Servers started by neuro-tui serve the GGUF under its file stem (--alias).
    if kept := server_registry.recorded():
        entry = kept[-1]
        spec = server_spec(config, parse_url(entry["url"]), Path(entry["model"]).stem)
        return ServerSession(spec, pid=entry["pid"], slot_dir=_slot_dir(entry))
    launcher = local_launcher(config)
    return ServerSession(server_spec(config, parse_url(launcher.url), launcher.model.stem),
                         launcher=launcher, slot_dir=launcher.state_dir)


def _slot_dir(entry: dict | None) -> Path | None:
    """A kept server's --slot-save-path (recorded since fast resume); None: not ours."""
    return Path(entry["slot_dir"]) if entry and entry.get("slot_dir") else None


def local_launcher(config: Config):
    """A LocalServer for the configured model (not started)."""
    from neuro_tui import paths
    from neuro_tui.engine import llama_server
    from neuro_tui.errors import MissingError
    from neuro_tui.launch import needed_flavors, resolve_model_path

    model = resolve_model_path(config)
    if not model.is_file():
        raise MissingError(f"model file {model} does not exist")
    bitnet = bool(needed_flavors(model))
    binary = llama_server.find_binary(config.llama_server, bitnet=bitnet)
    return llama_server.LocalServer(binary, model, config.generation_params(),
                                    log_dir=paths.logs_dir(),
                                    saves_slots=llama_server.slot_saves_safe(binary, bitnet))
