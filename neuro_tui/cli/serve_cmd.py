"""`neuro-tui serve`: the same chat app in a browser tab, through textual-serve.

Each browser tab gets its own `neuro-tui` process (same flags) behind a websocket. Bound to
loopback by default; binding anywhere else prints a warning and requires a token (one is
generated when none is given) that the printed URL carries.
"""

from __future__ import annotations

import argparse
import os
import secrets
import shlex
import socket
import sys

from neuro_tui.errors import UsageError

DEFAULT_PORT = 8000
TOKEN_ENV = "NEURO_TUI_SERVE_TOKEN"
# Flags passed through to each browser session's `neuro-tui` process.
_APP_FLAGS = ("model", "cli", "theme", "storage")


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "serve", help="serve the chat app in a browser tab (loopback by default)",
        description="Serve the chat app in a browser through textual-serve. Each tab runs its "
        "own neuro-tui. Off loopback a token is required (generated if not given).")
    parser.add_argument("--host", default="127.0.0.1",
                        help="address to bind (default 127.0.0.1; anything else needs a token)")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT,
                        help=f"port to bind (default {DEFAULT_PORT})")
    parser.add_argument("--token", default=None,
                        help=f"access token (or ${TOKEN_ENV}); generated off loopback if unset")
    # Same flags as the app; SUPPRESS so they don't clobber `neuro-tui --model X serve`.
    parser.add_argument("--model", default=argparse.SUPPRESS, help="model name or .gguf path")
    parser.add_argument("--cli", default=argparse.SUPPRESS, help="llama-cli binary to use")
    parser.add_argument("--theme", default=argparse.SUPPRESS, help="theme name")
    parser.add_argument("--storage", default=argparse.SUPPRESS,
                        help="Tantivy index folder to answer from")
    parser.add_argument("--web", action="store_true", default=argparse.SUPPRESS,
                        help="turn web search on in each session (data leaves the machine)")
    parser.set_defaults(func=run)


def app_command(args: argparse.Namespace) -> str:
    """The shell command textual-serve runs per browser session."""
    argv = [sys.executable, "-m", "neuro_tui"]
    for name in _APP_FLAGS:
        value = getattr(args, name, None)
        if value:
            argv += [f"--{name}", str(value)]
    if getattr(args, "web", None):
        argv.append("--web")
    return shlex.join(argv)


def page_url(host: str, port: int, token: str | None) -> str:
    """The URL to open: a reachable name for wildcard binds, the token in the query."""
    if host in ("0.0.0.0", "::", ""):
        host = socket.gethostname()
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}/" + (f"?token={token}" if token else "")


def resolve_token(host: str, token: str | None) -> tuple[str | None, list[str]]:
    """(token to enforce, warnings to print) for a bind on `host`."""
    from neuro_tui.browser import is_loopback

    token = token or os.environ.get(TOKEN_ENV) or None
    if is_loopback(host):
        return token, []
    warnings = [f"serving on {host}, which other machines may reach: anyone with the URL "
                "can chat with your models and read what the app can read. Prefer "
                "127.0.0.1 with an SSH tunnel; traffic is plain HTTP."]
    if token is None:
        token = secrets.token_urlsafe(24)
        warnings.append("generated an access token (pass --token to choose one)")
    return token, warnings


def run(args: argparse.Namespace) -> int:
    if not 0 < args.port < 65536:
        raise UsageError(f"--port {args.port} is not a port number (1-65535)")
    if args.token is not None and len(args.token) < 8:
        raise UsageError("--token must be at least 8 characters")
    token, warnings = resolve_token(args.host, args.token)
    os.environ.pop(TOKEN_ENV, None)  # the per-tab app processes inherit the environment
    for line in warnings:
        print(f"warning: {line}", file=sys.stderr)
    _check_port_free(args.host, args.port)
    from neuro_tui.browser import GuardedServer

    server = GuardedServer(app_command(args), host=args.host, port=args.port, token=token)
    print(f"neuro-tui serve: open {page_url(args.host, args.port, token)}  (Ctrl+C stops)",
          flush=True)
    server.serve()
    return 0


def _check_port_free(host: str, port: int) -> None:
    """A one-line error instead of aiohttp's traceback when the port is taken."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as error:
        raise UsageError(f"--host {host}: {error.strerror}") from None
    family, _type, _proto, _name, addr = infos[0]
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(addr)
        except OSError as error:
            raise UsageError(f"cannot listen on {host}:{port}: {error.strerror}") from None
