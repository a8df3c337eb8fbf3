"""The app in a browser tab: textual-serve's server, guarded.

textual-serve starts one `neuro-tui` process per browser session and relays its terminal
over a websocket. Anyone who can reach that websocket drives a local model and reads local
files, so this subclass adds what the stock server lacks:

* a token (required off loopback): `/?token=T` sets a same-site cookie; every other request
  (static files, the websocket, downloads) needs the cookie or the query token, else 403;
* a Host check on loopback binds (a DNS-rebinding page can't pose as 127.0.0.1) and an
  Origin check on the websocket (another site open in the same browser can't connect);
* a page without the Google Fonts link the stock template has (nothing leaves the machine)
  and URLs built from the request, so binding 0.0.0.0 still gives working websocket URLs.
"""

from __future__ import annotations

import asyncio
import hmac
import ipaddress
import re
import signal
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import aiohttp_jinja2
import jinja2
from aiohttp import web
from aiohttp.abc import AbstractAccessLogger
from aiohttp.web_runner import GracefulExit
from textual_serve.server import Server, to_int

LOOPBACK_NAMES = {"localhost", "localhost.", "ip6-localhost"}
_FONTS_LINK = re.compile(r"<link[^>]*fonts\.googleapis\.com[^>]*>\s*", re.S)


def is_loopback(host: str) -> bool:
    """True for names and addresses that only this machine can reach."""
    host = host.strip("[]").lower()
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _host_name(host_header: str) -> str:
    """The host part of a Host header ('[::1]:80' -> '::1', 'a:1' -> 'a')."""
    return urlsplit(f"//{host_header}").hostname or ""


def _page_template() -> str:
    """textual-serve's page without the remote font (the local fallback font is used)."""
    import textual_serve

    path = Path(textual_serve.__file__).parent / "templates" / "app_index.html"
    return _FONTS_LINK.sub("", path.read_text(encoding="utf-8"))


class PathOnlyAccessLogger(AbstractAccessLogger):
    """Access log without query strings: the token must not end up in logs."""

    def log(self, request, response, time: float) -> None:
        self.logger.info('%s "%s %s" %s (%.0f ms)', request.remote, request.method,
                         request.path, response.status, time * 1000)


class GuardedServer(Server):
    """textual-serve's Server with a token, Host/Origin checks and a private page."""

    def __init__(self, command: str, *, host: str, port: int, token: str | None,
                 title: str = "neuro-tui") -> None:
        super().__init__(command, host=host, port=port, title=title)
        self.token = token or None
        self.cookie_name = f"neuro_tui_token_{port}"
        self.started = asyncio.Event()

    # -- checks ---------------------------------------------------------------------------
    def _token_ok(self, request: web.Request) -> bool:
        if self.token is None:
            return True
        for given in (request.query.get("token"), request.cookies.get(self.cookie_name)):
            if given and hmac.compare_digest(given.encode(), self.token.encode()):
                return True
        return False

    def _refusal(self, request: web.Request) -> str | None:
        """Why `request` must be refused (None = let it through)."""
        if not self._token_ok(request):
            return "missing or wrong token"
        if self.token is None and is_loopback(self.host) \
                and not is_loopback(_host_name(request.host)):
            return "Host is not a loopback name"
        origin = request.headers.get("Origin")
        if request.path == "/ws" and origin is not None and urlsplit(origin).netloc != request.host:
            return "websocket from another origin"
        return None

    @web.middleware
    async def _guard(self, request: web.Request, handler) -> web.StreamResponse:
        reason = self._refusal(request)
        if reason is not None:
            return web.Response(status=403, text=f"403 Forbidden: {reason}\n")
        response = await handler(request)
        if self.token and request.query.get("token") and not response.prepared:
            response.set_cookie(self.cookie_name, self.token, httponly=True, samesite="Strict",
                                path="/")
        return response

    # -- aiohttp app ----------------------------------------------------------------------
    async def _make_app(self) -> web.Application:
        app = web.Application(middlewares=[self._guard])
        aiohttp_jinja2.setup(app, loader=jinja2.DictLoader({"app_index.html": _page_template()}))
        app.add_routes([
            web.get("/", self.handle_index, name="index"),
            web.get("/ws", self.handle_websocket, name="websocket"),
            web.get("/download/{key}", self.handle_download, name="download"),
            web.static("/static", self.statics_path, show_index=False, name="static"),
        ])
        app.on_startup.append(self.on_startup)
        app.on_shutdown.append(self.on_shutdown)
        return app

    @aiohttp_jinja2.template("app_index.html")
    async def handle_index(self, request: web.Request) -> dict[str, Any]:
        """The page, with URLs for the host the browser used (works behind 0.0.0.0)."""
        base = f"{request.scheme}://{request.host}"
        ws_scheme = "wss" if request.scheme == "https" else "ws"
        return {
            "font_size": to_int(request.query.get("fontsize", "16"), 16),
            "app_websocket_url": f"{ws_scheme}://{request.host}/ws",
            "config": {"static": {"url": f"{base}/static/"}},
            "application": {"name": self.title},
        }

    async def on_startup(self, app: web.Application) -> None:
        self.started.set()

    def serve(self, debug: bool = False) -> None:
        """Run until Ctrl+C/SIGTERM (a fresh event loop; no deprecated get_event_loop)."""
        self.debug = debug
        self.initialize_logging()
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, self.request_exit)
        try:
            web.run_app(self._make_app(), host=self.host, port=self.port,
                        handle_signals=False, loop=loop, print=lambda *_a: None,
                        access_log_class=PathOnlyAccessLogger)
        except GracefulExit:
            pass
