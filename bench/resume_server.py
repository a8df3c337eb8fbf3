"""Fast resume on the server engine (issue 16): `bench_resume.py --engine server`.

Same run, real llama-server 0.3.16 (started by neuro-tui for each chat, as the app does:
--slot-save-path, --no-context-shift) + SmolLM2, one thread:
1. a live 20-turn chat, then turn 21 live: its TTFT is the baseline (the server's prompt
   cache holds the chat, so it reads only the new question);
2. the chat closed (its server stopped; the slot was saved after each turn) and resumed in
   a new server: the slot restored, the same message list sent; TTFT of that first turn;
3. the same resume with the saved state deleted: the budgeted recap (the fallback).
Goal: (2) <= 1.5x (1). The chat files and states live in a temporary data folder.
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

from neuro_tui import config as config_mod
from neuro_tui.chat import events as ev
from neuro_tui.chat import store as store_mod
from neuro_tui.chat.service import ChatService


async def turn(service: ChatService, question: str) -> dict:
    """ms to the first token from submit, and the turn's own figures."""
    t0, first, out = time.perf_counter(), None, {}
    async for event in service.ask(question):
        if isinstance(event, ev.AnswerDelta) and first is None:
            first = (time.perf_counter() - t0) * 1000
        if isinstance(event, ev.Notice):
            out.setdefault("notices", []).append(event.text)
        if isinstance(event, ev.TurnEnded):
            out.update(event.stats or {}, status=event.status.value)
    timings = service.session.last_timings or {}
    out.update(first_ms=first or 0.0, read=timings.get("prompt_n"),
               prompt=(service.session.last_usage or {}).get("prompt_tokens"))
    return out


def line(name: str, r: dict, base: float | None = None) -> str:
    ratio = f" = {r['ttft_ms'] / base:.2f}x live" if base else ""
    return (f"{name:34s} TTFT {r['ttft_ms']:6.0f} ms{ratio}; first token from submit "
            f"{r['first_ms']:6.0f} ms; server read {r['read']} of {r['prompt']} prompt tokens")


async def run(args, smollm2: Path, server: Path, question: str) -> int:
    os.environ["NEURO_TUI_DATA_DIR"] = tempfile.mkdtemp(prefix="bench-resume-")
    config = config_mod.load({"engine": "server", "model": str(smollm2),
                              "llama_server": str(server), "threads": 1, "seed": 42,
                              "max_tokens": 24, "ctx_size": args.ctx, "temperature": 0.0,
                              "web": False, "storage": ""}, environ={})
    live = ChatService(config, retriever=False, store=store_mod.ChatStore.create())
    saves = []
    for i in range(args.turns):
        await turn(live, f"Question {i + 1}: name a fruit and say one thing about it.")
        saves.append((getattr(live, "message_view", None) and live.message_view.last_save)
                     or {})
    path, chat_id = live.store.path, live.store.chat_id
    slot = Path(os.environ["NEURO_TUI_DATA_DIR"]) / "sessions" / "server-state"
    kept = [path, slot / f"{chat_id}.slot", slot / f"{chat_id}.json"]
    snapshot = {p: p.read_bytes() for p in kept}  # the 20-turn chat as it was closed
    size = len(snapshot[kept[1]]) / 1e6
    base = await turn(live, question)
    await live.close()
    save_ms = [s.get("wall_ms", 0) for s in saves if s]
    print(f"live {args.turns}-turn chat: slot saved after each turn in {min(save_ms):.0f}-"
          f"{max(save_ms):.0f} ms (last {saves[-1].get('n_saved')} tokens, {size:.1f} MB)")
    print(line(f"live turn {args.turns + 1}", base))
    rows = {}
    for name in ("restored slot", "recap (no saved state)"):
        for p, data in snapshot.items():  # back to the 20-turn chat, saved at its close
            p.write_bytes(data)
        if name.startswith("recap"):
            kept[1].unlink()
        chat = store_mod.load(path)
        service = ChatService(config, retriever=False, transcript=chat,
                              store=store_mod.ChatStore.open(path))
        t0 = time.perf_counter()
        r = await turn(service, question)
        r["resume_ms"] = (time.perf_counter() - t0) * 1000
        load = service.session.stats.load_ms or 0.0
        await service.close()
        rows[name] = r
        print(line(f"resumed, {name}", r, base["ttft_ms"]))
        print(f"{'':34s} resume -> first token {r['resume_ms']:.0f} ms (server load "
              f"{load:.0f} ms); " + "; ".join(n for n in r.get("notices", [])
                                              if "saved state" in n or "recap" in n)[:160])
    ratio = rows["restored slot"]["ttft_ms"] / base["ttft_ms"]
    print(f"goal <= 1.5x: {ratio:.2f}x {'met' if ratio <= 1.5 else 'NOT met'}")
    return 0
