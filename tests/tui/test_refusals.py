"""What cannot be sent is refused with a line and the chat goes on (issue #12 items 2, 5, 6).

A control-only paste, a paste too big for the context (offered to the local index instead,
then asked about with citations), and F5 on damaged chat files: no crashed state, no exit.
"""

from __future__ import annotations

import json
import time

from textual import events

from neuro_tui import paths
from neuro_tui.app.jobs import Jobs
from neuro_tui.chat import events as ev
from tests.tui.conftest import answer, answered, log_text, ready, screen_shown


def paste(app, text: str) -> None:
    """A bracketed paste, as the terminal delivers it (to the app, which gives it to the
    focused input)."""
    app.post_message(events.Paste(text))


async def test_control_only_paste_is_refused_and_the_chat_goes_on(make_app, fake):
    fake(["{echo}"])
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await ready(pilot, app)
        paste(app, "\x01\x02\x7f")
        await pilot.pause(0.05)
        await pilot.press("enter")
        refused = await app.recorder.event(ev.MessageRefused)
        await pilot.pause(0.05)
        assert refused.reason == "empty"
        assert "not sent: message refused: nothing is left" in " ".join(log_text(app).split())
        assert app.chat.engine == "ready" and not app.chat.problem
        await pilot.press(*"hello after", "enter")
        await answered(pilot, app)
        assert answer(app, 1).strip() == "You said: hello after"


async def test_oversized_paste_is_refused_then_indexed_and_cited(make_app, fake, tui_config):
    fake(["{echo}"])
    tui_config.values.update(ctx_size=1024, max_tokens=128)
    words = " ".join(f"filler{i}" for i in range(3000))
    pasted = f"# Tide log\n\nThe quennick survey counts anemones at dawn.\n\n{words}\n"
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await ready(pilot, app)
        paste(app, pasted)
        await pilot.pause(0.05)
        await pilot.press("enter")
        refused = await app.recorder.event(ev.MessageRefused)
        assert refused.reason == "too_long" and refused.ctx_size == 1024
        assert refused.tokens > 1024
        await screen_shown(pilot, app, "PasteOffer")
        offer = " ".join(str(app.screen.query_one("Static").render()).split())
        assert f"about {refused.tokens:,} tokens" in offer and "holds 1,024 tokens" in offer
        await pilot.press("enter")  # add it to the local index
        done = await app.recorder.wait(
            lambda m: isinstance(m, Jobs.Progressed) and m.finished, timeout=60)
        assert done.ok, done.text
        assert app.config.storage == str(paths.index_dir())
        await pilot.press(*"when does the quennick survey count anemones", "enter")
        await answered(pilot, app, timeout=30)
        [found] = app.recorder.events(ev.SourcesFound)
        assert found.sources and "paste-" in found.sources[0].location
        assert "[1]" in answer(app, 1), "the model got the passage as numbered source [1]"
        assert app.chat.engine == "ready"


def write_chat(folder, chat_id: str, lines: list[str]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{chat_id}.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")


async def test_f5_on_damaged_chat_files_never_exits(make_app, fake):
    folder = paths.sessions_dir()
    now = time.time()
    meta = {"type": "meta", "id": "20260101-000000-bad001", "title": "damaged",
            "created": now, "model": "smollm2"}
    write_chat(folder, "20260101-000000-bad001", [
        json.dumps(meta), "123", json.dumps({"type": "delta", "text": None}),
        json.dumps({"type": "user", "turn": 1, "content": "still here?"}),
        json.dumps({"type": "delta", "turn": 1, "text": "yes"})[:-10]])  # torn last line
    write_chat(folder, "20260101-000000-junk02", ["not json at all", "\x00\x01"])
    fake(["{echo}"])
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await ready(pilot, app)
        seen = {}
        for index in range(2):  # each damaged chat in turn: listed, opened, never fatal
            await pilot.press("f5")
            before = app.chat
            await screen_shown(pilot, app, "SessionsScreen")
            await pilot.pause(0.05)
            await pilot.press(*["down"] * index, "enter")
            await screen_shown(pilot, app, "ChatScreen", not_this=before)
            await pilot.pause(0.2)
            assert app.is_running
            seen[app.chat.service.transcript.chat_id] = " ".join(log_text(app).split())
        junk, bad = seen["20260101-000000-junk02"], seen["20260101-000000-bad001"]
        assert "skipped in the chat file: line 1: not JSON" in junk
        assert "› still here?" in bad and "skipped in the chat file: line 2" in bad
        assert "answer cut off: incomplete" in bad  # no end record: marked
        await pilot.press(*"and now?", "enter")
        await app.recorder.event(ev.TurnEnded, timeout=20)
        assert app.is_running


async def test_declined_paste_offer_gives_the_text_back(make_app, fake, tui_config):
    fake(["{echo}"])
    tui_config.values.update(ctx_size=1024, max_tokens=128)
    pasted = " ".join(f"word{i}" for i in range(3000))
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await ready(pilot, app)
        paste(app, pasted)
        await pilot.pause(0.05)
        await pilot.press("enter")
        await screen_shown(pilot, app, "PasteOffer")
        await pilot.press("escape")
        await screen_shown(pilot, app, "ChatScreen")
        assert app.chat.query_one("#input").text == pasted, "nothing lost"
        assert app.chat.service.transcript.turns == ()
