"""`neuro-tui sessions list|show|export|delete|rename`: the saved chats, from a shell."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from neuro_tui import sessions
from neuro_tui.textsafe import one_line, strip_controls


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
    p = sub.add_parser("rename", help="give a chat a new title")
    p.add_argument("id")
    p.add_argument("title")
    p.set_defaults(func=_rename)
    parser.set_defaults(func=_list)


def _list(_args: argparse.Namespace) -> int:
    found = sessions.list_sessions()
    if not found:
        print("no saved chats yet")
    for info in found:
        when = time.strftime("%Y-%m-%d %H:%M", time.localtime(info.updated))
        title = one_line(info.title, 80) or "(untitled)"
        print(f"{info.id}  {when}  {len(info.messages):3d} msgs  {one_line(info.model, 40) or '?'}"
              f"  {title}")
    return 0


def _show(args: argparse.Namespace) -> int:
    # saved text is model output: never let it drive the terminal
    sys.stdout.write(strip_controls(sessions.export_markdown(sessions.find(args.id))))
    return 0


def _export(args: argparse.Namespace) -> int:
    info = sessions.find(args.id)
    out = Path(args.output or f"{info.id}.md")
    out.write_text(strip_controls(sessions.export_markdown(info)), encoding="utf-8")
    print(f"wrote {out}")
    return 0


def _delete(args: argparse.Namespace) -> int:
    info = sessions.delete(args.id)
    print(f"deleted {info.id} ({info.title or 'untitled'})")
    return 0


def _rename(args: argparse.Namespace) -> int:
    sessions.rename(args.id, args.title)
    return 0
