"""`neuro-tui ask` as a script uses it: real llama-cli (0.3.16, and bitnet.cpp) + SmolLM2,
real Tantivy index."""

import json
import os
import subprocess
import sys

import pytest

pytestmark = pytest.mark.integration


def ask(*args, stdin=None, env=None):
    return subprocess.run(
        [sys.executable, "-m", "neuro_tui", "ask", *args, "--threads", "1", "--seed", "7"],
        capture_output=True, text=True, timeout=180, input=stdin,
        env={**os.environ, **(env or {})})


@pytest.fixture(params=["llama_cli_old", "llama_cli_bitnet"], ids=["old", "bitnet"])
def real_cli(request, smollm2):
    return ["--cli", str(request.getfixturevalue(request.param)), "--model", str(smollm2)]


def test_tiny_bitnet_model_answers_through_bitnet_cpp(llama_cli_bitnet, tiny_i2s):
    """No --cli: discovery finds the bitnet.cpp runtime because the model needs it."""
    result = ask("Hello!", "--json", "--max-tokens", "8", "--model", str(tiny_i2s))
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert 0 < data["timing"]["tokens"] <= 8 and data["timing"]["load_ms"] > 0


def test_answer_on_stdout_timing_on_stderr(real_cli):
    result = ask("What is the capital of France?", "--timing", "--max-tokens", "24", *real_cli)
    assert result.returncode == 0, result.stderr
    assert "Paris" in result.stdout
    assert "\x1b" not in result.stdout
    assert "TTFT" in result.stderr and "tok/s" in result.stderr and "load" in result.stderr


def test_json_object_with_timing(real_cli):
    result = ask("Say hello.", "--json", "--max-tokens", "16", *real_cli)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["answer"] and data["sources"] == []
    timing = data["timing"]
    assert 0 < timing["tokens"] <= 16
    assert timing["ttft_ms"] > 0 and timing["load_ms"] > 0 and timing["ctx_size"] == 4096


def test_question_from_stdin_and_streaming(real_cli):
    result = ask("-", "--stream", "--max-tokens", "12", *real_cli, stdin="Name a fruit.\n")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip()


def test_sources_listed_after_the_answer(real_cli, tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "zorblat.md").write_text(
        "# Zorblat\n\nThe zorblat festival is held every year in the town of Quennick.\n")
    storage = tmp_path / "index"
    indexed = subprocess.run([sys.executable, "-m", "neuro_tui", "index", str(docs),
                              "--recursive", "--storage", str(storage)],
                             capture_output=True, text=True, timeout=120)
    assert indexed.returncode == 0, indexed.stderr
    result = ask("Where is the zorblat festival held?", "--storage", str(storage),
                 "--max-tokens", "40", *real_cli)
    assert result.returncode == 0, result.stderr
    answer, _, sources = result.stdout.partition("\nSources:\n")
    assert sources.splitlines()[0].startswith("[1] ")
    assert "zorblat.md" in sources
    data = json.loads(ask("Where is the zorblat festival held?", "--storage", str(storage),
                          "--max-tokens", "40", "--json", *real_cli).stdout)
    assert data["sources"][0]["number"] == 1 and "Quennick" in data["sources"][0]["passage"]


def test_empty_question_is_a_usage_error(real_cli):
    result = ask("-", *real_cli, stdin="  \n")
    assert result.returncode == 2
    assert result.stderr.strip() == "neuro-tui: error: the question is empty"


def test_unconverted_model_exit_3_one_line(llama_cli_old, tmp_path):
    result = ask("hi", "--cli", str(llama_cli_old), "--model", "large",
                 env={"NEURO_BITNET_MODELS_DIR": str(tmp_path)})
    assert result.returncode == 3
    assert "model large is not converted yet" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_large_download_needs_consent_without_a_terminal(llama_cli_old, tmp_path):
    env = {"NEURO_BITNET_MODELS_DIR": str(tmp_path)}
    result = ask("hi", "--cli", str(llama_cli_old), "--model", "2b", env=env)
    assert result.returncode == 2
    assert "pass --yes to download it" in result.stderr
    offline = ask("hi", "--cli", str(llama_cli_old), "--model", "2b", "--yes",
                  env={**env, "HF_HUB_OFFLINE": "1"})
    assert offline.returncode != 0
    assert "offline: 2b is not downloaded; smollm2 works offline" in offline.stderr
    assert list(tmp_path.rglob("*.gguf")) == []


def test_generation_failure_exit_4(fake_llama_cli, smollm2):
    result = ask("hi", "--cli", str(fake_llama_cli), "--model", str(smollm2),
                 env={"FAKE_CRASH_AFTER": "2", "FAKE_ANSWERS": '["one two three four five"]'})
    assert result.returncode == 4, result.stderr
    assert "llama-cli failed" in result.stderr and "Traceback" not in result.stderr
