"""The fault suite (issue #12): every test here is marked `faults`; tests of faults that live
elsewhere carry the mark too, so `pytest -m faults` runs the whole table in
docs/troubleshooting.md. Plain `pytest` (CI) runs them with everything else."""

from __future__ import annotations

import json
import struct
from pathlib import Path

import pytest

from neuro_tui.engine.events import Flavor
from neuro_tui.engine.params import GenerationParams, SessionSpec
from neuro_tui.engine.session import LlamaSession

HERE = Path(__file__).resolve().parent


def pytest_collection_modifyitems(items):
    for item in items:
        if Path(str(item.fspath)).resolve().parent == HERE:
            item.add_marker(pytest.mark.faults)


def tiny_gguf(path: Path) -> Path:
    """The smallest GGUF header neuro-tui accepts (arch llama, no tensors): enough for the
    fake llama-cli, which never reads it."""
    def s(text: str) -> bytes:
        return struct.pack("<Q", len(text)) + text.encode()
    path.write_bytes(b"GGUF" + struct.pack("<IQQ", 3, 0, 1) + s("general.architecture")
                     + struct.pack("<I", 8) + s("llama"))
    return path


@pytest.fixture
def fake_session(fake_llama_cli, tmp_path, monkeypatch):
    """LlamaSession over the fake llama-cli; killed at teardown whatever the test did."""
    sessions = []

    def make(flavor="old", answers=("Hello!",), env=None, **params):
        monkeypatch.setenv("FAKE_FLAVOR", flavor)
        monkeypatch.setenv("FAKE_ANSWERS", json.dumps(list(answers)))
        monkeypatch.setenv("FAKE_TOKEN_DELAY", "0.002")
        for key, value in (env or {}).items():
            monkeypatch.setenv(key, str(value))
        hang = params.pop("hang_timeout_s", 30.0)
        spec = SessionSpec(binary=fake_llama_cli, flavor=Flavor(flavor),
                           model=tiny_gguf(tmp_path / "model.gguf"),
                           params=GenerationParams(threads=1, **params),
                           hang_timeout_s=hang,
                           log_dir=tmp_path / "logs")
        session = LlamaSession(spec)
        sessions.append(session)
        return session

    yield make
    for session in sessions:
        if session._proc and session._proc.child and not session._proc.child.closed:
            session._proc.kill_group(9)
