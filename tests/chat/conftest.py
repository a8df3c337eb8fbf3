"""ChatService fixtures: a service over the fake llama-cli (fast, faults on demand)."""

from __future__ import annotations

import json

import pytest

from neuro_tui import config as config_mod
from neuro_tui.engine.events import Flavor
from neuro_tui.engine.params import SessionSpec
from neuro_tui.engine.session import LlamaSession


@pytest.fixture
def fake_factory(fake_llama_cli, tmp_path, monkeypatch):
    """make(flavor, answers, env) -> a session factory for ChatService over the fake."""
    model = tmp_path / "model.gguf"
    model.write_bytes(b"GGUF fake")
    made: list[LlamaSession] = []

    def make(flavor="old", answers=("Hello! How can I help you today?",), env=None):
        monkeypatch.setenv("FAKE_FLAVOR", flavor)
        monkeypatch.setenv("FAKE_ANSWERS", json.dumps(list(answers)))
        monkeypatch.setenv("FAKE_TOKEN_DELAY", "0.002")
        for key, value in (env or {}).items():
            monkeypatch.setenv(key, str(value))

        def factory(config):
            spec = SessionSpec(binary=fake_llama_cli, flavor=Flavor(flavor), model=model,
                               params=config.generation_params(), hang_timeout_s=20,
                               log_dir=tmp_path / "logs")
            session = LlamaSession(spec)
            made.append(session)
            return session
        return factory

    yield make
    for session in made:
        if session._proc and session._proc.child and not session._proc.child.closed:
            session._proc.kill_group(9)


@pytest.fixture
def chats_folder(tmp_path, monkeypatch):
    """An empty saved-chats folder of its own, with the chat search index beside it (data
    and cache dirs under tmp_path, so an index built by one test is not another's)."""
    from neuro_tui.chat.store import chats_dir

    monkeypatch.setenv("NEURO_TUI_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("NEURO_TUI_CACHE_DIR", str(tmp_path / "cache"))
    folder = chats_dir()
    folder.mkdir(parents=True)
    return folder


def make_config(**values):
    flags = {"threads": 1, "web": False, "storage": ""}
    flags.update(values)
    return config_mod.load(flags)


async def collect(aiter):
    return [event async for event in aiter]
