"""Fixtures for driving the TUI: a temp config, the app on the real LlamaSession talking to
the fake llama-cli, and message capture."""

from __future__ import annotations

import pytest

from neuro_tui import config as config_mod
from neuro_tui.app import messages as m
from neuro_tui.app.app import create_app
from tests.tui import fake_cli

ANSWER = ("Paris is the capital of France [1]. It sits on the Seine [2].\n\n"
          "```python\nprint('bonjour')\n```\n")


def sample_sources() -> list[m.SourceView]:
    return [
        m.SourceView(1, "France [bold red]facts", "docs/france.md:12", 0.91, "local",
                     "Paris is the capital of France.", "Intro.", "Lyon is second."),
        m.SourceView(2, "Seine river", "https://example.org/seine", 0.55, "web",
                     "The Seine flows through Paris."),
    ]


def fixed_retriever(question, config, web):
    """Stands in for retrieval where a test is about the panes, not about searching."""
    return f"Sources:\n[1] Paris...\n\nQuestion: {question}", sample_sources(), []


@pytest.fixture
def tui_config(tmp_path):
    config = config_mod.load({})
    config.values["theme"] = "neuro-dark"
    return config


@pytest.fixture
def fake(monkeypatch):
    """fake(answers, token_delay=..., hang_after=..., ...) scripts the fake llama-cli."""
    fake_cli.install_fixed_paths()
    fake_cli.script(monkeypatch, [ANSWER])
    return lambda answers=None, **env: fake_cli.script(monkeypatch, answers, **env)


@pytest.fixture
def make_app(tui_config, fake, tmp_path):
    def make(*, retriever=None, storage: str = "", pin_clock: bool = False, config=None,
             factory=None, hang_timeout_s: float = 120.0, **kw):
        cfg = config or tui_config
        if storage:
            cfg.values["storage"] = storage
        made: list = []

        def default_factory(c):
            made.append(c)
            return fake_cli.session_for(c, tmp_path / "logs", pin_clock=pin_clock,
                                        hang_timeout_s=hang_timeout_s)

        app = create_app(cfg, factory or default_factory, retriever=retriever, **kw)
        app.configs_made = made
        return app

    return make


class Recorder(list):
    """Collects every message the app's widgets post (run_test(message_hook=...))."""

    def __call__(self, message) -> None:
        self.append(message)

    def of(self, kind):
        """Each message once (the hook sees it again at every node it bubbles through)."""
        unique = {id(msg): msg for msg in self if isinstance(msg, kind)}
        return list(unique.values())


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


async def wait_for(pilot, predicate, timeout: float = 10.0) -> None:
    import time

    end = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > end:
            raise AssertionError("condition not reached in time")
        await pilot.pause(0.02)


async def answered(pilot, app, turn: int = 1, timeout: float = 10.0) -> None:
    await wait_for(pilot, lambda: turn in app.finished, timeout)
    await pilot.pause(0.05)
