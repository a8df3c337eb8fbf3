"""Every screen and state of the TUI as SVG snapshots (pytest --snapshot-update to accept).

The app runs on the real LlamaSession talking to the fake llama-cli (tests/fakes), so the
text is scripted; wall-clock figures (load, TTFT, tok/s, RSS/CPU) are pinned, the cursor
does not blink, and each state is reached by waiting for it, not by sleeping.
"""

from __future__ import annotations

import os
import time

import pytest

from neuro_tui.app.app import create_app
from neuro_tui.chat import events as ev
from tests.tui.conftest import (
    ANSWER,
    answer,
    answered,
    engine_settled,
    fixed_retriever,
    record,
    streamed,
)

THEMES = ["neuro-dark", "neuro-light", "neuro-256", "neuro-solar", "textual-dark"]


def pin(app) -> None:
    """Fixed wall-clock figures, shown at once (not at the next RSS/CPU tick)."""
    session = app.chat.service.session
    if hasattr(session, "pin_live_stats"):
        session.pin_live_stats()
    app.chat.monitor.sample()


def ready(app):
    async def run(pilot):
        app.chat.query_one("#input").cursor_blink = False
        await engine_settled(pilot, app)
        pin(app)
        await pilot.pause(0.05)
    return run


def asked(app, question="What is the capital of France?", then=()):
    async def run(pilot):
        await ready(app)(pilot)
        await pilot.press(*question, "enter")
        await answered(pilot, app)
        pin(app)
        for key in then:
            await pilot.press(key)
        await pilot.pause(0.35)  # the overlay ticks 4x a second
    return run


def test_empty_chat(snap_compare, make_app):
    app = make_app()
    assert snap_compare(app, terminal_size=(120, 40), run_before=ready(app))


def test_streaming(snap_compare, make_app, fake):
    fake([ANSWER * 3], hang_after=30)  # llama-cli stops writing mid-answer
    app = make_app(pin_clock=True)

    async def run(pilot):
        await ready(app)(pilot)
        await pilot.press(*"Tell me about Paris", "enter")
        await streamed(pilot, app, 1, 100)
        seen = -1
        while seen != len(answer(app, 1)):
            seen = len(answer(app, 1))
            await pilot.pause(0.3)
        pin(app)
        await pilot.pause(0.1)
    assert snap_compare(app, terminal_size=(120, 40), run_before=run)


def test_finished_with_sources(snap_compare, make_app):
    app = make_app(retriever=fixed_retriever, storage="/srv/index", pin_clock=True)
    assert snap_compare(app, terminal_size=(120, 40), run_before=asked(app))


@pytest.mark.parametrize("theme", THEMES)
def test_theme(snap_compare, make_app, tui_config, theme):
    tui_config.set("theme", theme, "--theme")
    app = make_app(retriever=fixed_retriever, storage="/srv/index", pin_clock=True)
    assert snap_compare(app, terminal_size=(120, 40), run_before=asked(app))


def test_timing_overlay(snap_compare, make_app):
    app = make_app(pin_clock=True)
    assert snap_compare(app, terminal_size=(120, 40), run_before=asked(app, then=["f2"]))


def test_log_view(snap_compare, make_app):
    app = make_app(pin_clock=True)

    async def run(pilot):
        await asked(app, then=["f3"])(pilot)
        app.screen.title = "llama-cli log: <per-session log file>"  # name has time and pid
        await pilot.pause(0.6)
    assert snap_compare(app, terminal_size=(100, 30), run_before=run)


def test_narrow_80x24(snap_compare, make_app):
    app = make_app(retriever=fixed_retriever, storage="/srv/index", pin_clock=True)
    assert snap_compare(app, terminal_size=(80, 24), run_before=asked(app))


def test_narrow_80x24_side_panes_shown(snap_compare, make_app):
    app = make_app(retriever=fixed_retriever, storage="/srv/index", pin_clock=True)
    assert snap_compare(app, terminal_size=(80, 24), run_before=asked(app, then=["f4"]))


def test_help_screen(snap_compare, make_app):
    app = make_app(pin_clock=True)
    assert snap_compare(app, terminal_size=(100, 34), run_before=asked(app, then=["f1"]))


def test_source_viewer(snap_compare, make_app):
    app = make_app(retriever=fixed_retriever, storage="/srv/index", pin_clock=True)

    async def run(pilot):
        await asked(app, "capital of France")(pilot)
        app.chat.query_one("#sources").focus()
        await pilot.press("enter")
        await pilot.pause(0.1)
    assert snap_compare(app, terminal_size=(100, 30), run_before=run)


def test_citation_marks_listed(snap_compare, make_app):
    """Ctrl+L: each [n] of the answer with its grounding mark and the words matched (#14)."""
    app = make_app(retriever=fixed_retriever, storage="/srv/index", pin_clock=True)
    assert snap_compare(app, terminal_size=(100, 30), run_before=asked(app, then=["ctrl+l"]))


def test_model_screen(snap_compare, make_app):
    app = make_app(pin_clock=True)
    assert snap_compare(app, terminal_size=(100, 30), run_before=asked(app, then=["f10"]))


def test_sessions_screen(snap_compare, make_app, monkeypatch):
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    app = make_app(pin_clock=True)

    async def run(pilot):
        await asked(app)(pilot)
        os.utime(app.chat.service.store.path, (1767225600, 1767225600))
        await pilot.press("f5")
        await pilot.pause(0.2)
    assert snap_compare(app, terminal_size=(100, 30), run_before=run)


def test_error_load_failed(snap_compare, make_app, fake):
    fake(exit_on_load=1)
    app = make_app()
    assert snap_compare(app, terminal_size=(100, 30), run_before=ready(app))


def test_error_model_missing(snap_compare, tui_config, fake):
    tui_config.set("model", "/nonexistent/bitnet-2b.gguf", "--model")
    app = create_app(tui_config)  # the real launch path: model resolution fails
    record(app)
    assert snap_compare(app, terminal_size=(100, 30), run_before=ready(app))


def test_error_crash_mid_answer(snap_compare, make_app, fake):
    fake([ANSWER], crash_after=8)
    app = make_app(pin_clock=True)

    async def run(pilot):
        await ready(app)(pilot)
        await pilot.press(*"What is the capital of France?", "enter")
        await answered(pilot, app)
        await app.recorder.event(ev.EngineFailed)
        pin(app)
        await pilot.pause(0.3)
    assert snap_compare(app, terminal_size=(100, 30), run_before=run)
