"""Every screen and state of the TUI as SVG snapshots (pytest --snapshot-update to accept).

Deterministic: the session's answers and figures are scripted, the cursor does not blink,
and each state is reached by waiting for it, not by sleeping.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from neuro_tui.errors import MissingError
from tests.tui.conftest import ANSWER, fixed_retriever, wait_for
from tests.tui.stand_in import StandInSession

LOG = Path("/tmp/neuro-tui-snapshots/llama-cli.log")
LOG_LINES = ("llama_model_loader: loaded meta data with 33 key-value pairs\n"
             "system_info: n_threads = 1 | AVX2 = 1 |\n"
             "main: interactive mode on.\n"
             "llama_perf_context_print: eval time = 1234.5 ms / 64 runs (19.3 ms per token)\n")
THEMES = ["neuro-dark", "neuro-light", "neuro-256", "neuro-solar", "textual-dark"]


def ready(app):
    async def run(pilot):
        app.query_one("#input").cursor_blink = False
        await wait_for(pilot, lambda: app.conversation.ready or app.conversation.failed)
        await pilot.pause(0.05)
    return run


def asked(app, question="What is the capital of France?", then=()):
    async def run(pilot):
        await ready(app)(pilot)
        await pilot.press(*question, "enter")
        await wait_for(pilot, lambda: 1 in app.answers and not app.conversation.busy)
        await pilot.pause(0.1)
        for key in then:
            await pilot.press(key)
        await pilot.pause(0.1)
    return run


def test_empty_chat(snap_compare, make_app):
    app = make_app()
    assert snap_compare(app, terminal_size=(120, 40), run_before=ready(app))


def test_streaming(snap_compare, make_app):
    session = StandInSession([ANSWER * 3], hold_after=30)
    app = make_app(session)

    async def run(pilot):
        await ready(app)(pilot)
        await pilot.press(*"Tell me about Paris", "enter")
        await wait_for(pilot, session.holding.is_set)
        await pilot.pause(0.2)
    assert snap_compare(app, terminal_size=(120, 40), run_before=run)


def test_finished_with_sources(snap_compare, make_app):
    app = make_app(retriever=fixed_retriever, storage="/srv/index")
    assert snap_compare(app, terminal_size=(120, 40), run_before=asked(app))


@pytest.mark.parametrize("theme", THEMES)
def test_theme(snap_compare, make_app, tui_config, theme):
    tui_config.set("theme", theme, "--theme")
    app = make_app(retriever=fixed_retriever, storage="/srv/index")
    assert snap_compare(app, terminal_size=(120, 40), run_before=asked(app))


def test_timing_overlay(snap_compare, make_app):
    app = make_app()
    assert snap_compare(app, terminal_size=(120, 40), run_before=asked(app, then=["f2"]))


def test_log_view(snap_compare, make_app):
    LOG.parent.mkdir(parents=True, exist_ok=True)
    LOG.write_text(LOG_LINES + "\x1b]52;c;cHduZWQ=\x07[bold red]not markup[/]\n")
    app = make_app(StandInSession(log_path=LOG))
    assert snap_compare(app, terminal_size=(100, 30), run_before=asked(app, then=["f3"]))


def test_narrow_80x24(snap_compare, make_app):
    app = make_app(retriever=fixed_retriever, storage="/srv/index")
    assert snap_compare(app, terminal_size=(80, 24), run_before=asked(app))


def test_narrow_80x24_side_panes_shown(snap_compare, make_app):
    app = make_app(retriever=fixed_retriever, storage="/srv/index")
    assert snap_compare(app, terminal_size=(80, 24), run_before=asked(app, then=["f4"]))


def test_help_screen(snap_compare, make_app):
    app = make_app()
    assert snap_compare(app, terminal_size=(100, 34), run_before=asked(app, then=["f1"]))


def test_source_viewer(snap_compare, make_app):
    app = make_app(retriever=fixed_retriever, storage="/srv/index")

    async def run(pilot):
        await asked(app, "capital of France")(pilot)
        app.query_one("#sources").focus()
        await pilot.press("enter")
        await pilot.pause(0.1)
    assert snap_compare(app, terminal_size=(100, 30), run_before=run)


def test_sessions_screen(snap_compare, make_app, monkeypatch):
    monkeypatch.setenv("TZ", "UTC")
    import time

    time.tzset()
    app = make_app()

    async def run(pilot):
        await asked(app)(pilot)
        os.utime(app.conversation.writer.info.path, (1767225600, 1767225600))
        await pilot.press("f5")
        await pilot.pause(0.2)
    assert snap_compare(app, terminal_size=(100, 30), run_before=run)


def test_error_load_failed(snap_compare, make_app):
    app = make_app(StandInSession(fail_load="llama-cli exited with code 1 while loading"))
    assert snap_compare(app, terminal_size=(100, 30), run_before=ready(app))


def test_error_model_missing(snap_compare, make_app, tui_config):
    from neuro_tui.app.app import create_app

    def missing(_config):
        raise MissingError("model 'bitnet-2b' is not downloaded",
                           hint="neuro-tui model download bitnet-2b")

    app = create_app(tui_config, missing)
    assert snap_compare(app, terminal_size=(100, 30), run_before=ready(app))


def test_error_crash_mid_answer(snap_compare, make_app):
    app = make_app(StandInSession([ANSWER], crash_after=8))
    assert snap_compare(app, terminal_size=(100, 30), run_before=asked(app))
