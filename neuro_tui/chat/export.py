"""A Transcript as Markdown (`sessions show`, `sessions export`, the TUI's export key).

Each answer's `[n]` markers become footnotes `[^turn-n]` pointing at that turn's sources; an
answer that never ended (crash, hang, killed app) says so under it, so nobody mistakes it
for a complete one.
"""

from __future__ import annotations

import re
import time

from neuro_tui.chat.transcript import Transcript, Turn

PARTIAL_MARK = "*[answer cut off: incomplete]*"


def turn_markdown(turn: Turn) -> list[str]:
    out = ["## You", "", turn.question, ""]
    body = re.sub(r"\[(\d+)\]", lambda m: f"[^{turn.number}-{m.group(1)}]", turn.answer)
    out += ["## Assistant", "", body, ""]
    if turn.partial:
        out += [PARTIAL_MARK + (f" ({turn.error})" if turn.error else ""), ""]
    elif turn.stop_reason == "interrupted":
        out += ["*[stopped]*", ""]
    for source in turn.sources:
        out.append(f"[^{turn.number}-{source.number}]: {source.title} {source.location}".rstrip())
    if turn.sources:
        out.append("")
    return out


def export_markdown(transcript: Transcript) -> str:
    when = time.strftime("%Y-%m-%d %H:%M", time.localtime(transcript.created or time.time()))
    out = [f"# {transcript.title or transcript.chat_id}", "",
           f"*{when}" + (f" · {transcript.model}*" if transcript.model else "*"), ""]
    for turn in transcript.turns:
        out += turn_markdown(turn)
    return "\n".join(out)
