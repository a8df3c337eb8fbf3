"""F10 downloads a model with progress, from a loopback hub (tests/hub_server.py)."""

from __future__ import annotations

import hashlib

import pytest

from neuro_tui.app.jobs import Jobs
from tests.hub_server import FakeHub
from tests.tui.conftest import fake, make_app, ready, tui_config  # noqa: F401 - fixtures

pytestmark = pytest.mark.integration
F32 = "tiny-bitnet-b1.58-f32.gguf"


@pytest.fixture
def hub(shared_dir, tmp_path, monkeypatch):
    f32 = shared_dir / "models" / F32
    sha = hashlib.sha256(f32.read_bytes()).hexdigest()
    registry = tmp_path / "registry.toml"
    registry.write_text(
        f'[models.tiny-f32]\ntitle = "tiny"\nsource = "hub"\nrepo = "test/tiny-bitnet"\n'
        f'file = "{F32}"\nlocal = "tiny-bitnet/{F32}"\nsize = {f32.stat().st_size}\n'
        f'sha256 = "{sha}"\nruntime = "bitnet.cpp"\nlicense = "MIT"\nchat_template = "t"\n')
    with FakeHub({"test/tiny-bitnet": {F32: f32}}) as server:
        server.faults.rate = f32.stat().st_size / 2.0  # ~2 s, so progress is visible
        monkeypatch.setenv("HF_ENDPOINT", server.endpoint)
        monkeypatch.setenv("HF_HOME", str(tmp_path / "hf-home"))
        monkeypatch.setenv("NEURO_TUI_REGISTRY", str(registry))
        monkeypatch.setenv("NEURO_BITNET_MODELS_DIR", str(tmp_path / "models"))
        for name in ("HF_HUB_OFFLINE", "HF_TOKEN"):
            monkeypatch.delenv(name, raising=False)
        yield tmp_path / "models" / "tiny-bitnet" / F32


async def test_f10_downloads_with_progress_in_screen_and_model_pane(make_app, hub):  # noqa: F811
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot, app)
        await pilot.press("f10")
        await pilot.pause(0.1)
        app.screen.query_one("#f-model").value = "tiny-f32"
        await pilot.press("ctrl+d")
        bar = app.screen.query_one("#download-bar")
        done = await app.recorder.wait(
            lambda m: isinstance(m, Jobs.Progressed) and m.finished, timeout=60)
        await pilot.pause(0.1)
        notes = [m.text for m in app.recorder.of(Jobs.Progressed)]
        assert done.ok and "downloaded" in done.text, notes
        assert any("%" in n for n in notes), notes
        assert "downloaded" in str(app.screen.query_one("#model-msg").render())
        assert bar.progress == bar.total and bar.total > 0
        await pilot.press("escape")
        await pilot.pause(0.1)
        assert "downloaded" in str(app.chat.query_one("#model").render())
    assert hub.is_file()
