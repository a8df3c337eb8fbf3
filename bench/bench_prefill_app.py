"""Prefill while typing through the APP (issue 15): TTFT of a cited answer after a typing
pause warmed the server, vs a plain turn, vs a cited turn sent at once (cold).

The real app (create_app, App.run_test) on the server engine, a real llama-server on
127.0.0.1 (the runtime's, as `engine start` runs it) with SmolLM2, a real Tantivy index of
generated notes. Keys go in through Pilot; the warm is what the screen starts on the
typing pause (ChatInput.Paused -> chat/prefill.py). Each round, in one conversation: a
plain question (local sources off), a cited question typed and sent at once (cold), a cited
question typed, paused on until the warm finished, then sent. Every cited turn asks about
another note, so no turn reuses another's sources. Two figures per turn: the engine's TTFT
(request to first token, the server path's own clock) and the visible one (Enter to the
first answer text on screen: retrieval included). Goal: warmed cited <= 2x plain.

  .venv/bin/python bench/bench_prefill_app.py [--rounds 3] [--threads 1] [--prefill-seconds 1.5]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

RIVERS = ["Loire", "Danube", "Rhine", "Seine", "Elbe", "Tagus", "Vistula", "Oder", "Ebro",
          "Rhone", "Thames", "Shannon"]


def write_notes(folder: Path) -> None:
    """One note per river, a few paragraphs each, with words only that river's note has."""
    folder.mkdir(parents=True, exist_ok=True)
    for i, river in enumerate(RIVERS):
        paras = [f"# The {river}\n",
                 f"The {river} rises in the hills and passes {i * 3 + 5} towns and "
                 f"{i * 7 + 2} bridges before it reaches the sea.",
                 f"Its basin feeds farms and forests; the river port of {river}mouth ships "
                 f"{i + 2} million tonnes a year.",
                 f"Fishermen on the {river} catch pike, perch and eel; the {river} ferry "
                 f"crosses it {i + 4} times a day."]
        (folder / f"{river.lower()}.md").write_text("\n\n".join(paras) + "\n")


class Clock:
    """message_hook: the time the first answer text of each turn reached the screen."""

    def __init__(self) -> None:
        self.first: dict[int, float] = {}
        self.ended: dict[int, object] = {}

    def __call__(self, message) -> None:
        from neuro_tui.app.answer_stream import AnswerStreamed
        from neuro_tui.app.chat_screen import ChatScreen
        from neuro_tui.chat import events as ev

        if isinstance(message, AnswerStreamed):
            self.first.setdefault(message.turn, time.monotonic())
        elif isinstance(message, ChatScreen.EngineEvent) and isinstance(message.event,
                                                                         ev.TurnEnded):
            self.ended.setdefault(message.event.turn, message.event)


async def until(predicate, pilot, timeout: float = 120.0) -> None:
    end = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > end:
            raise RuntimeError("timed out")
        await pilot.pause(0.02)


async def turn(app, pilot, clock: Clock, text: str, *, pause: bool) -> dict:
    """Type `text`, optionally wait for the typing-pause warm to finish, press Enter."""
    screen = app.screen
    session = screen.service.session
    warms_before = id(session.last_warm)
    await pilot.press(*text)
    if pause:  # the user stops typing: the screen warms; Enter once the warm is done
        task = lambda: session._warmer.task  # noqa: E731
        await until(lambda: id(session.last_warm) != warms_before
                    and task() is not None and task().done(), pilot)
    number = len(screen.service.transcript.turns) + 1
    sent = time.monotonic()
    await pilot.press("enter")
    await until(lambda: number in clock.ended, pilot)
    end = clock.ended[number]
    if end.status.value != "done":
        raise RuntimeError(f"turn {number} {end.status.value}: {end.error}")
    timings = dict(session.last_timings or {})
    return {"engine_ms": end.stats["ttft_ms"], "visible_ms": (clock.first[number] - sent) * 1000,
            "read": timings.get("prompt_n"), "prompt": end.stats.get("prompt_tokens"),
            "sources": len(screen.service.transcript.at(number).sources),
            "warm_ms": (session.last_warm or {}).get("wall_ms") if pause else None}


