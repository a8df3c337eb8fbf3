"""`neuro-tui sessions list|show|export|delete|rename`: the saved chats (chat store), from a
shell. The command keeps its first name; the files are chat/store.py's."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from neuro_tui.chat import store
from neuro_tui.chat.export import export_markdown
from neuro_tui.chat.fork import describe
from neuro_tui.textsafe import one_line


def register(subparsers) -> None:
    parser = subparsers.add_parser("sessions", help="list, show, export or delete saved chats")
    sub = parser.add_subparsers(dest="action", metavar="ACTION")
    sub.add_parser("list", help="saved chats, newest first").set_defaults(func=_list)
    for name, func, helptext in [("show", _show, "print a chat as Markdown"),
                                 ("export", _export, "write a chat to a Markdown file"),
                                 ("delete", _delete, "delete a chat")]:
        p = sub.add_parser(name, help=helptext)
        p.add_argument("id", help="chat id (a unique prefix is enough) or 'last'")
        if name == "export":
            p.add_argument("-o", "--output", help="file to write (default: <id>.md here)")
        p.set_defaults(func=func)
    p = sub.add_parser("search", help="search every saved chat (questions weigh most)")
    p.add_argument("query", help="words to find")
    p.add_argument("-n", "--limit", type=int, default=10, help="results to show (default 10)")
    p.set_defaults(func=_search)
    p = sub.add_parser("fork", help="a new chat holding turns 1..TURN of a chat")
    p.add_argument("id")
    p.add_argument("turn", type=int)
    p.set_defaults(func=_fork)
    p = sub.add_parser("rename", help="give a chat a new title")
    p.add_argument("id")
    p.add_argument("title")
    p.set_defaults(func=_rename)
    parser.set_defaults(func=_list)


def _report(chat: store.SavedChat) -> None:
    """What loading skipped, per file, on stderr (the chat itself still shows)."""
    problems = chat.transcript.problems
    if problems:
        shown = "; ".join(problems[:3]) + (f"; {len(problems) - 3} more" if len(problems) > 3
                                           else "")
        print(f"neuro-tui: {chat.path.name}: {len(problems)} record(s) skipped ({shown})",
              file=sys.stderr)


def _list(_args: argparse.Namespace) -> int:
    found = store.list_chats()
    if not found:
        print("no saved chats yet")
    for chat in found:
        t = chat.transcript
        when = time.strftime("%Y-%m-%d %H:%M", time.localtime(chat.updated))
        title = one_line(t.title, 80) or "(untitled)"
        cut = " (cut off)" if any(turn.partial for turn in t.turns) else ""
        cut += f" ({describe(chat.path)})" if describe(chat.path) else ""
        print(f"{chat.chat_id}  {when}  {len(t.turns):3d} turns  {one_line(t.model, 40) or '?'}"
              f"  {title}{cut}")
        _report(chat)
    return 0


def _show(args: argparse.Namespace) -> int:
    chat = store.find(args.id)
    _report(chat)
    sys.stdout.write(export_markdown(chat.transcript))  # cleaned when it was read
    return 0


def _export(args: argparse.Namespace) -> int:
    chat = store.find(args.id)
    _report(chat)
    out = Path(args.output or f"{chat.chat_id}.md")
    out.write_text(export_markdown(chat.transcript), encoding="utf-8")
    print(f"wrote {out}")
    return 0


def _delete(args: argparse.Namespace) -> int:
    chat = store.delete(args.id)
    print(f"deleted {chat.chat_id} ({one_line(chat.transcript.title) or 'untitled'})")
    return 0


def _search(args: argparse.Namespace) -> int:
    from neuro_tui.cli.chat_search_out import print_hits

    return print_hits(args.query, args.limit)


def _fork(args: argparse.Namespace) -> int:
    from neuro_tui import config as config_mod
    from neuro_tui.chat.fork import fork

    default = str(config_mod.load({}).model)  # the config's model (file, env), as the app
    made = fork(store.find(args.id), args.turn, default_model=default)
    if made.notice:
        print(f"neuro-tui: {made.notice}", file=sys.stderr)
    print(f"forked {made.source_id} at turn {made.turn}: {made.saved.chat_id}; continue it "
          f"with: neuro-tui --resume {made.saved.chat_id}")
    return 0


def _rename(args: argparse.Namespace) -> int:
    store.rename(args.id, args.title)
    return 0
