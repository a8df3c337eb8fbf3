"""Grounded answer with the real llama-cli (0.3.16) + SmolLM2 through `neuro-tui ask`
(LlamaSession, launch, retrieval): the fact exists only in an indexed file, next to real
distractor documents, and the model does not know it without the index.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from neuro_tui.retrieval.indexer import index_paths
from neuro_tui.retrieval.pipeline import Retriever

pytestmark = [pytest.mark.integration, pytest.mark.timeout(300)]

HANDBOOK = """# Kestrel-9 station handbook

## Crew

The quartermaster of Kestrel-9 is Ottoline Vasquez-Brandt. She keeps the spare parts log.

## Water recycling

Water on Kestrel-9 is recycled by the Tessaly loop, which runs every six hours.
"""
QUESTION = "Who is the quartermaster of Kestrel-9?"


@pytest.fixture
def storage(tmp_path) -> Path:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "kestrel.md").write_text(HANDBOOK)
    distractors = [p for p in Path("/usr/share/doc/python3").glob("*") if p.is_file()]
    index_paths(tmp_path / "index", [docs, *distractors])
    return tmp_path / "index"


def ask(llama_cli: Path, model: Path, *extra: str) -> dict:
    env = {**os.environ, "NEURO_TUI_SEED": "42"}
    done = subprocess.run(
        [sys.executable, "-m", "neuro_tui", "ask", QUESTION, "--cli", str(llama_cli),
         "--model", str(model), "--threads", "1", "--temperature", "0", "--max-tokens", "48",
         "--ctx-size", "2048", "--json", *extra],
        capture_output=True, text=True, timeout=240, env=env, stdin=subprocess.DEVNULL)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout)


def test_sources_are_numbered_before_the_model_runs(storage):
    ctx = Retriever(storage).context(QUESTION, ctx_size=2048, answer_tokens=48)
    assert ctx.sources[0].number == 1 and ctx.sources[0].location.endswith("kestrel.md:1")
    assert "Ottoline Vasquez-Brandt" in ctx.sources[0].passage
    assert ctx.prompt.endswith(f"Question: {QUESTION}")


def test_answer_comes_from_the_indexed_file(llama_cli_old, smollm2, storage):
    grounded = ask(llama_cli_old, smollm2, "--storage", str(storage))
    assert "Vasquez-Brandt" in grounded["answer"], grounded["answer"]
    first = grounded["sources"][0]
    assert (first["number"], first["origin"]) == (1, "local")
    # cited answers carry a query-focused window: its location is the line of the fact
    fact_line = HANDBOOK.splitlines().index(next(
        line for line in HANDBOOK.splitlines() if "Vasquez-Brandt" in line)) + 1
    assert first["location"].endswith(f"kestrel.md:{fact_line}")
    bare = ask(llama_cli_old, smollm2)
    assert bare["sources"] == []
    assert "Vasquez-Brandt" not in bare["answer"], bare["answer"]  # unknowable without it
