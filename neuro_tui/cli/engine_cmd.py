"""`neuro-tui engine start|stop|status`: a local llama-server for the server engine.

`start` serves the configured model (or --model) on a free 127.0.0.1 port with the
generation parameters, waits for /health and prints the URL. Without --keep it stays in
the foreground and stops on Ctrl+C; with --keep it is left running detached, recorded
(pid, URL, model, log) for `engine status` / `engine stop`, and the app (`[engine] kind =
"server"` with no url) connects to it.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import signal
import sys

from neuro_tui.errors import UsageError


def register(subparsers) -> None:
    parser = subparsers.add_parser("engine", help="start, stop or list local llama-servers",
                                   description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="engine_command", metavar="ACTION", required=True)
    start = sub.add_parser("start", help="start a llama-server on 127.0.0.1 and print its URL")
    start.add_argument("--model", help="model name from the registry or a path to a .gguf")
    start.add_argument("--keep", action="store_true",
                       help="leave it running in the background until `engine stop`")
    start.add_argument("--port", type=int, help="port on 127.0.0.1 (default: a free one)")
    start.add_argument("--server", help="path to llama-server (default: from the runtimes)")
    start.set_defaults(func=run_start)
    stop = sub.add_parser("stop", help="stop kept llama-servers")
    stop.add_argument("pid", nargs="?", type=int, help="only this one (default: all)")
    stop.set_defaults(func=run_stop)
    status = sub.add_parser("status", help="list the llama-servers kept running")
    status.add_argument("--json", action="store_true", help="machine-readable output")
    status.set_defaults(func=run_status)


def _launcher(args: argparse.Namespace):
    from neuro_tui import config as config_mod
    from neuro_tui.engine.factory import local_launcher

    cfg = config_mod.load({"model": args.model, "llama_server": args.server})
    launcher = local_launcher(cfg)
    if args.port:
        if not 0 < args.port < 65536:
            raise UsageError(f"--port {args.port} is not a port number")
        launcher.port = args.port
    return launcher


def run_start(args: argparse.Namespace) -> int:
    launcher = _launcher(args)
    print(f"starting llama-server for {launcher.model.name} on {launcher.url} ...",
          file=sys.stderr)
    launcher.keep = False  # until it is ready: a failed start leaves nothing behind
    launcher.detached = args.keep  # spawned to outlive this command (no death signal)
    asyncio.run(launcher.start())
    if not args.keep:  # before the URL: whoever reads it may stop us at once (the test does)
        signal.signal(signal.SIGTERM, _interrupt)
    try:
        print(launcher.url, flush=True)
        if launcher.state_dir is None:
            print("note: this llama-server (bitnet.cpp's) can hang on saving a chat's state, "
                  "so none is saved: a resumed chat gets a recap", file=sys.stderr)
        if args.keep:
            return _keep(launcher)
        print(f"ready in {launcher.load_ms / 1000:.1f} s (pid {launcher.pid}); Ctrl+C stops it",
              file=sys.stderr)
        launcher.proc.wait()
        print(f"llama-server exited ({launcher.proc.returncode}): {launcher.reason()}",
              file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        asyncio.run(launcher.stop())
        print("llama-server stopped", file=sys.stderr)
        return 0


def _keep(launcher) -> int:
    from neuro_tui.engine import server_registry

    launcher.keep = True
    entry = server_registry.record(launcher)
    launcher.proc.returncode = 0  # detached: ours no longer to wait for (no warning)
    print(f"kept running: pid {entry['pid']}, log {entry['log']}", file=sys.stderr)
    print("the app connects to it with [engine] kind = \"server\" (or --engine server); "
          "stop it with `neuro-tui engine stop`", file=sys.stderr)
    return 0


def _interrupt(*_args) -> None:
    raise KeyboardInterrupt  # SIGTERM stops the server like Ctrl+C does


def run_stop(args: argparse.Namespace) -> int:
    from neuro_tui.engine import server_registry

    kept = server_registry.recorded()
    targets = [e for e in kept if args.pid in (None, e["pid"])]
    if args.pid is not None and not targets:
        raise UsageError(f"no kept llama-server with pid {args.pid}"
                         + (f" (running: {', '.join(str(e['pid']) for e in kept)})"
                            if kept else ""))
    if not targets:
        print("no llama-server is kept running")
        return 0
    for entry in targets:
        server_registry.stop_recorded(entry["pid"])
        print(f"stopped llama-server pid {entry['pid']} ({entry['url']})")
    return 0


def run_status(args: argparse.Namespace) -> int:
    import httpx

    from neuro_tui.engine import server_registry

    kept = server_registry.recorded()
    for entry in kept:
        try:
            health = httpx.get(f"{entry['url']}/health", timeout=2.0, trust_env=False)
            entry["health"] = "ok" if health.status_code == 200 else f"HTTP {health.status_code}"
        except httpx.HTTPError:
            entry["health"] = "not answering"
    if args.json:
        print(json.dumps(kept, indent=1))
        return 0
    if not kept:
        print("no llama-server is kept running (start one: neuro-tui engine start --keep)")
        return 0
    from neuro_tui.textsafe import one_line

    for entry in kept:
        print(f"pid {entry['pid']}  {entry['url']}  {entry['health']}  "
              f"{one_line(entry['model'])}  since {entry['started']}")
    return 0


# -- for the commands that chat (TUI, ask, chat --plain) ----------------------------------
def add_engine_flags(parser: argparse.ArgumentParser) -> None:
    """--engine, --url, --allow-remote: the [engine] settings as flags (flags win)."""
    parser.add_argument("--engine", choices=["llama-cli", "server"],
                        help="what answers: llama-cli (local pty) or server (OpenAI-compatible)")
    parser.add_argument("--url", help="server engine URL (implies --engine server)")
    parser.add_argument("--allow-remote", action="store_true", default=None,
                        help="let the server engine send chats off this machine")


def engine_flags(args: argparse.Namespace) -> dict:
    """The config flags for config.load() from add_engine_flags' arguments."""
    url = getattr(args, "url", None)
    engine = getattr(args, "engine", None) or ("server" if url else None)
    return {"engine": engine, "engine_url": url,
            "allow_remote": getattr(args, "allow_remote", None)}
