"""The chat CLI (new protocol) stops an answer at -n itself; the turn takes the stop reason
and the token count from what llama-cli says (its server's per-turn `print_timing` log line
at -lv 3), not from a word estimate of the pty reads. Under load a whole answer comes in
one read (FAKE_BURST): the words then say 4 where 10 tokens were generated."""

from __future__ import annotations

import pytest

from neuro_tui.engine.events import TurnStats
from tests.unit.test_session_faults import make, turn  # noqa: F401 - the fixture

LONG_WORDS = "Antidisestablishmentarianism is extraordinarily incomprehensible nowadays."
SHORT = "Hi there."

pytestmark = pytest.mark.timeout(60)


async def test_cut_by_the_chat_cli_is_max_tokens_even_in_one_read(make):  # noqa: F811
    s = make("new", answers=[LONG_WORDS, SHORT], max_tokens=10, env={"FAKE_BURST": 1})
    await s.start()
    text, events = await turn(s, "Write a long poem.")
    stats = events[-1]
    assert isinstance(stats, TurnStats) and len(text.split()) < 10
    assert stats.stop_reason == "max_tokens" and stats.tokens == 10 and stats.tokens_exact
    text, events = await turn(s, "And now?")
    assert text == SHORT  # 2 fake tokens ("Hi", " there.") + EOS: 3, under the limit
    assert events[-1].stop_reason == "eos" and events[-1].tokens == 3
    assert s.stats.tokens == 3
    await s.close()


def test_argv_asks_the_chat_cli_for_its_counts(fake_llama_cli, monkeypatch):
    from neuro_tui.engine.args import build_argv
    from neuro_tui.engine.events import Flavor
    from neuro_tui.engine.params import GenerationParams, SessionSpec

    monkeypatch.setenv("FAKE_FLAVOR", "new")
    spec = SessionSpec(binary=fake_llama_cli, flavor=Flavor.NEW, model="m.gguf",
                       params=GenerationParams(max_tokens=10))
    argv = build_argv(spec).argv
    assert argv[argv.index("-lv") + 1] == "3" and argv[argv.index("--log-colors") + 1] == "off"
