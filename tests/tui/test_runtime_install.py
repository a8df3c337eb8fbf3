"""No llama-cli found: the app says so and Ctrl+G installs one, then the chat starts.

Real discovery and the real runtime builder: the runtime folder starts empty, so the app
shows the missing-runtime state. The compile itself is covered by
tests/integration/test_runtime_build.py; here the machine's already-built binary is put in
place before Ctrl+G, so the builder finds it installed (as a second `runtime install`
does) and the test checks the app's flow: missing -> Ctrl+G -> chat ready on that binary.
"""

from __future__ import annotations

import json
import shutil

from neuro_tui import config as config_mod
from neuro_tui.app.app import create_app
from neuro_tui.app.jobs import Jobs
from neuro_tui.chat import events as ev
from neuro_tui.engine import runtime_build
from tests.tui.conftest import engine_settled, record


async def test_missing_runtime_is_offered_and_installed(tmp_path, monkeypatch, llama_cli_old,
                                                        smollm2):
    real_root = runtime_build.install_dir(runtime_build.RUNTIMES["old"])
    monkeypatch.setenv("NEURO_TUI_RUNTIME_DIR", str(tmp_path / "runtimes"))
    monkeypatch.setenv("PATH", "/usr/bin:/bin")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HOME", str(tmp_path))
    cfg = config_mod.load({"model": str(smollm2), "threads": 1})
    app = create_app(cfg, persist=False)
    record(app)
    async with app.run_test(size=(120, 36)) as pilot:
        failed = await engine_settled(pilot, app)
        assert isinstance(failed, ev.EngineFailed) and failed.kind == "missing"
        assert "Ctrl+G builds llama-cli" in app.chat.problem
        # what a finished build leaves: the static binary and its manifest
        target = runtime_build.install_dir(runtime_build.RUNTIMES["old"])
        (target / "bin").mkdir(parents=True)
        shutil.copy2(real_root / "bin" / "llama-cli", target / "bin" / "llama-cli")
        (target / "runtime.json").write_text(json.dumps({"flavor": "old"}))
        await pilot.press("ctrl+g")
        progress = await app.recorder.wait(
            lambda m: isinstance(m, Jobs.Progressed) and m.finished, timeout=60)
        assert progress.ok and progress.job == "runtime", progress.text
        assert isinstance(await engine_settled(pilot, app, timeout=60, after=1), ev.EngineReady)
        assert app.chat.service.session.spec.binary == target / "bin" / "llama-cli"
        assert app.chat.job_note == ""


async def test_bitnet_model_gets_the_bitnet_build_offered(tmp_path, monkeypatch,
                                                           llama_cli_bitnet, tiny_i2s):
    """A model only bitnet.cpp loads: Ctrl+G builds bitnet.cpp's runtime, not upstream's."""
    from neuro_tui.engine import bitnet_build, build_steps

    real_root = build_steps.install_dir(bitnet_build.SPEC)
    monkeypatch.setenv("NEURO_TUI_RUNTIME_DIR", str(tmp_path / "runtimes"))
    monkeypatch.setenv("PATH", "/usr/bin:/bin")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HOME", str(tmp_path))
    cfg = config_mod.load({"model": str(tiny_i2s), "threads": 1})
    app = create_app(cfg, persist=False)
    record(app)
    async with app.run_test(size=(120, 36)) as pilot:
        failed = await engine_settled(pilot, app)
        assert isinstance(failed, ev.EngineFailed) and failed.kind == "missing"
        assert "bitnet.cpp's for a BitNet model" in app.chat.problem
        target = build_steps.install_dir(bitnet_build.SPEC)
        (target / "bin").mkdir(parents=True)
        shutil.copy2(real_root / "bin" / "llama-cli", target / "bin" / "llama-cli")
        (target / "runtime.json").write_text((real_root / "runtime.json").read_text())
        await pilot.press("ctrl+g")
        progress = await app.recorder.wait(
            lambda m: isinstance(m, Jobs.Progressed) and m.finished, timeout=60)
        assert progress.ok and progress.job == "runtime", progress.text
        assert "bitnet.cpp" in progress.text
        assert isinstance(await engine_settled(pilot, app, timeout=60, after=1), ev.EngineReady)
        assert app.chat.service.session.spec.binary == target / "bin" / "llama-cli"
        assert app.chat.service.session.spec.flavor.value == "bitnet"
