"""`neuro-tui chat --plain`: a line-mode chat for scripts, screen readers and dumb terminals.

One message per stdin line (a line ending in `\\` continues on the next), each answer
streamed to stdout as it is generated, Ctrl+C stops the answer (and quits at the prompt),
EOF ends the chat. `--timing-json FILE` appends one JSON object per turn; `--save` keeps
the chat like the app does. A thin consumer of the same ChatService as the app (one live
llama-cli: turn N pays only for its own tokens); the loop here only reads lines.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import signal
import sys
import threading

from neuro_tui import config as config_mod
from neuro_tui.chat import events as ev
from neuro_tui.cli.engine_cmd import add_engine_flags, engine_flags
from neuro_tui.cli.stdin_text import decode, say
from neuro_tui.errors import EXIT_INTERRUPTED, GenerationError, NeuroError, UsageError

RESTARTABLE = ("crash", "hang", "protocol")  # the engine went away mid-answer


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
    p.add_argument("--save", action="store_true",
                   help="save the chat like the app does (see `neuro-tui sessions list`)")
    add_engine_flags(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if not args.plain:
        raise UsageError("chat needs --plain (the full-screen app is plain `neuro-tui`)")
    config = config_mod.load({
        "model": args.model, "cli": args.cli, "max_tokens": args.max_tokens, "seed": args.seed,
        "threads": args.threads, "ctx_size": args.ctx_size, "system_prompt": args.system,
        **engine_flags(args),
    })
    store = None
    if args.save:
        from neuro_tui.chat.store import ChatStore

        store = ChatStore.create(model=str(config.model))
    return asyncio.run(chat(config, args.timing_json, store=store))


def _stdin_lines(loop: asyncio.AbstractEventLoop, queue: asyncio.Queue) -> None:
    """A daemon thread: a blocked read of stdin must never keep the process alive."""
    def pump() -> None:
        for number, raw in enumerate(sys.stdin.buffer, 1):
            line = decode(raw, f"stdin line {number}")
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


async def chat(config, timing_json: str | None, *, store=None, session_factory=None) -> int:
    """The line-mode chat: each message goes through the ChatService, like the app's."""
    from neuro_tui.chat.service import ChatService

    service = ChatService(config, session_factory=session_factory, store=store,
                          retriever=False)
    loop = asyncio.get_running_loop()
    quit_now = asyncio.Event()

    def on_sigint() -> None:
        if service.running_turn is not None:
            loop.create_task(service.stop())
        else:
            quit_now.set()

    loop.add_signal_handler(signal.SIGINT, on_sigint)
    lines: asyncio.Queue = asyncio.Queue()
    printer = Printer(timing_json)
    try:
        async for event in service.run(until_idle=True):  # load the model first
            printer.show(event)
        if service.state == "failed":
            raise printer.failure
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
                say("empty line skipped (nothing to send)")
                continue
            service.submit(message)
            async for event in service.run(until_idle=True):
                printer.show(event)
                if isinstance(event, ev.EngineFailed) and event.kind in RESTARTABLE:
                    service.restart()  # goes on: a recap (llama-cli), the same messages (server)
    finally:
        loop.remove_signal_handler(signal.SIGINT)
        await service.close()
        if store is not None and store.path.exists():
            say(f"chat saved as {store.chat_id}")


class Printer:
    """Chat events as line-mode output: answers on stdout, everything else on stderr."""

    def __init__(self, timing_json: str | None) -> None:
        self.timing_json = timing_json
        self.failure: NeuroError | None = None
        self.ready = False  # before the first EngineReady a failure is raised: main says it

    def show(self, event) -> None:
        out = sys.stdout
        if isinstance(event, ev.AnswerDelta):
            out.write(event.text)
            out.flush()
        elif isinstance(event, ev.TurnEnded):
            out.write("\n")
            out.flush()
            if event.stop_reason == "interrupted":
                say("answer stopped")
            if event.error and not event.partial:
                say(f"error: {event.error}")
            if self.timing_json and event.stats:
                with open(self.timing_json, "a", encoding="utf-8") as handle:
                    handle.write(json.dumps(event.stats) + "\n")
        elif isinstance(event, ev.EngineReady):
            self.ready = True
            for note in event.warnings:
                say(f"warning: {note}")
            if event.notice:
                say(event.notice)
        elif isinstance(event, ev.ContextFilling):
            say(f"warning: context {event.ctx_used}/{event.ctx_size} tokens used; "
                "older turns will be forgotten")
        elif isinstance(event, ev.EngineFailed):
            if self.ready:
                say(f"error: {event.message}")
            for line in event.log_tail[-5:]:
                say(f"  log: {line}")
            self.failure = event.error if isinstance(event.error, NeuroError) else (
                GenerationError(event.message))
        elif isinstance(event, ev.MessageRefused | ev.Notice):
            say(event.message if isinstance(event, ev.MessageRefused) else event.text)
