"""Where the server engine sends chats, and whether it may: the privacy rule for URLs.

A loopback URL (127.0.0.0/8, ::1, `localhost`) keeps every chat on this machine. Any other
host means the question, the earlier turns and the sources leave it, exactly like web
search; so it is refused unless the user opted in (`[engine] allow_remote = true` or
`--allow-remote`), never by default. A host name other than `localhost` counts as remote
even if it resolves to 127.0.0.1: resolving it is already a lookup off the machine.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from neuro_tui.engine.params import GenerationParams
from neuro_tui.errors import UsageError

LOCAL_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost"}


@dataclass(frozen=True)
class Endpoint:
    """A server's base URL (`http://host:port[/prefix]`) and its OpenAI API root (`.../v1`)."""

    base: str
    local: bool

    @property
    def api(self) -> str:
        return f"{self.base}/v1"

    @property
    def display(self) -> str:
        return self.base


def is_loopback_host(host: str) -> bool:
    host = host.strip("[]").lower()
    if host in LOCAL_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def parse_url(url: str, *, allow_remote: bool = False) -> Endpoint:
    """The Endpoint for `url` ("http://127.0.0.1:8080", "http://h:11434/v1", ...).

    Raises UsageError for a malformed URL, and for a non-loopback host without opt-in."""
    text = url.strip()
    parts = urlsplit(text if "://" in text else f"http://{text}")
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UsageError(f"engine url {url!r} is not an http(s) URL (e.g. http://127.0.0.1:8080)")
    try:
        parts.port  # noqa: B018 - raises ValueError for a bad port
    except ValueError:
        raise UsageError(f"engine url {url!r} has an invalid port") from None
    if parts.username or parts.password:
        raise UsageError("engine url must not contain a user or password: put the key in the "
                         "environment variable named by [engine] api_key_env")
    path = parts.path.rstrip("/")
    path = path.removesuffix("/chat/completions").removesuffix("/v1")
    base = f"{parts.scheme}://{parts.netloc}{path}"
    local = is_loopback_host(parts.hostname)
    if not local and not allow_remote:
        raise UsageError(
            f"{base} is not on this machine: every question, earlier turn and source would "
            "be sent there",
            hint="to allow it, set [engine] allow_remote = true or pass --allow-remote")
    return Endpoint(base=base, local=local)


class ModelName(str):
    """A model as the server names it; `.stem` answers like the GGUF Path of a SessionSpec
    (the chat core shows `spec.model.stem`), without pretending it is a file."""

    @property
    def stem(self) -> str:
        return str(self)


@dataclass(frozen=True)
class ServerSpec:
    """Everything a ServerSession needs. `model` is the name to request ('' = the server's
    first); `api_key_env` names the environment variable holding the key (never the key)."""

    endpoint: Endpoint
    model: str = ""
    api_key_env: str = ""
    params: GenerationParams = field(default_factory=GenerationParams)
    hang_timeout_s: float = 120.0  # no answer event for this long = stalled (as on the pty)
    connect_timeout_s: float = 10.0
    retries: int = 3  # for 429/503, with backoff
    backoff_s: float = 1.0  # first wait; doubles; a Retry-After header wins

    def __post_init__(self) -> None:
        object.__setattr__(self, "model", ModelName(self.model))

    @property
    def binary(self) -> str:
        """Where the answers come from, shown where a SessionSpec shows its llama-cli."""
        return self.endpoint.display

    @property
    def flavor(self) -> str:
        return "server"
