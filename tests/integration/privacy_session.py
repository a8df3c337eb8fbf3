"""One full neuro-tui session in its own process, for test_privacy.py to run under strace.

    python -m tests.integration.privacy_session OUT.json tui "question"
    python -m tests.integration.privacy_session OUT.json cli ask "question"
    python -m tests.integration.privacy_session OUT.json engine "question"

`tui` drives the real app (create_app, real LlamaSession and llama-cli) through Textual's
Pilot; `cli` calls the CLI entry with the given arguments; `engine` asks through
engine/factory.build_session (the server engine with NEURO_TUI_ENGINE=server: a local
llama-server, or NEURO_TUI_ENGINE_URL). Configuration comes from the
NEURO_TUI_* environment. A Python audit hook records every socket.connect made in this
process (strace -f sees those too, plus llama-cli's and any other child's).

With NEURO_TUI_TEST_SEARCH_URL set, the DuckDuckGo provider asks that loopback URL instead
(JSON [{title, url}]), so web mode runs the real fetch/extract path without the internet.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys

CONNECTS: list[dict] = []


def _audit(event: str, args: tuple) -> None:
    if event == "socket.connect":
        sock, address = args
        CONNECTS.append({"family": int(sock.family), "address": repr(address)})


def _loopback_provider(url: str) -> None:
    from urllib.parse import quote
    from urllib.request import urlopen

    from neuro_tui.retrieval.web import provider

    def search(self, query: str, limit: int) -> list:
        with urlopen(f"{url}?q={quote(query)}", timeout=5) as response:
            rows = json.load(response)
        return [provider.WebResult(r["title"], r["url"]) for r in rows][:limit]

    provider.DuckDuckGoProvider.search = search


async def _tui(question: str) -> dict:
    from neuro_tui import config as config_mod
    from neuro_tui.app.app import create_app
    from neuro_tui.app.chat_screen import ChatScreen
    from neuro_tui.chat import events as ev

    seen: list = []

    def events(kind) -> list:
        unique = {id(x): x for x in seen if isinstance(x, ChatScreen.EngineEvent)}
        return [x.event for x in unique.values() if isinstance(x.event, kind)]

    app = create_app(config_mod.load({}))
    async with app.run_test(size=(120, 36), message_hook=seen.append) as pilot:
        await _until(pilot, lambda: events((ev.EngineReady, ev.EngineFailed)), 120)
        if failed := events(ev.EngineFailed):
            return {"error": f"session failed: {failed[0].kind} {failed[0].message}"}
        await pilot.press(*question, "enter")
        await _until(pilot, lambda: events(ev.TurnEnded), 180)
        await pilot.pause(0.05)
        turn = app.chat.service.transcript.at(1)
        answer = turn.answer if turn is not None else ""
        sources = [s.location for x in events(ev.SourcesFound) for s in x.sources]
    return {"answer": answer, "sources": list(dict.fromkeys(sources))}


async def _engine(question: str) -> dict:
    from neuro_tui import config as config_mod
    from neuro_tui.engine.factory import build_session
    from neuro_tui.errors import NeuroError

    try:
        session = build_session(config_mod.load({}))
    except NeuroError as error:
        return {"refused": str(error)}
    await session.start()
    try:
        answer = "".join([getattr(e, "text", "") async for e in session.ask(question)])
    finally:
        await session.close()
    return {"answer": answer, "url": getattr(session, "url", None)}


async def _until(pilot, predicate, timeout: float) -> None:
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while not predicate():
        if loop.time() > end:
            raise TimeoutError("condition not reached in time")
        await pilot.pause(0.05)


def main() -> int:
    out, mode, *rest = sys.argv[1:]
    sys.addaudithook(_audit)
    from neuro_tui import privacy

    privacy.apply()  # as the CLI entry does
    if url := os.environ.get("NEURO_TUI_TEST_SEARCH_URL"):
        _loopback_provider(url)
    if mode == "tui":
        result = asyncio.run(_tui(rest[0]))
        code = 0 if "error" not in result else 1
    elif mode == "engine":
        result, code = asyncio.run(_engine(rest[0])), 0
    else:
        from neuro_tui.cli import main as cli_main

        code, result = cli_main(rest), {}
    result["connects"] = CONNECTS
    with open(out, "w", encoding="utf-8") as handle:
        json.dump(result, handle)
    return code


if __name__ == "__main__":
    sys.exit(main())
