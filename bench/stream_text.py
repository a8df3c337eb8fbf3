"""A seeded stream of mixed Markdown answer text, cut into ~4-character tokens.

Headings, inline markup, nested and numbered lists, fenced code with blank lines inside,
tables and [n] citations: the shapes that make streaming renderers slow.
"""

from __future__ import annotations

import random

WORDS = ("the model answer token stream render block frame layout cost flat widget strip "
         "cache parser fence table list heading paragraph inline code bold").split()


def markdown_text(tokens: int, seed: int = 7) -> str:
    rng = random.Random(seed)
    parts: list[str] = []
    size = 0
    while size < tokens * 4:
        kind = rng.choice(["para", "para", "list", "olist", "code", "table", "heading"])
        if kind == "para":
            words = [rng.choice(WORDS) for _ in range(rng.randint(20, 60))]
            words[rng.randrange(len(words))] = f"**{rng.choice(WORDS)}**"
            words[rng.randrange(len(words))] = f"`{rng.choice(WORDS)}()`"
            block = " ".join(words) + f" [{rng.randint(1, 4)}]."
        elif kind == "list":
            block = "\n".join(f"- {' '.join(rng.choices(WORDS, k=6))}"
                              + (f"\n  - {' '.join(rng.choices(WORDS, k=4))}" if i % 2 else "")
                              for i in range(rng.randint(2, 5)))
        elif kind == "olist":
            block = "\n".join(f"{i}. {' '.join(rng.choices(WORDS, k=7))}"
                              for i in range(1, rng.randint(3, 6)))
        elif kind == "code":
            lines = [f"    {rng.choice(WORDS)} = {rng.randint(0, 999)}" for _ in range(6)]
            block = "```python\ndef f():\n" + "\n".join(lines[:3]) + "\n\n" + \
                "\n".join(lines[3:]) + "\n```"
        elif kind == "table":
            rows = [f"| {rng.choice(WORDS)} | {rng.randint(0, 99)} | {rng.choice(WORDS)} |"
                    for _ in range(rng.randint(2, 5))]
            block = "| a | b | c |\n|---|---|---|\n" + "\n".join(rows)
        else:
            block = f"## {' '.join(rng.choices(WORDS, k=3)).title()}"
        parts.append(block)
        size += len(block) + 2
    text = "\n\n".join(parts) + "\n"
    return text


def tokens_of(text: str, size: int = 4) -> list[str]:
    return [text[i:i + size] for i in range(0, len(text), size)]
