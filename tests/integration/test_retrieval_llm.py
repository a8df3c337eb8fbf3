"""Grounded answer with the real llama-cli (0.3.16) + SmolLM2: the fact exists only in an
indexed file, next to real distractor documents.

LlamaSession (engine/session.py) is not in the tree yet, so this drives llama-cli one-shot
(-no-cnv, SmolLM2's ChatML template applied by hand, -t 1, fixed seed, temperature 0)
with the prompt the context builder produced; the TUI will send the same prompt text.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from neuro_tui.retrieval.indexer import index_paths
from neuro_tui.retrieval.pipeline import Retriever

pytestmark = pytest.mark.integration

HANDBOOK = """# Kestrel-9 station handbook

## Crew

The quartermaster of Kestrel-9 is Ottoline Vasquez-Brandt. She keeps the spare parts log.

## Water recycling

Water on Kestrel-9 is recycled by the Tessaly loop, which runs every six hours.
"""
QUESTION = "Who is the quartermaster of Kestrel-9?"


def answer(llama_cli: Path, model: Path, user_text: str, tmp_path: Path) -> str:
    prompt = tmp_path / "prompt.txt"
    prompt.write_text("<|im_start|>system\nYou are a helpful assistant<|im_end|>\n"
                      f"<|im_start|>user\n{user_text}<|im_end|>\n<|im_start|>assistant\n")
    done = subprocess.run(
        [str(llama_cli), "-m", str(model), "-f", str(prompt), "-no-cnv", "-n", "48", "-t", "1",
         "--seed", "42", "--temp", "0", "-c", "2048"],
        capture_output=True, text=True, timeout=180, stdin=subprocess.DEVNULL)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout.split("<|im_start|>assistant", 1)[-1].split("assistant\n", 1)[-1]


def test_answer_comes_from_the_indexed_file(llama_cli_old, smollm2, tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "kestrel.md").write_text(HANDBOOK)
    distractors = [p for p in Path("/usr/share/doc/python3").glob("*") if p.is_file()]
    storage = tmp_path / "index"
    index_paths(storage, [docs, *distractors])

    ctx = Retriever(storage).context(QUESTION, ctx_size=2048, answer_tokens=64)
    assert ctx.sources[0].number == 1
    assert ctx.sources[0].location == f"{docs / 'kestrel.md'}:1"
    assert "Ottoline Vasquez-Brandt" in ctx.sources[0].passage
    assert "[1]" in ctx.prompt and ctx.prompt.endswith(f"Question: {QUESTION}")

    grounded = answer(llama_cli_old, smollm2, ctx.prompt, tmp_path)
    bare = answer(llama_cli_old, smollm2, QUESTION, tmp_path)
    assert "Vasquez-Brandt" in grounded, grounded
    assert "Vasquez-Brandt" not in bare, bare  # the model cannot know it on its own
