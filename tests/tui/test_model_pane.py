"""The model pane on both engines: llama-cli's threads and tuning, the server engine's URL,
reported model and context size (a real loopback server, the app's own session factory)."""

from __future__ import annotations

import dataclasses

from textual.app import App, ComposeResult

from neuro_tui import config as config_mod
from neuro_tui.app.app import create_app
from neuro_tui.app.model_pane import ModelPane
from neuro_tui.chat import events as ev
from neuro_tui.engine.endpoint import Endpoint, ServerSpec
from neuro_tui.engine.timing import LiveStats
from tests.openai_server import OpenAIServer
from tests.tui.conftest import answered, ready, record


def styles_of(text, needle: str) -> set[str]:
    start = text.plain.index(needle)
    return {str(s.style) for s in text.spans if s.start <= start < s.end}


async def test_server_engine_pane_shows_url_reported_model_and_its_ctx(tmp_path):
    with OpenAIServer("llama.cpp") as srv:
        srv.script.models = ["qwen-on-the-box"]
        srv.script.ctx = 3072
        config = config_mod.load({"engine": "server", "engine_url": srv.url, "theme":
                                  "neuro-dark"}, environ={})
        app = create_app(config, persist=False)  # the app's default factory: build_session
        record(app)
        async with app.run_test(size=(120, 40)) as pilot:
            await ready(pilot, app)
            await pilot.pause(0.1)
            text = app.screen.query_one(ModelPane).text.plain
            assert "qwen-on-the-box" in text and f"server {srv.url}" in text
            assert "ctx 3072 (server)" in text and "not this machine" not in text
            await pilot.press(*"hello", "enter")
            end = await answered(pilot, app)
            assert end.status.value == "done" and end.stats["tokens_exact"]
            assert app.chat.service.transcript.last.answer == srv.script.answer
        readies = app.recorder.events(ev.EngineReady)
        assert readies and readies[0].ctx_size == 3072


class PaneApp(App):
    def compose(self) -> ComposeResult:
        yield ModelPane()


async def test_a_remote_server_is_red_and_says_data_leaves():
    spec = ServerSpec(Endpoint("https://gpu.example.org:8443", local=False), model="big")
    app = PaneApp()
    async with app.run_test() as pilot:
        pane = app.query_one(ModelPane)
        pane.show(spec, "ready", LiveStats(ctx_size=None))
        await pilot.pause()
        text = pane.text
        assert "ctx ? (server)" in text.plain
        assert "bold red" in styles_of(text, "https://gpu.example.org:8443")
        assert "bold red" in styles_of(text, "not this machine")


async def test_llama_cli_pane_shows_the_threads_and_the_tuning(make_app, tui_config, tmp_path,
                                                              monkeypatch):
    from neuro_tui.engine import tune

    monkeypatch.setenv("NEURO_TUI_CACHE_DIR", str(tmp_path / "cache"))  # not the shared one
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot, app)
        await pilot.pause(0.1)
        pane = app.screen.query_one(ModelPane)
        assert "threads -t 1 -tb auto" in pane.text.plain
        assert "prompt speed not measured" in pane.text.plain
        session = app.chat.service.session
        spec = dataclasses.replace(session.spec, params=session.spec.params.with_(
            threads=2, threads_batch=4))
        tune.store(spec.binary, spec.model, int(tui_config.threads),
                   int(tui_config.threads_batch),
                   tune.Tuning(2, 4, 264.0, 129.0, 3.1, when="2026-12-01 10:15", seconds=2.8))
        pane.show(spec, "ready")
        assert "threads -t 2 -tb 4" in pane.text.plain
        assert ("-t 2 -tb 4: prompt 264 tok/s, generation 129 tok/s (measured 2026-12-01 "
                "10:15, 2.8 s)") in pane.text.plain


def test_the_runtime_is_named_by_program_and_version_not_by_flavor(tmp_path):
    """Welcome and model pane say "llama.cpp 0.3.16 (-cnv)", "bitnet.cpp 404980e": what
    runtime.json beside a built runtime says, not the protocol's internal value."""
    import json
    from pathlib import Path

    from rich.text import Text

    from neuro_tui.app.welcome import welcome_text
    from neuro_tui.engine.events import Flavor
    from neuro_tui.engine.params import SessionSpec

    def built(name: str, manifest: dict) -> Path:
        (tmp_path / name / "bin").mkdir(parents=True)
        (tmp_path / name / "runtime.json").write_text(json.dumps(manifest))
        return tmp_path / name / "bin" / "llama-cli"

    old = built("old-0.3.16", {"flavor": "old", "llama_cpp_python": "0.3.16"})
    new = built("new-0.3.36", {"flavor": "new", "llama_cpp_python": "0.3.36"})
    bitnet = built("bitnet-404980e", {"flavor": "bitnet", "bitnet_commit": "404980e" + "a" * 33})
    config = config_mod.load({}, environ={})
    shown = {}
    for binary, flavor in ((old, "old"), (new, "new"), (bitnet, "bitnet"),
                           (tmp_path / "mine" / "llama-cli", "old")):
        started = ev.EngineStarting("/m/SmolLM2.gguf", str(binary), flavor, 4096)
        row = next(line for line in welcome_text(started, "ready", config, False, 200)
                   .plain.splitlines() if line.startswith("runtime"))
        shown[flavor if "mine" not in str(binary) else "own"] = row
        text = Text()  # the model pane's llama-cli lines: the same name above the path
        ModelPane()._llama_cli(text, SessionSpec(binary, Flavor(flavor), tmp_path / "m.gguf"))
        name = row.split('  ', 1)[1].split(' · ')[0]
        lines = text.plain.split(f"runtime {name}\n", 1)[1].split("\ntemp ")[0].splitlines()
        assert "".join(lines) == str(binary)  # the whole path, broken only after a "/"
        assert all(len(line) <= 34 and line.endswith("/") for line in lines[:-1]), lines
        assert len(lines) > 1 or len(str(binary)) <= 34
    assert shown == {"old": f"runtime  llama.cpp 0.3.16 (-cnv) · {old}",
                     "new": f"runtime  llama.cpp 0.3.36 (llama-cli chat) · {new}",
                     "bitnet": f"runtime  bitnet.cpp 404980e · {bitnet}",
                     "own": f"runtime  llama.cpp (-cnv) · {tmp_path / 'mine' / 'llama-cli'}"}


def test_a_runtime_under_home_is_shown_from_tilde_and_broken_at_slashes():
    from pathlib import Path

    from neuro_tui.app.model_pane import ModelPane

    binary = Path.home() / ".local/share/neuro-tui/runtime/old-0.3.16/bin/llama-cli"
    assert ModelPane()._path(binary).splitlines() == [
        "~/.local/share/neuro-tui/runtime/", "old-0.3.16/bin/llama-cli"]
