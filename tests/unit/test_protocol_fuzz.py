"""Real streams split at arbitrary byte boundaries, with terminal noise inserted between
tokens: the parser never crashes and gives the same answer text as the unsplit stream."""

from __future__ import annotations

import json
import random

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from neuro_tui.engine.protocol import StreamParser
from tests.conftest import SHARED
from tests.transcript_io import (
    bitnet_steps,
    flavor_and_color,
    replay,
    upstream_argv,
    upstream_steps,
)

UPSTREAM = ["v0316-interactive-default.txt", "v0316-interactive-color-merged.txt",
            "v0336cli-interactive-default.txt", "v0336cli-interactive-ctrlc-end.txt",
            "v0336completion-interactive-default.txt", "timing-v0336cli-live-new-t2-0.txt"]
BITNET = ["smollm2_cnv_t1", "misc_color", "edge_ctx128", "misc_utf8_locale_utf8",
          "tiny_f32_cnv"]
NOISE = [b"\x1b[K", b"\x1b[2K", b"\x1b[?25l", b"\x1b]0;title\x07", b"\x07", b"\x00",
         b"\x1b(B", b"\x7f", b"\x1b[38;5;196m", b"\x1b[6n", b"\x08"]


def _load():
    cases = []
    for name in UPSTREAM:
        path = SHARED / "transcripts" / "upstream" / name
        cases.append((name, upstream_steps(path), flavor_and_color(upstream_argv(path))))
    for name in BITNET:
        root = SHARED / "transcripts" / "bitnet-cpp"
        cmd = json.loads((root / f"{name}.summary.json").read_text())["cmd"]
        cases.append((name, bitnet_steps(root / f"{name}.events.jsonl"), flavor_and_color(cmd)))
    return cases


CASES = _load()
REFERENCE = {name: replay(steps, *fc)[0] for name, steps, fc in CASES}


def _plain(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return bool(data) and not any(c in data for c in b"\x1b\r\n>[E")


def _with_noise(steps, rnd):
    out = []
    for i, step in enumerate(steps):
        if (i and step[0] == "R" and steps[i - 1][0] == "R" and _plain(step[1])
                and _plain(steps[i - 1][1]) and rnd.random() < 0.3):
            out.append(("R", rnd.choice(NOISE)))
        out.append(step)
    return out


def _chunker(rnd):
    def split(data: bytes) -> list[bytes]:
        cuts = sorted(rnd.randrange(len(data) + 1) for _ in range(rnd.randrange(0, 12)))
        bounds = [0, *cuts, len(data)]
        return [data[a:b] for a, b in zip(bounds, bounds[1:], strict=False)]
    return split


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=st.sampled_from(range(len(CASES))), seed=st.integers(0, 2**32))
def test_split_and_noise_give_same_text(case, seed):
    name, steps, (flavor, color) = CASES[case]
    rnd = random.Random(seed)
    answers, _ = replay(_with_noise(steps, rnd), flavor, color, chunker=_chunker(rnd))
    assert answers == REFERENCE[name]


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=400), st.sampled_from([(f, c) for f in ("old", "new", "bitnet")
                                                 for c in (True, False)]))
def test_garbage_never_crashes(data, fc):
    from neuro_tui.engine.events import Flavor

    parser = StreamParser(Flavor(fc[0]), fc[1])
    for state_change in range(3):
        parser.feed(data[state_change::3])
        parser.sent(1)
    parser.feed(data)
    parser.confirm_end()
    parser.finish()


def test_reference_answers_are_not_empty():
    assert all(any(a for a in answers) for answers in REFERENCE.values())
