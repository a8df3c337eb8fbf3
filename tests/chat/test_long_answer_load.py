"""A saved answer of very many fragments loads in time linear in its size (chatfile.load
joined `answer + text` per fragment: 100k fragments took ~6 s). Compared as a ratio in the
same run (8x the fragments must not cost 64x), not against a wall-clock limit."""

from __future__ import annotations

import json
import time
from pathlib import Path

from neuro_tui.chat.chatfile import load


def piece(i: int) -> str:
    return f"w{i % 10} lorem ipsum dolor sit amet, "  # a streamed fragment or a few


def long_answer_chat(path: Path, fragments: int, cut_off: bool = False) -> Path:
    lines = [{"type": "meta", "id": path.stem, "title": "long", "version": 2},
             {"type": "user", "turn": 1, "content": "Write a lot"}]
    lines += [{"type": "delta", "turn": 1, "text": piece(i), "ts": 1.0}
              for i in range(fragments)]
    lines.append({"type": "user", "turn": 2, "content": "More"})
    lines += [{"type": "delta", "turn": 2, "text": "x"}, {"type": "delta", "turn": 1,
                                                          "text": "end."}]
    if not cut_off:
        lines.append({"type": "end", "turn": 1, "status": "done", "stop_reason": "eos"})
    path.write_text("".join(json.dumps(r) + "\n" for r in lines))
    return path


def load_seconds(path: Path) -> float:
    best = float("inf")
    for _ in range(2):
        started = time.perf_counter()
        load(path)
        best = min(best, time.perf_counter() - started)
    return best


def test_many_fragments_load_whole_and_in_linear_time(tmp_path):
    small = long_answer_chat(tmp_path / "small.jsonl", 8_000)
    big = long_answer_chat(tmp_path / "big.jsonl", 64_000)
    transcript = load(big)
    first, second = transcript.turns
    assert first.answer == "".join(piece(i) for i in range(64_000)) + "end."
    assert first.finished and not first.partial
    assert second.answer == "x" and second.partial  # never ended: cut off, text kept
    ratio = load_seconds(big) / load_seconds(small)
    assert ratio < 24, f"8x the fragments cost {ratio:.1f}x the time"


def test_a_cut_off_long_answer_keeps_all_its_text(tmp_path):
    transcript = load(long_answer_chat(tmp_path / "cut.jsonl", 1_000, cut_off=True))
    assert transcript.turns[0].partial
    assert transcript.turns[0].answer == "".join(piece(i) for i in range(1_000)) + "end."
