"""Visible prefill (#13): while llama-cli reads a cited prompt (it prints nothing), the
status line and the timing overlay count down from the plan's figures; Esc stops it like
an answer and the next question is answered. Real LlamaSession + the fake llama-cli,
whose FAKE_PREFILL_DELAY is the silent read."""

from __future__ import annotations

import re

from neuro_tui.app.status_line import StatusLine
from neuro_tui.app.timing_overlay import TimingOverlay
from neuro_tui.chat import events as ev
from tests.tui.conftest import answer, answered, ready, sample_sources

PLAN = {"prompt_tokens": 812, "source_tokens": 760, "budget_tokens": 800, "expected_s": 2.4,
        "rate_tok_s": 338.0, "rate_measured": True, "exact_tokens": True}


def planned_retriever(question, config, web):
    """The chat core's retriever seam with a prefill plan (chat/retrieval.py's 4-tuple)."""
    return f"Sources:\n[1] Paris...\n\nQuestion: {question}", sample_sources(), [], PLAN


def status(app) -> str:
    return app.chat.query_one(StatusLine).render().plain


def seconds_left(text: str) -> float:
    found = re.search(r"reading sources: 812 tokens, ~(\d+\.\d) s left", text)
    assert found, text
    return float(found.group(1))


async def test_status_and_overlay_count_down_while_llama_cli_reads(make_app, recorder, fake):
    fake(["Paris [1]."], prefill_delay=1.6)
    app = make_app(retriever=planned_retriever, storage="/tmp/idx")
    async with app.run_test(size=(120, 36), message_hook=recorder) as pilot:
        await ready(pilot, app)
        await pilot.press("f2", *"capital?", "enter")
        await recorder.event(ev.TurnStatusChanged, where=lambda e: e.status.value == "prefill")
        await pilot.pause(0.1)
        first = seconds_left(status(app))
        assert 1.8 <= first <= 2.4, status(app)
        assert "Esc stops" in status(app)
        await pilot.pause(0.7)
        later = seconds_left(status(app))
        assert later <= first - 0.4, (first, later)  # counts down with wall time
        overlay = str(app.chat.query_one(TimingOverlay).render())
        assert "reading sources: 812 tokens" in overlay
        await answered(pilot, app)
        assert "reading sources" not in status(app)  # gone with the first answer text
        assert "reading sources" not in str(app.chat.query_one(TimingOverlay).render())


async def test_escape_during_prefill_stops_it_and_the_next_question_answers(
        make_app, recorder, fake):
    fake(["never shown", "{echo}"], prefill_delay=1.5)
    app = make_app(retriever=planned_retriever, storage="/tmp/idx")
    async with app.run_test(size=(120, 36), message_hook=recorder) as pilot:
        await ready(pilot, app)
        await pilot.press(*"first", "enter")
        await recorder.event(ev.TurnStatusChanged, where=lambda e: e.status.value == "prefill")
        await pilot.pause(0.2)
        assert "reading sources" in status(app)
        await pilot.press("escape")
        ended = await answered(pilot, app, 1)
        assert ended.stop_reason == "interrupted"
        assert "reading sources" not in status(app)
        assert answer(app, 1) == ""
        await pilot.press(*"second", "enter")
        await answered(pilot, app, 2, timeout=15)
        assert "Question: second" in answer(app, 2)


def test_clock_line_after_the_expected_time():
    from neuro_tui.app.prefill_clock import PrefillClock

    clock = PrefillClock.from_plan(3, PLAN)
    assert clock.line(now=clock.started + 1.0) == \
        "reading sources: 812 tokens, ~1.4 s left · Esc stops"
    assert clock.line(now=clock.started + 3.0) == ("reading sources: 812 tokens, longer than "
                                                  "the ~2.4 s expected (3.0 s so far) · Esc stops")
    assert PrefillClock.from_plan(1, None) is None
