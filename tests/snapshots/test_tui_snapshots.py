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
from tests.tui.conftest import ANSWER, answered, fixed_retriever, wait_for

THEMES = ["neuro-dark", "neuro-light", "neuro-256", "neuro-solar", "textual-dark"]


def ready(app):
    async def run(pilot):
        app.query_one("#input").cursor_blink = False
        await wait_for(pilot, lambda: app.conversation.ready or app.conversation.failed)
        if hasattr(app.session, "pin_live_stats"):
            app.session.pin_live_stats()
        app.refresh_panes()
        await pilot.pause(0.05)
    return run


def asked(app, question="What is the capital of France?", then=()):
    async def run(pilot):
        await ready(app)(pilot)
        await pilot.press(*question, "enter")
        await answered(pilot, app)
        if app.session is not None:
            app.session.pin_live_stats()
        app.refresh_panes()
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
        await wait_for(pilot, lambda: len(app.answers.get(1, "")) > 100)
        seen = -1
        while seen != len(app.answers[1]):
            seen = len(app.answers[1])
            await pilot.pause(0.3)
        app.session.pin_live_stats()
        app.refresh_panes()
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
        app.query_one("#sources").focus()
        await pilot.press("enter")
        await pilot.pause(0.1)
    assert snap_compare(app, terminal_size=(100, 30), run_before=run)


def test_model_screen(snap_compare, make_app):
    app = make_app(pin_clock=True)
    assert snap_compare(app, terminal_size=(100, 30), run_before=asked(app, then=["f10"]))


def test_sessions_screen(snap_compare, make_app, monkeypatch):
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    app = make_app(pin_clock=True)

    async def run(pilot):
        await asked(app)(pilot)
        os.utime(app.conversation.writer.info.path, (1767225600, 1767225600))
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
    assert snap_compare(app, terminal_size=(100, 30), run_before=ready(app))


def test_error_crash_mid_answer(snap_compare, make_app, fake):
    fake([ANSWER], crash_after=8)
    app = make_app(pin_clock=True)

    async def run(pilot):
        await ready(app)(pilot)
        await pilot.press(*"What is the capital of France?", "enter")
        await answered(pilot, app)
        await wait_for(pilot, lambda: app.conversation.failed)
        app.session.pin_live_stats()
        app.refresh_panes()
        await pilot.pause(0.3)
    assert snap_compare(app, terminal_size=(100, 30), run_before=run)
