"""How a ServerSession reaches its server: the HTTP client, the probe, the llama-server it
owns; connect, reconnect, disconnect.

Apart from the session (engine/server_engine.py), which holds the conversation and runs
turns: this is the connection's life. The client never takes a proxy for a loopback URL (a
proxy must never carry a local chat away), verifies TLS and follows no redirect; every
(re)connect probes the server again (/v1/models, /props: model, context size), and a
reconnect first makes sure an owned llama-server still answers (restarting it if not).
"""

from __future__ import annotations

import os
import time
from dataclasses import replace

import httpx

from neuro_tui.engine.endpoint import Endpoint, ServerSpec
from neuro_tui.engine.events import SessionState
from neuro_tui.engine.server_info import probe
from neuro_tui.engine.timing import ProcessProbe


def headers(spec: ServerSpec) -> dict[str, str]:
    """Request headers; the key is read from the environment now, never stored."""
    key = os.environ.get(spec.api_key_env, "") if spec.api_key_env else ""
    return {"Authorization": f"Bearer {key}"} if key else {}


def new_client(endpoint: Endpoint, timeout_s: float) -> httpx.AsyncClient:
    return httpx.AsyncClient(timeout=httpx.Timeout(timeout_s), trust_env=not endpoint.local,
                             verify=True, follow_redirects=False)


async def connect(session) -> None:
    """Start an owned llama-server if it is not running, probe, and be READY (CRASHED and
    the error raised when any of it fails)."""
    session.stats.state = SessionState.LOADING
    t0 = time.monotonic()
    launcher = session.launcher
    try:
        if launcher is not None and not launcher.running:
            await launcher.start()
        if session._client is None:
            session._client = new_client(session.spec.endpoint, session.spec.connect_timeout_s)
        session.info = info = await probe(session._client, session.spec.endpoint,
                                          session.headers(), session._wanted,
                                          session.spec.api_key_env)
    except BaseException:
        session.stats.state = SessionState.CRASHED
        raise
    session.stats.load_ms = (launcher.load_ms if launcher and launcher.load_ms
                             else (time.monotonic() - t0) * 1000)
    session.stats.ctx_size = info.ctx_size
    if info.model and info.model != session.spec.model:  # shown by the core and the pane
        session.spec = replace(session.spec, model=info.model)
    session._probe = ProcessProbe(session.pid)
    session._probe.sample(session.stats)
    session.stats.state = SessionState.READY


async def _drop_client(session) -> None:
    if session._client is not None:
        client, session._client = session._client, None
        await client.aclose()


async def reconnect(session) -> None:
    """After a crash, a hang or a restart: an owned server checked (or restarted), a fresh
    client (the old one's pooled connections may point at a dead server), probed again."""
    if session.launcher is not None:
        await session.launcher.ensure()
    await _drop_client(session)
    session.stats.state = SessionState.IDLE
    await connect(session)


async def disconnect(session) -> None:
    """CLOSED; an owned llama-server is stopped (a kept one never: LocalServer.keep)."""
    session.stats.state = SessionState.CLOSED
    await _drop_client(session)
    if session.launcher is not None:
        await session.launcher.stop()
