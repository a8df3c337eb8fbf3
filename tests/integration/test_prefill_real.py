"""Issue #13 on the real parts: llama-tokenize counts (batched = one by one), the packer's
budget checked with the model's own tokenizer on a real index, and a real calibration of
llama-cli 0.3.16 + SmolLM2 (a few seconds), cached and re-measured when threads change."""

from __future__ import annotations

from pathlib import Path

import pytest

from neuro_tui.engine import tokenize, tune
from neuro_tui.engine.events import Flavor
from neuro_tui.engine.tune import Tuning
from neuro_tui.retrieval.indexer import index_paths
from neuro_tui.retrieval.pipeline import Retriever
from neuro_tui.retrieval.prefill import plan_turn
from neuro_tui.retrieval.windows import query_terms

DOCS = Path(__file__).resolve().parents[2] / "docs"
TEXTS = ["Hello world", "café crème brûlée — naïve", "日本語のテキスト", "emoji 🙂 ok",
         "def f(x):\n    return {'a': [1, 2]}\n", "", "line\n\n\nbreaks  and   spaces"]


@pytest.fixture(scope="module")
def counter(llama_cli_old, smollm2):
    exe = tokenize.tokenize_binary(llama_cli_old)
    if exe is None:
        pytest.skip("llama-tokenize is not installed beside llama-cli 0.3.16 yet")
    found = tokenize.counter_for(llama_cli_old, smollm2)
    assert found.exact, "llama-tokenize is installed but cannot read SmolLM2"
    return found


def test_batched_counts_match_one_process_per_text(counter):
    batched = counter.count_many(TEXTS)
    single = [counter.count(t) for t in TEXTS]
    assert batched[-1] - single[-1] in (0, 1)  # the last text has no separator after it
    for got, alone in zip(batched[:-1], single[:-1], strict=True):
        assert alone <= got <= alone + 2  # + the separator's tokens
    assert single[0] == 2 and single[5] == 0


def test_packed_sources_fit_the_budget_in_real_tokens(counter, tmp_path):
    storage = tmp_path / "index"
    index_paths(storage, [DOCS], recursive=True)
    retriever = Retriever(storage)
    for question, budget in (("How are citations numbered?", 200),
                             ("Which keys toggle the timing overlay?", 400)):
        plan = plan_turn(retriever, question, tuning=Tuning(1, 1, budget / 1.5, 50, 4.0),
                         counter=counter, prefill_seconds=1.5)
        assert plan.exact_tokens and plan.sources
        real = counter.count_many([plan.prompt, question])
        assert real[0] - real[1] <= plan.source_tokens <= budget  # sources cost what we said
        terms = query_terms(question)
        for source in plan.sources:  # every window holds a word of the question
            assert all(any(t in p.text.lower() for t in terms) for p in source.passages)


def test_real_calibration_is_cached_and_redone_for_other_threads(llama_cli_old, smollm2,
                                                                  tmp_path, monkeypatch):
    monkeypatch.setenv("NEURO_TUI_CACHE_DIR", str(tmp_path))
    first = tune.calibrate(llama_cli_old, Flavor.OLD, smollm2)
    assert first.measured and first.prefill_tok_s > 10 and first.gen_tok_s > 1
    assert first.seconds < 20 and 3.0 < first.chars_per_token < 6.5
    assert tune.cached(llama_cli_old, smollm2) == first
    assert tune.cached(llama_cli_old, smollm2, 1, 1) is None  # other settings: not measured


