"""Generated saved chats (through the real ChatStore) for the search test and bench."""

from __future__ import annotations

import random
from pathlib import Path

from neuro_tui.chat import events as ev
from neuro_tui.chat.store import ChatStore

TOPICS = ["volcano", "sourdough", "kayak", "telescope", "compiler", "violin", "orchid",
          "glacier", "espresso", "origami", "lighthouse", "marathon", "saxophone", "quasar"]
FILLER = ("the answer depends on a few things that are worth checking first and then we can "
          "go through them one by one with an example").split()


def write_chat(folder: Path, n: int, turns: int = 12, seed: int = 0) -> ChatStore:
    rng = random.Random(seed * 1000 + n)
    store = ChatStore.create(model="smollm2", folder=folder)
    store.path = folder / f"chat{n:03d}.jsonl"  # stable ids for the tests
    store.chat_id = store.path.stem
    for t in range(1, turns + 1):
        topic = rng.choice(TOPICS)
        store.record(ev.TurnQueued(t, f"How do I care for my {topic} in week {t}? (chat {n})"))
        words = [rng.choice(FILLER) for _ in range(60)] + [rng.choice(TOPICS)]
        store.record(ev.AnswerDelta(t, " ".join(words) + "."))
        store.record(ev.TurnEnded(t, ev.TurnStatus.DONE, "eos"))
    store.close()
    return store


def write_chats(folder: Path, count: int = 50, turns: int = 12) -> None:
    for n in range(count):
        write_chat(folder, n, turns)
