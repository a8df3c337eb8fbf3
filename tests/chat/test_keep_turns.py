"""The turn planner and the resume recap: newest turns verbatim, older ones as questions,
the rest dropped, within the prefill-time budget (no engine needed)."""

from __future__ import annotations

import pytest

from neuro_tui.chat import events as ev
from neuro_tui.chat.keep_turns import cost, plan, spans
from neuro_tui.chat.policy import make_policy
from neuro_tui.chat.transcript import Transcript, Turn
from neuro_tui.errors import UsageError
from tests.chat.conftest import make_config


def chat(n: int, answer_words: int = 30) -> Transcript:
    turns = tuple(Turn(i, f"question {i} about topic-{i}?", f"answer-{i} " * answer_words,
                       status=ev.TurnStatus.DONE) for i in range(1, n + 1))
    return Transcript(turns=turns)


def test_rolling_keeps_the_newest_contiguous_turns():
    p = plan(chat(10).turns, 300, keep_first=False)
    assert p.verbatim == tuple(range(11 - len(p.verbatim), 11)) and 10 in p.verbatim
    assert p.dropped == tuple(range(1, 11 - len(p.verbatim))) and p.tokens <= 300
    assert "topic-10" in p.recap and "topic-1?" not in p.recap


def test_truncate_middle_keeps_the_first_exchange_and_marks_the_gap():
    p = plan(chat(10).turns, 300, keep_first=True)
    assert p.verbatim[0] == 1 and p.verbatim[-1] == 10 and 2 in p.dropped
    assert "topic-1?" in p.recap and "left out" in p.recap


def test_everything_fits_nothing_dropped():
    p = plan(chat(3, 2).turns, 4000, keep_first=True)
    assert p.complete and p.verbatim == (1, 2, 3)


@pytest.mark.parametrize("turns", [20, 60, 200])
def test_resume_recap_respects_the_prefill_budget_whatever_the_length(turns):
    config = make_config(prefill_seconds=1.5) if _has("prefill_seconds") else make_config()
    policy = make_policy("truncate-middle", config, prefill_tok_s=128)
    p = policy.recap_plan(chat(turns), config)
    budget = int(1.5 * 128)
    assert cost(p.recap) <= budget + 8  # the estimate of what llama-cli will prefill
    assert turns in p.verbatim and p.summarised and p.dropped
    dropped, notice = policy.pop_events()
    assert isinstance(dropped, ev.TurnsDropped) and dropped.reason == "resume"
    assert f"{turns}" in notice.text and "prefill-time budget" in notice.text
    assert policy.pop_events() == ()


def test_unknown_policy_is_a_clear_usage_error():
    with pytest.raises(UsageError, match="stop, truncate-middle, rolling"):
        make_policy("sideways", make_config())


def test_spans():
    assert spans((1, 2, 3, 7, 9, 10)) == "1-3, 7, 9-10"


def _has(key: str) -> bool:
    from neuro_tui.config import BY_KEY

    return key in BY_KEY


def test_the_default_policy_follows_the_config_as_it_changes():
    config = make_config()
    policy = make_policy(None, config)
    assert policy.name == "truncate-middle"
    config.set("context_policy", "rolling", "model pane")
    assert policy.name == "rolling"
    assert make_policy("stop", config).name == "stop"  # a per-chat choice stays
