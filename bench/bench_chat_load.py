"""Resuming a chat with one very long answer: how long reading its file takes (what
`--resume`, F5 and `sessions show` do: chat/store.read -> chatfile.load), in a fresh
process each run (a resume happens at start-up), vs a baseline in the same session: only
json-parsing the file's lines (what any reader must pay). The answer is written through
the real ChatStore, one AnswerDelta record per fragment, as the live stream writes it.

    .venv/bin/python bench/bench_chat_load.py [--fragments 100000] [--runs 3]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from neuro_tui.chat import events as ev  # noqa: E402
from neuro_tui.chat.store import ChatStore  # noqa: E402

TIMED = """
import json, sys, time
from pathlib import Path
path = Path(sys.argv[1])
started = time.perf_counter()
if sys.argv[2] == "load":
    from neuro_tui.chat.store import read
    answer = read(path).transcript.turns[0].answer
else:
    answer = "".join(r.get("text", "") for r in map(json.loads, path.read_bytes().splitlines()))
print(time.perf_counter() - started, len(answer))
"""


def write_chat(folder: Path, fragments: int) -> Path:
    store = ChatStore.create(model="smollm2", folder=folder)
    store.record(ev.TurnQueued(1, "Write the longest story you can."))
    for i in range(fragments):
        store.record(ev.AnswerDelta(1, f" word{i % 97}"))  # one token per fragment
    store.record(ev.TurnEnded(1, ev.TurnStatus.DONE, "eos"))
    store.close()
    return store.path


def timed(path: Path, how: str) -> tuple[float, int]:
    out = subprocess.run([sys.executable, "-c", TIMED, str(path), how], check=True,
                         capture_output=True, text=True, cwd=Path(__file__).parent.parent)
    seconds, size = out.stdout.split()
    return float(seconds), int(size)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--fragments", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = write_chat(Path(tmp), args.fragments)
        rows = {"load": [], "json only": []}
        for _ in range(args.runs):  # alternating, so load on the machine hits both
            for how in rows:
                seconds, size = timed(path, "load" if how == "load" else "json")
                rows[how].append(seconds)
        base = statistics.median(rows["json only"])
        print(f"{args.fragments} fragments, answer {size} characters, "
              f"file {path.stat().st_size / 1e6:.1f} MB, {args.runs} fresh processes each")
        for how, times in rows.items():
            median = statistics.median(times)
            print(f"{how:10} median {median:7.3f} s  max {max(times):7.3f} s  "
                  f"(vs json only {median / base:5.2f}x)")


if __name__ == "__main__":
    main()
