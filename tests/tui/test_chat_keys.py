"""The chat keyboard, driven with Pilot on the real LlamaSession + fake llama-cli."""

from __future__ import annotations

from neuro_tui.app.chat_input import ChatInput
from neuro_tui.app.chat_screen import ChatScreen
from neuro_tui.chat import events as ev
from tests.tui.conftest import ANSWER as ANSWER_WITH_CODE
from tests.tui.conftest import answer, answered, log_text, ready, streamed


async def test_enter_sends_and_answer_streams(make_app, recorder):
    app = make_app()
    async with app.run_test(size=(100, 30), message_hook=recorder) as pilot:
        await ready(pilot, app)
        await pilot.press(*"what is the capital?", "enter")
        await answered(pilot, app)
        assert [s.text for s in recorder.of(ChatInput.Submitted)] == ["what is the capital?"]
        assert recorder.of(ChatScreen.AnswerStreamed), "answer streamed in fragments"
        assert recorder.events(ev.TurnEnded)[0].stop_reason == "eos"
        assert app.chat.query_one("#input").text == ""
        text = log_text(app)
        assert "› what is the capital?" in text
        assert "Paris is the capital of France [1]" in text
        assert "print('bonjour')" in text


async def test_shift_enter_and_ctrl_j_insert_newlines(make_app, recorder, fake):
    fake(["{echo}"])
    app = make_app()
    async with app.run_test(size=(100, 30), message_hook=recorder) as pilot:
        await ready(pilot, app)
        await pilot.press("a", "shift+enter", "b", "ctrl+j", "c")
        assert app.chat.query_one("#input").text == "a\nb\nc"
        assert not recorder.of(ChatInput.Submitted)
        await pilot.press("enter")
        assert [s.text for s in recorder.of(ChatInput.Submitted)] == ["a\nb\nc"]
        await answered(pilot, app)
        assert answer(app, 1).strip() == "You said: a\nb\nc"


async def test_up_down_recall_history_in_empty_input(make_app):
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await ready(pilot, app)
        for turn, text in enumerate(("first", "second"), 1):
            await pilot.press(*text, "enter")
            await answered(pilot, app, turn)
        box = app.chat.query_one("#input")
        await pilot.press("up")
        assert box.text == "second"
        await pilot.press("up")
        assert box.text == "first"
        await pilot.press("down", "down")
        assert box.text == ""


async def test_escape_stops_the_answer(make_app, recorder, fake):
    fake(["{endless}"], token_delay=0.01)
    app = make_app()
    async with app.run_test(size=(100, 30), message_hook=recorder) as pilot:
        await ready(pilot, app)
        await pilot.press(*"long please", "enter")
        await streamed(pilot, app, 1, 40)
        await pilot.press("escape")
        await answered(pilot, app)
        assert recorder.events(ev.TurnEnded)[0].stop_reason == "interrupted"
        assert "stopped" in log_text(app)
        assert app.chat.service.session.state.value in ("stopped", "ready")


async def test_ctrl_c_stops_then_idle_ctrl_c_does_not_quit(make_app, recorder, fake):
    fake(["{endless}", "{echo}"], token_delay=0.01)
    app = make_app()
    async with app.run_test(size=(100, 30), message_hook=recorder) as pilot:
        await ready(pilot, app)
        await pilot.press(*"go", "enter")
        await streamed(pilot, app, 1, 40)
        await pilot.press("ctrl+c")
        await answered(pilot, app)
        assert recorder.events(ev.TurnEnded)[0].stop_reason == "interrupted"
        await pilot.press("ctrl+c")
        await pilot.press("ctrl+c")
        await pilot.pause(0.1)
        assert app.is_running
        await pilot.press(*"still here", "enter")
        await answered(pilot, app, 2)
        assert answer(app, 2).strip() == "You said: still here"


async def test_ctrl_q_quits_and_ends_llama_cli(make_app):
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await ready(pilot, app)
        session = app.chat.service.session
        await pilot.press("ctrl+q")
        await pilot.pause(0.2)
        assert not app.is_running
    assert session.state.value == "closed"


async def test_typing_while_loading_is_sent_when_ready(make_app, recorder, fake):
    fake(["{echo}"], load_delay=2.0)
    app = make_app()
    async with app.run_test(size=(100, 30), message_hook=recorder) as pilot:
        await pilot.press(*"early bird", "enter")
        assert app.chat.service.state == "loading"
        assert "› early bird" in log_text(app)
        assert "queued: sent when the model is ready" in log_text(app)
        await answered(pilot, app)
        assert answer(app, 1).strip() == "You said: early bird"


async def test_model_text_with_markup_and_escapes_is_shown_literally(make_app, fake):
    fake(["Try [bold red]this[/] and \x1b]52;c;cHduZWQ=\x07 and \x1b[31mred\x1b[0m done."])
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await ready(pilot, app)
        await pilot.press(*"hi", "enter")
        await answered(pilot, app)
        text = log_text(app)
        assert "Try [bold red]this[/] and  and red done." in text
        assert "\x1b" not in text and "52;" not in text
        assert "\x1b" not in answer(app, 1)


async def test_copy_answer_code_block_edit_and_regenerate(make_app, fake):
    fake([ANSWER_WITH_CODE, "{echo}"])
    app = make_app()
    copied: list[str] = []
    app.copy_to_clipboard = copied.append  # Textual writes OSC 52; we check what it writes
    async with app.run_test(size=(100, 30)) as pilot:
        await ready(pilot, app)
        await pilot.press(*"code please", "enter")
        await answered(pilot, app)
        await pilot.press("f6", "f7")
        assert copied[0].strip() == ANSWER_WITH_CODE.strip()
        assert copied[1] == "print('bonjour')\n"
        await pilot.press("f9")
        assert app.chat.query_one("#input").text == "code please"
        await pilot.press("ctrl+r")
        await answered(pilot, app, 2)
        assert answer(app, 2).strip() == "You said: code please"


async def test_ctrl_q_while_answering_leaves_no_llama_cli_behind(make_app, fake):
    import os
    import time

    fake(["{endless}"], token_delay=0.01)
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await ready(pilot, app)
        await pilot.press(*"go on forever", "enter")
        await streamed(pilot, app, 1, 20)
        pid = app.chat.service.session.pid
        await pilot.press("ctrl+q")
    end = time.monotonic() + 5
    while time.monotonic() < end:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            break
        time.sleep(0.05)
    else:
        raise AssertionError(f"llama-cli {pid} still running after quit")


async def test_transcript_scrolls_from_the_keyboard(make_app, fake):
    fake(["\n\n".join(f"paragraph {i}" for i in range(60))], token_delay=0)
    app = make_app()
    async with app.run_test(size=(100, 24)) as pilot:
        await ready(pilot, app)
        await pilot.press(*"long", "enter")
        await answered(pilot, app)
        transcript = app.chat.query_one("#transcript")
        bottom = transcript.scroll_y
        assert bottom > 0, "anchored at the newest text"
        await pilot.press("shift+pageup")
        await pilot.pause(0.05)
        assert transcript.scroll_y < bottom
        await pilot.press("shift+pagedown", "shift+pagedown", "shift+pagedown")
        await pilot.pause(0.05)
        assert transcript.scroll_y == bottom
