"""The fake llama-cli frames turns exactly like the real ones recorded in ../shared: same
startup tail, echo, answer start, end-of-turn bytes, Ctrl+C and EOF behaviour, given the
same inputs and the recorded answer scripted."""

from __future__ import annotations

import json
import os
import re
import shlex
import time

import pexpect
import pytest

from tests.transcript_io import bitnet_steps, upstream_steps

SPEEDS = re.compile(rb"\[ Prompt: [\d.]+ t/s \| Generation: [\d.]+ t/s \]")


def _segments(steps):
    """Bytes read after each send, keyed by send index: [(sent, bytes_until_next_send)]."""
    out, first = [], b""
    for kind, data in steps:
        if kind == "S":
            out.append([data, b""])
        elif kind == "R":
            if out:
                out[-1][1] += data
            else:
                first += data
    return first, out


def _answer_of(segment: bytes, sent: bytes, color: bool) -> str:
    body = segment[len(sent) + 1:]  # echo "...\r\n"
    if color:
        body = body.removeprefix(b"\x1b[0m")
    body = re.split(rb"\r\n(?:\x1b\[35m)?\r\n\[ Prompt|\r\n\r\n> |\r\n> ", body)[0]
    return body.replace(b"\r\n", b"\n").decode("utf-8", "surrogateescape")


class Run:
    def __init__(self, fake, flavor, args, answers, tmp_path):
        model = tmp_path / "m.gguf"
        model.write_bytes(b"GGUF")
        env = dict(os.environ, FAKE_FLAVOR=flavor, FAKE_ANSWERS=json.dumps(answers),
                   FAKE_TOKEN_DELAY="0", FAKE_PREFILL_DELAY="0", FAKE_LOAD_DELAY="0")
        argv = " ".join(shlex.quote(a) for a in [str(fake), "-m", str(model), *args])
        self.child = pexpect.spawn("sh", ["-c", f"exec {argv} 2>/dev/null"], env=env, timeout=10)
        self.child.delaybeforesend = None

    def read(self, quiet=0.4, max_s=5.0):
        out, last = b"", time.monotonic()
        end = last + max_s
        while time.monotonic() - last < quiet and time.monotonic() < end:
            try:
                out += self.child.read_nonblocking(65536, timeout=0.05)
                last = time.monotonic()
            except pexpect.TIMEOUT:
                pass
            except pexpect.EOF:
                break
        return out

    def status(self):
        self.child.expect(pexpect.EOF)
        self.child.close()
        return self.child.exitstatus


def _check(run, first_real, segments, color, tail=40):
    first = run.read()
    assert first[-tail:] == first_real[-tail:]
    for sent, real in segments:
        if sent == b"\x04":
            run.child.send(sent)
            got = run.read()
            assert got == real
            return run.status()
        if sent == b"\x03":
            run.child.sendintr()
            got = run.read()
            end = real[real.rfind(b"\r\n> ") - 8:] if b"\r\n> " in real else real
            assert got.endswith(end.lstrip(b"\r\n") if not color else got[-len(end):])
            continue
        run.child.send(sent)
        got = run.read()
        assert SPEEDS.sub(b"S", got) == SPEEDS.sub(b"S", real), sent
    return None


@pytest.mark.parametrize(("name", "flavor", "args", "color", "turns"), [
    ("upstream/timing-v0316-live-old-t1-0.txt", "old",
     ["-cnv", "-sys", "You are a helpful assistant", "-n", "-1"], False, 3),
    ("upstream/timing-v0336cli-live-new-t2-0.txt", "new",
     ["-sys", "You are a helpful assistant", "-n", "-1", "--color", "off"], False, 3),
    ("upstream/v0336cli-interactive-default.txt", "new",
     ["-sys", "You are a helpful assistant", "-n", "-1"], True, 2),
])
def test_upstream_framing(fake_llama_cli, tmp_path, transcripts_dir, name, flavor, args, color,
                          turns):
    first, segments = _segments(upstream_steps(transcripts_dir / name))
    segments = [s for s in segments if s[0] != b"\x03"][:turns] + (
        [s for s in segments if s[0] == b"\x04"] if turns > 2 else [])
    answers = [_answer_of(real, sent, color) for sent, real in segments if sent != b"\x04"]
    run = Run(fake_llama_cli, flavor, args + (["--color", "on"] if color else []), answers,
              tmp_path)
    status = _check(run, first, segments, color, tail=60 if flavor == "new" else 30)
    if segments[-1][0] == b"\x04":
        assert status == 0


@pytest.mark.parametrize(("name", "color"), [("smollm2_cnv_t1", False), ("misc_color", True)])
def test_bitnet_framing(fake_llama_cli, tmp_path, transcripts_dir, name, color):
    root = transcripts_dir / "bitnet-cpp"
    first, segments = _segments(bitnet_steps(root / f"{name}.events.jsonl"))
    segments = segments[:2] if name == "smollm2_cnv_t1" else segments[:1]
    answers = [_answer_of(real, sent, color) for sent, real in segments]
    args = ["-cnv", "-p", "You are a helpful assistant", "-n", "-1"]
    args += ["--color"] if color else []
    run = Run(fake_llama_cli, "bitnet", args, answers, tmp_path)
    _check(run, first, segments, color)


@pytest.mark.parametrize(("flavor", "args", "after"), [
    ("old", ["-cnv", "-sys", "S", "--color"], b"\x1b[1m\x1b[32m\r\n> "),  # 0.3.16, real run
    ("new", ["-sys", "S", "--color", "on"], b"\x1b[0m\x1b[1m\x1b[32m\r\n> "),
])
def test_ctrl_c_mid_answer_then_prompt_and_ctrl_c_at_prompt(fake_llama_cli, tmp_path, flavor,
                                                            args, after):
    run = Run(fake_llama_cli, flavor, args, ["{endless}"], tmp_path)
    run.child.send("Hi\r")
    run.read(0.2, max_s=0.3)
    run.child.sendintr()
    assert run.read().endswith(after)
    run.child.sendintr()
    out = run.read()
    if flavor == "new":
        assert out == b"\x1b[0m\r\n\r\nExiting...\r\n" and run.status() == 0
    else:
        assert out.endswith(b"Interrupted by user\r\n") and run.status() == 130


def test_tab_asks_for_the_cursor_position(fake_llama_cli, tmp_path):
    run = Run(fake_llama_cli, "bitnet", ["-cnv", "-p", "S"], ["ok"], tmp_path)
    run.read()
    run.child.send("a\t")
    assert run.read(0.3) == b"a\x1b[6n"  # and blocks, like misc_tab_dsr
    run.child.send("\x1b[1;2R")
    run.child.send("b\r")
    assert run.read() == b"\tb\r\nok\r\n\r\n> "
