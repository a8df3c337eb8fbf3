"""The fake llama-cli's bitnet flavor against the real bitnet.cpp binary recorded in this
run (not only the stored transcripts): same startup tail, echo, answer framing, end of turn
and Ctrl+C, given the same arguments and the real answers scripted.

Seen live: with --color, bitnet.cpp writes its colour codes from the main thread and the
text through its log thread, so they interleave differently from run to run (startup
`ESC[33m ESC[0m system...` once, `ESC[33m system... ESC[0m` another time; the prompt's bold
green before or after `\r\n\r\n> `; engine/protocol.py accepts both). So the comparison
is: the same text byte for byte, and the same colour codes in the same order."""

from __future__ import annotations

import os
import re
import shlex
import time

import pexpect
import pytest

from tests.unit.test_fake_matches_transcripts import Run, _answer_of, _segments

pytestmark = [pytest.mark.integration, pytest.mark.timeout(240)]
PROMPTS = (b"\r\n> ", b"\r\n> \x1b[1m\x1b[32m")
_SGR = re.compile(rb"\x1b\[[0-9;]*m")


def framing(data: bytes) -> tuple[bytes, list[bytes]]:
    """(text without colour codes, the colour codes in order)."""
    return _SGR.sub(b"", data), _SGR.findall(data)


def check(run: Run, first: bytes, segments) -> None:
    text, codes = framing(run.read())
    assert text[-40:] == framing(first)[0][-40:] and codes[-3:] == framing(first)[1][-3:]
    for sent, real in segments:
        run.child.send(sent)
        assert framing(run.read()) == framing(real), sent


def record(binary, model, args, sends, tmp_path) -> list[tuple[str, bytes]]:
    """[("R"|"S", bytes)] of a live pty session, in the stored transcripts' shape."""
    argv = " ".join(shlex.quote(a) for a in [str(binary), "-m", str(model), *args])
    env = dict(os.environ, LANG="C.UTF-8", LC_ALL="C.UTF-8")
    child = pexpect.spawn("sh", ["-c", f"exec {argv} 2>{tmp_path / 'live.log'}"], env=env,
                          timeout=120)
    child.delaybeforesend = None
    steps: list[tuple[str, bytes]] = []

    def read_to_prompt(quiet: float = 0.5) -> None:
        got, last, end = b"", time.monotonic(), time.monotonic() + 120
        while time.monotonic() < end:
            try:
                chunk = child.read_nonblocking(65536, timeout=0.05)
                got += chunk
                steps.append(("R", chunk))
                last = time.monotonic()
            except pexpect.TIMEOUT:
                if got.endswith(PROMPTS) and time.monotonic() - last > quiet:
                    return
            except pexpect.EOF:
                return
        raise AssertionError(f"no prompt after 120 s: {got[-200:]!r}")

    def read_some(sent: bytes, size: int = 120) -> None:
        """Read until `size` answer bytes came after the echo of `sent`: mid-answer."""
        got, end = b"", time.monotonic() + 120
        while time.monotonic() < end:
            try:
                chunk = child.read_nonblocking(65536, timeout=0.05)
            except pexpect.TIMEOUT:
                continue
            got += chunk
            steps.append(("R", chunk))
            echo = got.find(sent.rstrip(b"\r"))
            if echo >= 0 and len(got) - echo - len(sent) >= size:
                return
        raise AssertionError(f"no answer after 120 s: {got[-200:]!r}")

    try:
        read_to_prompt()
        for data in sends:
            steps.append(("S", data))
            if data == b"\x03":
                child.sendintr()
            else:
                child.send(data)
                if data.startswith(b"Write"):  # let it generate a little, then Ctrl+C
                    read_some(data)  # (a fixed 1.5 s let an idle machine finish the story)
                    continue
            read_to_prompt()
    finally:
        child.close(force=True)
    return steps


@pytest.mark.parametrize("color", [False, True], ids=["plain", "color"])
def test_fake_bitnet_frames_like_the_live_binary(llama_cli_bitnet, smollm2, fake_llama_cli,
                                                 tmp_path, color):
    args = ["-cnv", "-p", "You are a helpful assistant", "-n", "-1", "-t", "1", "-s", "42",
            "-c", "2048", "--temp", "0"] + (["--color"] if color else [])
    steps = record(llama_cli_bitnet, smollm2, args, [b"Say hello.\r", b"What is 2+2?\r"],
                   tmp_path)
    first, segments = _segments(steps)
    answers = [_answer_of(framing(real)[0], sent, False) for sent, real in segments]
    assert all(a.strip() for a in answers), answers  # the live run really answered
    check(Run(fake_llama_cli, "bitnet", args, answers, tmp_path), first, segments)


def test_fake_bitnet_ctrl_c_mid_answer_like_the_live_binary(llama_cli_bitnet, smollm2,
                                                            fake_llama_cli, tmp_path):
    args = ["-cnv", "-p", "You are a helpful assistant", "-n", "-1", "-t", "1", "--color"]
    steps = record(llama_cli_bitnet, smollm2, args,
                   [b"Write a very long story about a dragon.\r", b"\x03"], tmp_path)
    real = b"".join(data for kind, data in steps if kind == "R")
    assert framing(real)[0].endswith(b"\r\n> ")  # back at the prompt, still running
    fake = Run(fake_llama_cli, "bitnet", args, ["{endless}"], tmp_path)
    fake.read()
    fake.child.send("Write a very long story about a dragon.\r")
    fake.read(0.2, max_s=0.5)
    fake.child.sendintr()
    got, codes = framing(fake.read())
    real_text, real_codes = framing(real[real.rfind(b"\x03") + 1:] if b"\x03" in real else real)
    assert got.endswith(b"\r\n> ") and codes[-1:] == real_codes[-1:] == [b"\x1b[32m"]
    # stopped mid-line: no blank line before the marker, in both
    assert got.endswith(b"\r\n\r\n> ") == real_text.endswith(b"\r\n\r\n> ")
