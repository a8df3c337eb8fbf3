"""`ask --engine server --url` and `chat --plain --engine server` on a real llama-server.

The server is upstream 0.3.16's llama-server with the real SmolLM2 on 127.0.0.1 (as
`neuro-tui engine start` runs it). Exactness is checked against the server itself: the
prompt a turn sent is rebuilt from the saved chat, templated by the server's own
/apply-template and counted by its /tokenize; the timing JSON must give that count.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys

import httpx
import pytest

from neuro_tui.engine import llama_server
from neuro_tui.engine.params import GenerationParams
from tests.integration.test_server_real import llama_server_bin  # noqa: F401 - fixture

pytestmark = [pytest.mark.integration, pytest.mark.slow, pytest.mark.timeout(600)]
SYSTEM = "You are a terse assistant."


@pytest.fixture(scope="module")
def server_url(llama_server_bin, smollm2, tmp_path_factory):  # noqa: F811
    launcher = llama_server.LocalServer(
        llama_server_bin, smollm2, GenerationParams(threads=1, ctx_size=2048),
        log_dir=tmp_path_factory.mktemp("server-logs"))
    asyncio.run(launcher.start())
    try:
        yield launcher.url
    finally:
        asyncio.run(launcher.stop())


def prompt_tokens(url: str, messages: list[dict]) -> int:
    """What llama-server reads for `messages`: its own template, its own tokenizer."""
    with httpx.Client(trust_env=False, timeout=30) as client:
        prompt = client.post(f"{url}/apply-template", json={"messages": messages}).json()
        tokens = client.post(f"{url}/tokenize", json={"content": prompt["prompt"]}).json()
    return len(tokens["tokens"])


def neuro(*args, **run) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "neuro_tui", *args], capture_output=True,
                          text=True, timeout=300, **run)


def test_ask_json_timing_is_exact(server_url):
    question = "Write a long story about a lighthouse keeper."
    out = neuro("ask", "--engine", "server", "--url", server_url, "--json", "--system", SYSTEM,
                "--max-tokens", "16", "--temperature", "0", "--seed", "3", question)
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout)
    timing = result["timing"]
    assert result["answer"] and result["model"] == "SmolLM2-135M-Instruct.Q4_1"
    assert timing["tokens_exact"] is True and timing["tokens"] == 16  # stopped at --max-tokens
    assert timing["ctx_size"] == 2048  # the server's n_ctx (/props), not a default
    assert timing["prompt_tokens"] == prompt_tokens(server_url, [
        {"role": "system", "content": SYSTEM}, {"role": "user", "content": question}])


def test_ask_with_nothing_listening_is_one_line_with_the_url():
    out = neuro("ask", "--url", "http://127.0.0.1:9", "hello")
    assert out.returncode != 0 and "Traceback" not in out.stderr
    assert "no server answers at http://127.0.0.1:9" in out.stderr, out.stderr


def test_ask_refuses_a_remote_url_without_opt_in():
    out = neuro("ask", "--url", "http://192.0.2.7:8080", "hello")
    assert out.returncode != 0 and "not on this machine" in out.stderr, out.stderr
    assert "--allow-remote" in out.stderr


def test_chat_plain_multi_turn_exact_counts_against_the_server(server_url, tmp_path):
    from neuro_tui.chat import store

    questions = ["What is the capital of France?", "And of Italy?", "Name one river there."]
    timing = tmp_path / "timing.jsonl"
    out = neuro("chat", "--plain", "--engine", "server", "--url", server_url, "--system",
                SYSTEM, "--max-tokens", "24", "--seed", "5", "--timing-json", str(timing),
                "--save", input="\n".join(questions) + "\n")
    assert out.returncode == 0, out.stderr
    rows = [json.loads(line) for line in timing.read_text().splitlines()]
    assert [r["turn"] for r in rows] == [1, 2, 3]
    assert all(r["tokens_exact"] and r["ctx_size"] == 2048 and 0 < r["tokens"] <= 24
               for r in rows), rows
    turns = store.list_chats()[0].transcript.turns
    assert [t.question for t in turns] == questions
    for turn in turns:
        assert turn.answer.strip() and turn.answer.strip() in out.stdout
    messages = [{"role": "system", "content": SYSTEM}]
    for turn, row in zip(turns, rows, strict=True):  # the message list: every real turn
        messages.append({"role": "user", "content": turn.question})
        assert row["prompt_tokens"] == prompt_tokens(server_url, messages), (turn.number, row)
        messages.append({"role": "assistant", "content": turn.answer})
    assert rows[2]["prompt_tokens"] > rows[1]["prompt_tokens"] > rows[0]["prompt_tokens"]


async def test_prefill_while_typing_on_the_real_server(server_url, tmp_path):
    """chat/prefill.py on llama-server: after the warm, the cited turn reads only about its
    question's tokens (the server's own prompt_n), not the sources again."""
    from neuro_tui import config as config_mod
    from neuro_tui.chat.prefill import prefill
    from neuro_tui.chat.service import ChatService
    from neuro_tui.retrieval.indexer import index_paths

    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "zebra.md").write_text("# Zebra protocol\n\n" + " ".join(
        f"The zebra protocol sends beacon {n} on port 7777 every {n} seconds." for n in
        range(1, 25)) + "\n")
    index_paths(tmp_path / "index", [docs], recursive=True)
    config = config_mod.load({"engine": "server", "engine_url": server_url, "max_tokens": 8,
                              "storage": str(tmp_path / "index"), "seed": 1}, environ={})
    service = ChatService(config)
    question = "Which port does the zebra protocol use?"
    try:
        [e async for e in service.run(until_idle=True)]
        assert await prefill(service, question)
        await service.session._warmer.wait()
        warmed = service.session.last_warm
        assert warmed and warmed["prompt_n"] > 60, warmed  # the sources were read then
        [e async for e in service.ask(question)]
        timings, turn = service.session.last_timings, service.transcript.last
        assert turn.sources and turn.stats["prompt_tokens"] > 60
        assert timings["prompt_n"] * 4 < turn.stats["prompt_tokens"], timings  # the tail only
        print(f"warm read {warmed['prompt_n']}, turn read {timings['prompt_n']} of "
              f"{turn.stats['prompt_tokens']} prompt tokens")
    finally:
        await service.close()
