"""Fixtures for driving the TUI: a temp config, the app on the real LlamaSession talking to
the fake llama-cli, and message capture.

Tests wait on messages, not on fields: every app from `make_app` records what its widgets
post (`app.recorder`), and `answered()` / `engine_settled()` await the ChatScreen's event
messages (a future resolved by Textual's message hook)."""

from __future__ import annotations

import pytest

from neuro_tui import config as config_mod
from neuro_tui.app.app import create_app
from neuro_tui.app.chat_screen import ChatScreen
from neuro_tui.chat import events as ev
from neuro_tui.chat.events import Source
from tests.tui import fake_cli

ANSWER = ("Paris is the capital of France [1]. It sits on the Seine [2].\n\n"
          "```python\nprint('bonjour')\n```\n")


def sample_sources() -> list[Source]:
    return [
        Source(1, "France [bold red]facts", "docs/france.md:12", "local", 0.91,
               "Paris is the capital of France.", "Intro.", "Lyon is second."),
        Source(2, "Seine river", "https://example.org/seine", "web", 0.55,
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
        record(app)
        return app

    return make


class Recorder(list):
    """Collects every message the app's widgets post (run_test(message_hook=...)) and wakes
    whoever awaits one (`wait`)."""

    def __init__(self) -> None:
        super().__init__()
        self._waiters: list[tuple[object, object]] = []

    def __call__(self, message) -> None:
        self.append(message)
        for waiter in list(self._waiters):
            predicate, future = waiter
            if not future.done() and predicate(message):
                future.set_result(message)
                self._waiters.remove(waiter)

    def of(self, kind):
        """Each message once (the hook sees it again at every node it bubbles through)."""
        unique = {id(msg): msg for msg in self if isinstance(msg, kind)}
        return list(unique.values())

    def events(self, kind=None) -> list:
        """The ChatService events the screen received, in order (optionally of one kind)."""
        seen = self.of(ChatScreen.EngineEvent)
        return [x.event for x in seen if kind is None or isinstance(x.event, kind)]

    async def wait(self, predicate, timeout: float = 10.0):
        """The first message (already seen or still to come) for which predicate is true."""
        import asyncio

        for message in self:
            if predicate(message):
                return message
        future = asyncio.get_running_loop().create_future()
        self._waiters.append((predicate, future))
        try:
            return await asyncio.wait_for(future, timeout)
        except TimeoutError:
            raise AssertionError(f"no such message in {timeout} s") from None

    async def event(self, kind, timeout: float = 10.0, where=lambda e: True):
        message = await self.wait(lambda x: isinstance(x, ChatScreen.EngineEvent)
                                  and isinstance(x.event, kind) and where(x.event), timeout)
        return message.event


def record(app) -> Recorder:
    """Every run_test (and run: snapshots) of this app records its messages in
    `app.recorder` (as well as in the message_hook a test passes)."""
    app.recorder = recorder = Recorder()
    run_test = app.run_test

    def recording_run_test(*args, message_hook=None, **kwargs):
        def hook(message) -> None:
            recorder(message)
            if message_hook is not None:
                message_hook(message)
        return run_test(*args, message_hook=hook, **kwargs)

    def recording_run(*args, **kwargs):  # snap_compare runs the app with app.run()
        from textual._context import message_hook

        token = message_hook.set(recorder)
        try:
            return run(*args, **kwargs)
        finally:
            message_hook.reset(token)

    run = app.run
    app.run_test, app.run = recording_run_test, recording_run
    return recorder


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


async def wait_for(pilot, predicate, timeout: float = 10.0) -> None:
    """For what no message says (a screen pushed, a file written); prefer the waits below."""
    import time

    end = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > end:
            raise AssertionError("condition not reached in time")
        await pilot.pause(0.02)


async def engine_settled(pilot, app, timeout: float = 10.0, after: int = 0):
    """The engine's next EngineReady or EngineFailed (the `after`-th one: 0 = the first)."""
    count = [0]

    def settled(message) -> bool:
        if isinstance(message, ChatScreen.EngineEvent) and isinstance(
                message.event, (ev.EngineReady, ev.EngineFailed)):
            count[0] += 1
            return count[0] > after
        return False

    seen: set[int] = set()

    def once(message) -> bool:  # the hook sees a message at every node it bubbles through
        if id(message) in seen:
            return False
        seen.add(id(message))
        return settled(message)

    message = await app.recorder.wait(once, timeout)
    await pilot.pause(0.02)
    return message.event


async def ready(pilot, app, timeout: float = 10.0) -> None:
    event = await engine_settled(pilot, app, timeout)
    assert isinstance(event, ev.EngineReady), event


async def answered(pilot, app, turn: int = 1, timeout: float = 10.0) -> ev.TurnEnded:
    """Turn `turn` ended (any stop reason) and the screen has shown it."""
    event = await app.recorder.event(ev.TurnEnded, timeout, lambda e: e.turn == turn)
    await pilot.pause(0.05)
    return event


async def streamed(pilot, app, turn: int, chars: int, timeout: float = 10.0) -> None:
    """Turn `turn`'s answer has more than `chars` characters (checked as answer text
    messages arrive)."""
    await app.recorder.wait(lambda m: isinstance(m, ChatScreen.AnswerStreamed)
                            and len(answer(app, turn)) > chars, timeout)
    await pilot.pause(0.02)


async def screen_shown(pilot, app, name: str, timeout: float = 10.0, not_this=None) -> None:
    """A screen of class `name` (other than `not_this`) became the active one (its
    ScreenResume)."""
    from textual import events

    def shown() -> bool:
        return type(app.screen).__name__ == name and app.screen is not not_this

    if not shown():
        await app.recorder.wait(lambda m: isinstance(m, events.ScreenResume) and shown(),
                                timeout)
    await pilot.pause(0.02)


def log_text(app) -> str:
    return "\n".join(app.chat.query_one("MarkdownLog").text_lines())


def answer(app, turn: int) -> str:
    found = app.chat.service.transcript.at(turn)
    return found.answer if found is not None else ""
