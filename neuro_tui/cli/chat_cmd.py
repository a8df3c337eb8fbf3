"""`neuro-tui chat --plain`: a line-mode chat for scripts, screen readers and dumb terminals.

One message per stdin line (a line ending in `\\` continues on the next), each answer
streamed to stdout as it is generated, Ctrl+C stops the answer (and quits at the prompt),
EOF ends the chat. `--timing-json FILE` appends one JSON object per turn. The same live
llama-cli session as the app: turn N pays only for its own tokens.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import signal
import sys
import threading

from neuro_tui import config as config_mod
from neuro_tui.engine.events import AnswerText, ContextWarning, SessionError, TurnStats
from neuro_tui.errors import EXIT_INTERRUPTED, UsageError


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("chat", help="chat in plain line mode (--plain), for scripts")
    p.add_argument("--plain", action="store_true",
                   help="line mode: one message per stdin line, answers on stdout")
    p.add_argument("--model", help="model name or path to a .gguf (default: auto)")
    p.add_argument("--cli", help="path to llama-cli")
    p.add_argument("--timing-json", metavar="FILE",
                   help="append one JSON object per turn (load, TTFT, tokens, tok/s, context)")
    p.add_argument("--max-tokens", type=int, help="max tokens per answer")
    p.add_argument("--seed", type=int, help="random seed")
    p.add_argument("--threads", type=int, help="CPU threads (default: automatic)")
    p.add_argument("--ctx-size", type=int, help="context size")
    p.add_argument("--system", help="system prompt")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if not args.plain:
        raise UsageError("chat needs --plain (the full-screen app is plain `neuro-tui`)")
    from neuro_tui.launch import build_session_spec

    config = config_mod.load({
        "model": args.model, "cli": args.cli, "max_tokens": args.max_tokens, "seed": args.seed,
        "threads": args.threads, "ctx_size": args.ctx_size, "system_prompt": args.system,
    })
    return asyncio.run(chat(build_session_spec(config), args.timing_json))


def _stdin_lines(loop: asyncio.AbstractEventLoop, queue: asyncio.Queue) -> None:
    """A daemon thread: a blocked read of stdin must never keep the process alive."""
    def pump() -> None:
        for line in sys.stdin:
            loop.call_soon_threadsafe(queue.put_nowait, line)
        loop.call_soon_threadsafe(queue.put_nowait, None)

    threading.Thread(target=pump, daemon=True, name="stdin").start()


async def read_message(queue: asyncio.Queue) -> str | None:
    """One message: lines ending in a backslash continue on the next. None at EOF."""
    parts: list[str] = []
    while True:
        line = await queue.get()
        if line is None:
            return "\n".join(parts) if parts else None
        line = line.rstrip("\r\n")
        if line.endswith("\\"):
            parts.append(line[:-1])
            continue
        parts.append(line)
        return "\n".join(parts)


def _say(text: str) -> None:
    print(f"neuro-tui: {text}", file=sys.stderr, flush=True)


async def chat(spec, timing_json: str | None) -> int:
    from neuro_tui.engine.session import LlamaSession

    session = LlamaSession(spec)
    loop = asyncio.get_running_loop()
    quit_now = asyncio.Event()

    def on_sigint() -> None:
        if session.state.value in ("prefill", "generating"):
            loop.create_task(session.interrupt())
        else:
            quit_now.set()

    loop.add_signal_handler(signal.SIGINT, on_sigint)
    lines: asyncio.Queue = asyncio.Queue()
    try:
        await session.start()
        for note in session.warnings:
            _say(f"warning: {note}")
        _stdin_lines(loop, lines)
        while True:
            if sys.stdin.isatty():
                print("> ", end="", file=sys.stderr, flush=True)
            reader = asyncio.ensure_future(read_message(lines))
            quitter = asyncio.ensure_future(quit_now.wait())
            await asyncio.wait({reader, quitter}, return_when=asyncio.FIRST_COMPLETED)
            if quitter.done():
                reader.cancel()
                return EXIT_INTERRUPTED
            quitter.cancel()
            message = reader.result()
            if message is None:
                return 0
            if not message.strip():
                continue
            await one_turn(session, message, timing_json)
    finally:
        loop.remove_signal_handler(signal.SIGINT)
        await session.close()


async def one_turn(session, message: str, timing_json: str | None) -> None:
    out = sys.stdout
    async for event in session.ask(message):
        if isinstance(event, AnswerText):
            out.write(event.text)
            out.flush()
        elif isinstance(event, TurnStats):
            out.write("\n")
            out.flush()
            if event.stop_reason == "interrupted":
                _say("answer stopped")
            if timing_json:
                with open(timing_json, "a", encoding="utf-8") as handle:
                    handle.write(json.dumps(event.as_json()) + "\n")
        elif isinstance(event, ContextWarning):
            _say(f"warning: context {event.ctx_used}/{event.ctx_size} tokens used; "
                 "older turns will be forgotten")
        elif isinstance(event, SessionError):
            out.write("\n")
            out.flush()
            _say(f"error: {event.message}")
            for line in event.log_tail[-5:]:
                _say(f"  log: {line}")
            if event.kind in ("crash", "hang"):
                await session.restart()
                _say(session.notice or "llama-cli restarted")
