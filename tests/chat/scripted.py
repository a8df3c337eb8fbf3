"""One scripted conversation both faces must save identically (CLI half: test_same_file.py;
TUI half: the screen engineer's test). Run it over the fake llama-cli with `fake_env()`,
then compare `saved_form(path)` of the chat file each face wrote with `EXPECTED`."""

from __future__ import annotations

import json
from pathlib import Path

from neuro_tui.chat import store

QUESTIONS = ["What is the capital of France?", "\x01\x02", "And of Italy?", "Thanks!"]
ANSWERS = ["Paris is the capital of France.", "Rome \x1b[31mis\x1b[0m the capital.",
           "You're welcome \u202e!"]
# what the saved chat holds: the control-only message was refused (not a turn)
EXPECTED = {
    "title": "What is the capital of France?",
    "model": "SmolLM2-135M-Instruct.Q4_1",
    "turns": [
        [1, "What is the capital of France?", "Paris is the capital of France.", "done", "eos",
         False],
        [2, "And of Italy?", "Rome is the capital.", "done", "eos", False],
        [3, "Thanks!", "You're welcome !", "done", "eos", False],
    ],
    "records": ["meta", "rename", "user", "delta*", "end", "user", "delta*", "end", "user",
                "delta*", "end"],
}


def fake_env() -> dict[str, str]:
    return {"FAKE_ANSWERS": json.dumps(ANSWERS), "FAKE_TOKEN_DELAY": "0.001",
            "FAKE_FLAVOR": "old"}


def saved_form(path: Path) -> dict:
    """The chat file, without what differs between runs (times, ids, token fragmentation)."""
    transcript = store.load(path)
    kinds: list[str] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        kind = json.loads(line)["type"]
        kind = "delta*" if kind == "delta" else kind
        if not (kind == "delta*" and kinds and kinds[-1] == "delta*"):
            kinds.append(kind)
    return {"title": transcript.title, "model": transcript.model,
            "turns": [[t.number, t.question, t.answer, t.status.value, t.stop_reason, t.partial]
                      for t in transcript.turns],
            "records": kinds}
