"""`ask` and `chat --plain` stdout/stderr over the fake llama-cli: hostile model text, input
that cleans to nothing, oversized input, invalid UTF-8, blank lines (issue #12 items 5-7, 10)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import pytest

from tests.hostile_text import AFTER, CASES, all_in_one, escaped, lost

pytestmark = pytest.mark.timeout(120)


def run(args, fake_llama_cli, smollm2, answers, stdin=b"", env=None):
    environ = {**os.environ, "FAKE_ANSWERS": json.dumps(answers), "FAKE_TOKEN_DELAY": "0.001",
               **(env or {})}
    cmd = [sys.executable, "-m", "neuro_tui", *args, "--cli", str(fake_llama_cli),
           "--model", str(smollm2), "--threads", "1"]
    result = subprocess.run(cmd, input=stdin, capture_output=True, env=environ, timeout=100)
    return result.returncode, result.stdout.decode(), result.stderr.decode()


@pytest.mark.parametrize("command", [["chat", "--plain"], ["ask", "q"], ["ask", "q", "--stream"]])
def test_hostile_answer_never_escapes_and_nothing_visible_is_lost(command, fake_llama_cli,
                                                                 smollm2):
    code, out, err = run([*command, "--max-tokens", "0"], fake_llama_cli, smollm2,
                         [all_in_one()], stdin=b"q\n")
    assert code == 0, err
    assert escaped(out) == [] and escaped(err) == []
    assert lost(out) == []
    assert out.count(AFTER) == len(CASES)
    assert "[link=file:///etc/passwd]click[/link]" in out  # markup is shown as text


def test_ask_json_has_no_bidi_controls(fake_llama_cli, smollm2):
    code, out, err = run(["ask", "q", "--json"], fake_llama_cli, smollm2,
                         ["abc \u202eevil\u202c \u2066x\u2069 done"])
    assert code == 0, err
    answer = json.loads(out)["answer"]
    assert answer == "abc evil x done"
    assert "\u202e" not in out and "\\u202e" not in out


def test_control_only_message_is_refused_and_the_chat_goes_on(fake_llama_cli, smollm2):
    code, out, err = run(["chat", "--plain"], fake_llama_cli, smollm2, ["{echo}"],
                         stdin=b"\x01\x02\nhello after\n")
    assert code == 0, err
    assert "You said: hello after" in out
    assert "nothing is left after removing control characters" in err
    assert "Traceback" not in err


def test_ask_control_only_question_is_one_line_usage_error(fake_llama_cli, smollm2):
    code, out, err = run(["ask", "\x01\x02"], fake_llama_cli, smollm2, ["x"])
    assert code == 2 and out == ""
    assert "nothing is left after removing control characters" in err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_oversized_message_is_refused_with_sizes_and_the_next_works(fake_llama_cli, smollm2):
    big = b"word " * 40000  # 200 KB, ~50k tokens
    code, out, err = run(["chat", "--plain", "--ctx-size", "4096"], fake_llama_cli, smollm2,
                         ["{echo}"], stdin=big + b"\nsmall one\n")
    assert code == 0, err
    assert re.search(r"message refused: about 5\d{4} tokens, the context holds 4096", err)
    assert "You said: small one" in out and "word word" not in out


def test_invalid_utf8_and_blank_lines_are_reported(fake_llama_cli, smollm2):
    code, out, err = run(["chat", "--plain"], fake_llama_cli, smollm2, ["{echo}"],
                         stdin=b"caf\xe9 au lait\n   \nok\n")
    assert code == 0, err
    assert "stdin line 1: 1 invalid UTF-8 byte sequence(s) replaced" in err
    assert "empty line skipped" in err
    assert "You said: caf\ufffd au lait" in out and "You said: ok" in out


async def test_chat_plain_restarts_after_a_crash_and_goes_on(fake_factory, monkeypatch,
                                                            capsys):
    """llama-cli dies mid-answer: the partial stays on stdout, the error and its log on
    stderr, a new llama-cli gets the recap, the next line is answered."""
    import io

    from neuro_tui.cli import chat_cmd
    from tests.chat.conftest import make_config

    make = fake_factory(answers=["alpha beta gamma delta", "{system}"],
                        env={"FAKE_CRASH_AFTER": 2})
    restarts = []

    def factory(config):
        session = make(config)
        restart = session.restart

        async def restart_without_crash(recap=None):
            # the next process does not crash, and answers with its system prompt
            monkeypatch.setenv("FAKE_CRASH_AFTER", "-1")
            monkeypatch.setenv("FAKE_ANSWERS", '["{system}"]')
            restarts.append(recap)
            await restart(recap)
        session.restart = restart_without_crash
        return session

    stdin = io.TextIOWrapper(io.BytesIO(b"first question\nsecond question\n"))
    monkeypatch.setattr("sys.stdin", stdin)
    code = await chat_cmd.chat(make_config(), None, session_factory=factory)
    out, err = capsys.readouterr()
    assert code == 0 and len(restarts) == 1 and "first question" in restarts[0]
    assert "alpha beta" in out and "first question" in out.split("alpha beta")[1]
    assert "error: llama-cli stopped while answering" in err
    assert "recap of the 1 earlier turn" in err


def test_ask_stdin_invalid_utf8_is_reported(fake_llama_cli, smollm2):
    code, out, err = run(["ask", "-"], fake_llama_cli, smollm2, ["{echo}"],
                         stdin=b"caf\xe9?\n")
    assert code == 0, err
    assert "stdin: 1 invalid UTF-8 byte sequence(s) replaced with U+FFFD" in err
    assert "You said: caf\ufffd?" in out
