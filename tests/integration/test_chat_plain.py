"""`neuro-tui chat --plain` with the real llama-cli and SmolLM2: lines in, answers out."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest

pytestmark = [pytest.mark.integration, pytest.mark.timeout(180)]


def _cmd(cli, model, *extra):
    return [sys.executable, "-m", "neuro_tui", "chat", "--plain", "--model", str(model),
            "--cli", str(cli), "--threads", "1", "--seed", "42", *extra]


@pytest.mark.parametrize("cli", ["llama_cli_old", "llama_cli_bitnet"], ids=["old", "bitnet"])
def test_lines_in_answers_out_with_timing_json(request, cli, smollm2, tmp_path):
    timing = tmp_path / "t.jsonl"
    out = subprocess.run(
        _cmd(request.getfixturevalue(cli), smollm2, "--max-tokens", "20", "--timing-json",
             str(timing)),
        input="What is the capital of France?\nA message on two \\\nlines.\n",
        capture_output=True, text=True, timeout=150)
    assert out.returncode == 0, out.stderr
    assert len([line for line in out.stdout.splitlines() if line.strip()]) >= 2
    rows = [json.loads(line) for line in timing.read_text().splitlines()]
    assert [r["turn"] for r in rows] == [1, 2]
    assert set(rows[0]) == {"turn", "load_ms", "ttft_ms", "tokens", "tokens_exact", "tok_s",
                            "prompt_tokens", "ctx_used", "ctx_size"}
    assert rows[1]["ttft_ms"] > 0 and rows[1]["tokens"] <= 20 and rows[0]["ctx_size"] == 4096


@pytest.mark.parametrize("cli", ["llama_cli_new", "llama_cli_bitnet"], ids=["new", "bitnet"])
def test_ctrl_c_stops_the_answer_then_eof_exits(request, cli, smollm2):
    """On bitnet.cpp, EOF on our stdin must still end llama-cli (it loops on a real EOF)."""
    binary = request.getfixturevalue(cli)
    started = time.time()
    proc = subprocess.Popen(_cmd(binary, smollm2, "--max-tokens", "0"),
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    proc.stdin.write("Write a very long story about a dragon who learns to code.\n")
    proc.stdin.flush()
    fd = proc.stdout.fileno()
    os.set_blocking(fd, False)
    got, deadline = b"", time.monotonic() + 120
    while len(got) < 40 and time.monotonic() < deadline:
        try:
            got += os.read(fd, 4096)
        except BlockingIOError:
            time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    time.sleep(1.0)
    proc.stdin.write("Say hi.\n")
    proc.stdin.close()
    assert proc.wait(timeout=120) == 0
    assert "answer stopped" in proc.stderr.read()
    import psutil

    time.sleep(0.5)
    left = [p for p in psutil.process_iter(["exe", "create_time", "ppid", "status"])
            if p.info["exe"] == str(binary) and p.info["create_time"] >= started - 1
            and p.info["ppid"] == 1 and p.info["status"] != psutil.STATUS_ZOMBIE]
    assert left == []  # no orphaned llama-cli
