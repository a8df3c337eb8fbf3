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


def test_lines_in_answers_out_with_timing_json(llama_cli_old, smollm2, tmp_path):
    timing = tmp_path / "t.jsonl"
    out = subprocess.run(
        _cmd(llama_cli_old, smollm2, "--max-tokens", "20", "--timing-json", str(timing)),
        input="What is the capital of France?\nA message on two \\\nlines.\n",
        capture_output=True, text=True, timeout=150)
    assert out.returncode == 0, out.stderr
    assert len([line for line in out.stdout.splitlines() if line.strip()]) >= 2
    rows = [json.loads(line) for line in timing.read_text().splitlines()]
    assert [r["turn"] for r in rows] == [1, 2]
    assert set(rows[0]) == {"turn", "load_ms", "ttft_ms", "tokens", "tokens_exact", "tok_s",
                            "prompt_tokens", "ctx_used", "ctx_size"}
    assert rows[1]["ttft_ms"] > 0 and rows[1]["tokens"] <= 20 and rows[0]["ctx_size"] == 4096


def test_ctrl_c_stops_the_answer_then_eof_exits(llama_cli_new, smollm2):
    proc = subprocess.Popen(_cmd(llama_cli_new, smollm2, "--max-tokens", "0"),
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
