"""Grounding marks on a real answer: llama-cli 0.3.16 + SmolLM2 answers from a real index
(a handbook next to real /usr/share/doc distractors), then each [n] is checked against the
same Sources the prompt was built from."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from neuro_tui.engine.events import AnswerText
from neuro_tui.engine.params import Flavor, GenerationParams, SessionSpec
from neuro_tui.engine.session import LlamaSession
from neuro_tui.retrieval.grounding import ground
from neuro_tui.retrieval.indexer import index_paths
from neuro_tui.retrieval.pipeline import Retriever
from neuro_tui.textsafe import strip_controls

pytestmark = [pytest.mark.integration, pytest.mark.timeout(300)]

HANDBOOK = """# Kestrel-9 station handbook

## Crew

The quartermaster of Kestrel-9 is Ottoline Vasquez-Brandt. She keeps the spare parts log.

## Water recycling

Water on Kestrel-9 is recycled by the Tessaly loop, which runs every six hours.
"""
QUESTION = "What does the quartermaster of Kestrel-9 keep?"


async def real_answer(llama_cli_old: Path, smollm2: Path, prompt: str, logs: Path) -> str:
    params = GenerationParams(threads=1, seed=42, temperature=0.0, max_tokens=80,
                              ctx_size=2048)
    session = LlamaSession(SessionSpec(binary=llama_cli_old, flavor=Flavor.OLD, model=smollm2,
                                       params=params, hang_timeout_s=120, log_dir=logs))
    await session.start()
    try:
        raw = "".join([e.text async for e in session.ask(prompt) if isinstance(e, AnswerText)])
        # the engine yields raw text (the prompt's colour may overtake the last tokens under
        # load: seen as a trailing ESC[1mESC[32m); the chat core cleans it once, as here
        return strip_controls(raw)
    finally:
        await session.close()


def handbook_index(tmp_path: Path) -> Path:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "kestrel.md").write_text(HANDBOOK)
    distractors = [p for p in Path("/usr/share/doc/python3").glob("*") if p.is_file()]
    index_paths(tmp_path / "index", [docs, *distractors])
    return tmp_path / "index"


async def test_real_answer_gets_marks_from_its_sources(llama_cli_old, smollm2, tmp_path):
    handbook_index(tmp_path)
    ctx = Retriever(tmp_path / "index").context(QUESTION, ctx_size=2048, answer_tokens=80)
    assert ctx.sources[0].location.endswith("kestrel.md:1")
    answer = await real_answer(llama_cli_old, smollm2, ctx.prompt, tmp_path / "logs")
    result = ground(answer, ctx.sources)
    # SmolLM2-135M quotes its source but writes no [n] (seen on every question tried), so
    # no source counts as cited; the sentence quoting the handbook is traced back to it.
    assert "[" not in answer and result.sentences == (), answer
    assert result.uncited == tuple(s.number for s in ctx.sources)
    quoting = [s for s in result.unattributed if "spare parts log" in s.text]
    assert quoting, answer
    assert quoting[0].suggested.number == 1 and quoting[0].suggested.verdict == "supported"
    assert {"quartermaster", "spare", "part", "log"} <= set(quoting[0].suggested.matched)
    assert answer[quoting[0].start:quoting[0].end] == quoting[0].text
    for sentence in result.unattributed:  # what it adds ("accessed from any computer with
        if "comput" in sentence.text:  # an internet connection") is in no source
            assert sentence.suggested is None or sentence.suggested.verdict != "supported"


def test_ask_json_carries_the_marks(llama_cli_old, smollm2, tmp_path):
    storage = handbook_index(tmp_path)
    done = subprocess.run(
        [sys.executable, "-m", "neuro_tui", "ask", QUESTION, "--cli", str(llama_cli_old),
         "--model", str(smollm2), "--threads", "1", "--temperature", "0", "--max-tokens", "64",
         "--ctx-size", "2048", "--storage", str(storage), "--json"],
        capture_output=True, text=True, timeout=240, stdin=subprocess.DEVNULL,
        env={**os.environ, "NEURO_TUI_SEED": "42"})
    assert done.returncode == 0, done.stderr[-2000:]
    out = json.loads(done.stdout)
    marks = out["grounding"]
    assert set(marks) == {"sentences", "sources", "unknown", "uncited", "unattributed"}
    numbers = [s["number"] for s in out["sources"]]
    assert [m["number"] for m in marks["sources"]] == numbers
    cited = {c["number"] for s in marks["sentences"] for c in s["citations"]}
    assert set(marks["uncited"]) == set(numbers) - cited
    quoting = [s for s in marks["unattributed"] + marks["sentences"]
               if "spare parts" in s["text"]]
    assert quoting, out["answer"]
    best = quoting[0]["suggested"] or quoting[0]["citations"][0]
    assert best["number"] == 1 and best["verdict"] == "supported"