def test_ask_measures_once_then_reports_the_plan(llama_cli_old, smollm2, tmp_path):
    import json
    import os
    import subprocess
    import sys

    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "zorblat.md").write_text("# Zorblat\n\n" + "Filler about other towns. " * 200
                                     + "\n\nThe zorblat festival is held every year in the "
                                     "town of Quennick.\n")
    storage = tmp_path / "index"
    index_paths(storage, [docs], recursive=True)
    env = {**os.environ, "NEURO_TUI_CACHE_DIR": str(tmp_path / "cache")}

    def ask():
        return subprocess.run(
            [sys.executable, "-m", "neuro_tui", "ask", "Where is the zorblat festival held?",
             "--storage", str(storage), "--cli", str(llama_cli_old), "--model", str(smollm2),
             "--max-tokens", "24", "--json", "--seed", "7"],
            capture_output=True, text=True, timeout=180, env=env)

    first, second = ask(), ask()
    assert first.returncode == 0 and second.returncode == 0, first.stderr + second.stderr
    assert "measuring this model's prompt speed once" in first.stderr
    assert "measuring" not in second.stderr  # cached
    data = json.loads(second.stdout)
    plan = data["prefill"]
    assert plan["rate_measured"] and plan["exact_tokens"] == bool(
        tokenize.tokenize_binary(llama_cli_old))
    assert 0 < plan["source_tokens"] and plan["expected_s"] > 0
    assert "Quennick" in data["sources"][0]["passage"]
    assert len(data["sources"][0]["passage"]) < 600  # the window, not the 5 KB passage


def test_runtime_tune_command_measures_then_shows(llama_cli_old, smollm2, tmp_path):
    import os
    import subprocess
    import sys

    env = {**os.environ, "NEURO_TUI_CACHE_DIR": str(tmp_path / "cache")}
    base = [sys.executable, "-m", "neuro_tui", "runtime", "tune", "--cli", str(llama_cli_old),
            "--model", str(smollm2)]
    shown = subprocess.run(base + ["--show"], capture_output=True, text=True, env=env)
    assert shown.returncode == 1 and "not measured yet" in shown.stdout
    measured = subprocess.run(base, capture_output=True, text=True, env=env, timeout=120)
    assert measured.returncode == 0, measured.stderr
    chosen = [ln for ln in measured.stdout.splitlines() if ln.startswith("chosen: ")]
    assert chosen and "tok/s" in chosen[0] and "source budget: 1.5 s x" in measured.stdout
    again = subprocess.run(base + ["--show"], capture_output=True, text=True, env=env)
    assert again.returncode == 0 and chosen[0] in again.stdout.splitlines()


def test_bitnet_cpp_calibration_sizes_the_budget_for_its_own_model(llama_cli_bitnet, tiny_i2s,
                                                                  tmp_path, monkeypatch):
    monkeypatch.setenv("NEURO_TUI_CACHE_DIR", str(tmp_path / "cache"))
    from neuro_tui.engine.params import SessionSpec

    tuning = tune.calibrate(llama_cli_bitnet, Flavor.BITNET, tiny_i2s)
    assert tuning.measured and tuning.chars_per_token < 2  # a byte-level vocabulary
    storage = tmp_path / "index"
    index_paths(storage, [DOCS], recursive=True)
    spec = SessionSpec(llama_cli_bitnet, Flavor.BITNET, tiny_i2s)
    plan = plan_turn(Retriever(storage), "How are citations numbered?", spec=spec,
                     tuning=tuning, ctx_size=2048, answer_tokens=256)
    assert plan.sources and not plan.exact_tokens  # no llama-tokenize in that build
    assert plan.budget_tokens == int(1.5 * tuning.prefill_tok_s)
    # counted at this vocabulary's ~1 char/token, the prompt fits: the real model answers
    # (the old packing's prompts made this llama-cli exit with "failed to eval")
    import asyncio

    from neuro_tui.engine.events import SessionError, TurnStats
    from neuro_tui.engine.params import GenerationParams
    from neuro_tui.engine.session import LlamaSession

    async def ask() -> list:
        params = GenerationParams(ctx_size=2048, max_tokens=8, threads=1, seed=1)
        session = LlamaSession(SessionSpec(llama_cli_bitnet, Flavor.BITNET, tiny_i2s, params))
        try:
            await session.start()
            return [e async for e in session.ask(plan.prompt)
                    if isinstance(e, TurnStats | SessionError)]
        finally:
            await session.close()

    events = asyncio.run(ask())
    assert [type(e) for e in events] == [TurnStats], events
