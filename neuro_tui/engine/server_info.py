"""What an OpenAI-compatible server says about itself: its models, its context, its kind.

`/v1/models` is common to all of them; llama-server adds `/props` (context size, model
path) and `/health`; vLLM puts `max_model_len` on each model; Ollama's `owned_by` is
"library". The kind decides which llama.cpp-only request fields are sent (`cache_prompt`,
`top_k`, `repeat_penalty`): strict servers reject fields they do not know.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import httpx

from neuro_tui.engine.endpoint import Endpoint
from neuro_tui.engine.openai_stream import ApiError, parse_error
from neuro_tui.errors import MissingError, NetworkError


@dataclass
class ServerInfo:
    kind: str = "openai"  # "llama.cpp" | "vllm" | "ollama" | "openai"
    models: list[str] = field(default_factory=list)
    model: str = ""  # the one we ask for
    ctx_size: int | None = None
    model_path: str | None = None  # llama-server's GGUF, when it says
    total_slots: int | None = None


def _kind(entries: list[dict], props: dict | None) -> str:
    if props is not None and ("default_generation_settings" in props or "n_ctx" in props):
        return "llama.cpp"
    owners = {str(e.get("owned_by", "")).lower() for e in entries}
    if owners & {"llamacpp", "llama.cpp"}:
        return "llama.cpp"
    if "vllm" in owners or any("max_model_len" in e for e in entries):
        return "vllm"
    if owners & {"library", "ollama"}:
        return "ollama"
    return "openai"


async def fetch_json(client: httpx.AsyncClient, url: str, headers: dict[str, str]) -> dict | None:
    """GET `url` as JSON; None for 404/405 or a non-JSON body; ApiError for other errors."""
    response = await client.get(url, headers=headers)
    if response.status_code in (404, 405, 501):
        return None
    if response.status_code >= 400:
        raise parse_error(response.status_code, response.text, response.headers)
    try:
        data = response.json()
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


async def probe(client: httpx.AsyncClient, endpoint: Endpoint, headers: dict[str, str],
                wanted: str, key_env: str) -> ServerInfo:
    """Ask the server what it serves; raise a one-line NeuroError when it cannot be used."""
    where = endpoint.display
    try:
        listing = await fetch_json(client, f"{endpoint.api}/models", headers) or {}
        props = await fetch_json(client, f"{endpoint.base}/props", headers) \
            if endpoint.base else None
    except httpx.TimeoutException:
        raise NetworkError(f"the server at {where} did not answer in time") from None
    except ApiError as error:
        raise refusal(error, where, key_env) from None
    except httpx.TransportError as error:
        raise transport_failure(error, where, endpoint.local) from None
    entries = [e for e in listing.get("data") or listing.get("models") or []
               if isinstance(e, dict)]
    info = ServerInfo(kind=_kind(entries, props))
    info.models = [str(e.get("id") or e.get("name") or e.get("model")) for e in entries]
    if wanted and info.models and wanted not in info.models:
        raise MissingError(f"model {wanted!r} is not on {where}; it has: "
                           + ", ".join(info.models))
    info.model = wanted or (info.models[0] if info.models else "")
    chosen = next((e for e in entries if str(e.get("id")) == info.model), {})
    if isinstance(chosen.get("max_model_len"), int):
        info.ctx_size = chosen["max_model_len"]
    if props:
        settings = props.get("default_generation_settings") or {}
        n_ctx = settings.get("n_ctx", props.get("n_ctx"))
        info.ctx_size = n_ctx if isinstance(n_ctx, int) else info.ctx_size
        info.model_path = props.get("model_path") or settings.get("model")
        info.total_slots = props.get("total_slots")
    return info


def transport_failure(error: httpx.TransportError, where: str, local: bool) -> NetworkError:
    """One line for a server that cannot be reached: certificate, refused, or other."""
    if problem := _cert_problem(error):
        return NetworkError(f"the TLS certificate of {where} could not be verified ({problem})",
                            hint="a private CA's certificate goes in SSL_CERT_FILE")
    if isinstance(error, httpx.ConnectError):
        return NetworkError(f"no server answers at {where} ({_reason(error)})",
                            hint="start one with `neuro-tui engine start`" if local else None)
    return NetworkError(f"cannot talk to the server at {where}: {_reason(error)}")


def refusal(error: ApiError, where: str, key_env: str):
    """The NeuroError for an ApiError at start, naming what to change."""
    from neuro_tui.errors import GenerationError

    if error.kind == "auth":
        return NetworkError(f"{where} refused the request ({error.status}: {error.message})",
                            hint=key_hint(key_env))
    return GenerationError(f"{where} answered {error.status}: {error.message}")


def key_hint(key_env: str) -> str:
    import os

    if not key_env:
        return "set [engine] api_key_env to the name of the environment variable with the key"
    if not os.environ.get(key_env):
        return f"the environment variable {key_env} is empty or unset"
    return f"check the key in the environment variable {key_env}"


def _cert_problem(error: BaseException) -> str | None:
    import ssl

    seen: BaseException | None = error
    while seen is not None:
        if isinstance(seen, ssl.SSLCertVerificationError):
            return seen.verify_message or str(seen)
        seen = seen.__cause__ or seen.__context__
    return None


def _reason(error: BaseException) -> str:
    """"connection refused" when that is the cause (httpx says "All connection attempts
    failed" and keeps the OSError underneath), else httpx's own words."""
    seen: BaseException | None = error
    while seen is not None:
        if isinstance(seen, ConnectionRefusedError) or "refused" in str(seen).lower():
            return "connection refused"
        seen = seen.__cause__ or seen.__context__
    return str(error) or type(error).__name__