async def run(args, index: Path) -> dict[str, list[dict]]:
    from neuro_tui import config as config_mod
    from neuro_tui.app.app import create_app
    from neuro_tui.engine.llama_server import LocalServer, find_binary
    from neuro_tui.engine.params import GenerationParams

    params = GenerationParams(threads=args.threads, max_tokens=16, seed=42, ctx_size=4096)
    server = LocalServer(find_binary(), args.model, params)
    await server.start()
    rows: dict[str, list[dict]] = {"plain": [], "cold": [], "warm": []}
    try:
        config = config_mod.load({"engine": "server", "engine_url": server.url,
                                  "storage": str(index), "max_tokens": 16, "seed": 42,
                                  "prefill_seconds": args.prefill_seconds,
                                  "theme": "neuro-dark"}, environ={})
        app = create_app(config, persist=False)
        clock = Clock()
        async with app.run_test(size=(120, 36), message_hook=clock) as pilot:
            await until(lambda: app.screen.service.state == "ready", pilot)
            for r in range(args.rounds):
                cold, warm = RIVERS[(2 * r) % len(RIVERS)], RIVERS[(2 * r + 1) % len(RIVERS)]
                config.values["storage"] = ""  # a plain turn: no sources
                rows["plain"].append(await turn(app, pilot, clock, "Say hello in one word.",
                                                pause=False))
                config.values["storage"] = str(index)
                rows["cold"].append(await turn(
                    app, pilot, clock, f"How many bridges does the {cold} have?", pause=False))
                rows["warm"].append(await turn(
                    app, pilot, clock, f"How many towns does the {warm} pass?", pause=True))
    finally:
        await server.stop()
    return rows


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", type=Path)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--prefill-seconds", type=float, default=1.5,
                    help="the sources' prefill budget ([retrieval] prefill_seconds; more = "
                         "more sources per cited turn)")
    args = ap.parse_args()
    from neuro_tui import paths

    with tempfile.TemporaryDirectory(prefix="bench-prefill-app-") as tmp:
        for name, folder in (("NEURO_TUI_RUNTIME_DIR", paths.runtime_root()),
                             ("NEURO_BITNET_MODELS_DIR", paths.models_dir())):
            os.environ.setdefault(name, str(folder))  # the installed runtimes and models
        os.environ["NEURO_TUI_CONFIG_DIR"] = str(Path(tmp) / "config")  # not the user's
        os.environ["NEURO_TUI_DATA_DIR"] = str(Path(tmp) / "data")
        from neuro_tui.models import smollm2
        from neuro_tui.retrieval.indexer import index_paths

        args.model = args.model or smollm2.ensure()
        write_notes(Path(tmp) / "notes")
        index_paths(Path(tmp) / "index", [Path(tmp) / "notes"], recursive=True)
        rows = asyncio.run(run(args, Path(tmp) / "index"))
    when = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    print(f"# prefill while typing through the app, {args.model.name}, -t {args.threads}, "
          f"{args.rounds} rounds, prefill_seconds {args.prefill_seconds}; {when}, "
          f"{platform.machine()} {os.cpu_count()} CPUs, "
          f"load avg {os.getloadavg()[0]:.2f}")
    med = {k: {f: statistics.median(x[f] for x in v) for f in ("engine_ms", "visible_ms")}
           for k, v in rows.items()}
    for kind, values in rows.items():
        detail = "; ".join(f"{x['engine_ms']:.0f}/{x['visible_ms']:.0f} ms, read "
                           f"{x['read']}/{x['prompt']}, {x['sources']} sources"
                           + (f", warm {x['warm_ms']:.0f} ms" if x["warm_ms"] else "")
                           for x in values)
        print(f"{kind:5}: median TTFT engine {med[kind]['engine_ms']:.0f} ms, visible "
              f"{med[kind]['visible_ms']:.0f} ms  ({detail})")
    for clock in ("engine_ms", "visible_ms"):
        ratio = med["warm"][clock] / med["plain"][clock]
        print(f"{clock[:-3]:7}: warmed cited / plain = {ratio:.2f} (goal <= 2: "
              f"{'met' if ratio <= 2 else 'NOT met'}); cold cited / plain = "
              f"{med['cold'][clock] / med['plain'][clock]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
