"""Select and copy (issue 16): keyboard selection over the chat, copied with OSC 52 — the
bytes the terminal receives are asserted, not a Python attribute."""

from __future__ import annotations

import base64
import re

from textual.app import App

from neuro_tui.app.selection_screen import SelectionScreen, plain_lines
from neuro_tui.chat.events import TurnStatus
from neuro_tui.chat.transcript import Transcript, Turn

CHAT = Transcript(turns=(
    Turn(1, "What is the capital of France?", "Paris is the capital.\nIt is on the Seine.",
         status=TurnStatus.DONE),
    Turn(2, "And of Italy? [bold]x[/bold]", "Rome.", status=TurnStatus.DONE),
    Turn(3, "And Spain?", "Madrid.", status=TurnStatus.DONE)))
OSC52 = re.compile(r"\x1b\]52;c;([A-Za-z0-9+/=]*)\x07")


class Host(App):
    def __init__(self, screen: SelectionScreen) -> None:
        super().__init__()
        self.selection, self.result, self.written = screen, "open", []

    def on_mount(self) -> None:
        real = self._driver.write
        self._driver.write = lambda data: (self.written.append(data), real(data))
        self.push_screen(self.selection, lambda r: setattr(self, "result", r))


def copied(app: Host) -> list[str]:
    return [base64.b64decode(m).decode() for m in OSC52.findall("".join(app.written))]


async def test_mark_move_copy_sends_the_selection_as_osc52():
    app = Host(SelectionScreen(CHAT, start_turn=1))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("down", "down")  # "Assistant: Paris is the capital."
        await pilot.press("v", *["right"] * 11)  # mark, move over "Assistant: "
        await pilot.press("shift+end")  # and to the end of the line (shift extends too)
        await pilot.press("y")
        await pilot.pause()
    assert copied(app) == ["Assistant: Paris is the capital."]


async def test_copy_across_lines_and_turns_keeps_markup_as_text():
    app = Host(SelectionScreen(CHAT, start_turn=1))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("down", "down", "down", "v", "down", "down", "down", "end", "y")
        await pilot.pause()
    assert copied(app) == ["It is on the Seine.\n\n── turn 2 ──\nYou: And of Italy? [bold]x[/bold]"]


async def test_nothing_selected_copies_the_line_and_f_forks_at_the_turn_under_the_cursor():
    app = Host(SelectionScreen(CHAT, start_turn=3))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("down", "ctrl+c")
        await pilot.press("up", "up", "f")  # the last line of turn 2
        await pilot.pause()
    assert copied(app) == ["You: And Spain?"]
    assert app.result == ("fork", 2)


async def test_mouse_drag_selects_and_y_copies():
    from textual.widgets import TextArea

    app = Host(SelectionScreen(CHAT, start_turn=1))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.mouse_down(TextArea, offset=(2, 3))  # row 3: inside the top border
        await pilot.hover(TextArea, offset=(12, 3))
        await pilot.mouse_up(TextArea, offset=(12, 3))
        await pilot.press("y")
        await pilot.pause()
    assert copied(app) == ["Assistant:"]


def test_dropped_turns_are_marked():
    lines, turns = plain_lines(CHAT, frozenset({2}))
    assert "── turn 2 · not in the model's view (context policy) ──" in lines
    assert "── turn 1 ──" in lines and turns[lines.index("You: And Spain?")] == 3


async def test_in_the_app_ctrl_s_copies_and_f_forks_the_saved_chat(make_app, fake):
    """The real ChatScreen (fake llama-cli): Ctrl+S, select, copy; then fork at turn 1."""
    from neuro_tui.app.chat_screen import ChatScreen
    from neuro_tui.chat import store
    from neuro_tui.chat.fork import forked_from
    from tests.tui.conftest import answered, ready, wait_for

    fake(["Bonjour!", "Ciao!"])
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        written = captured_writes(app)
        await ready(pilot, app)
        await pilot.press(*"say hi in French", "enter")
        await answered(pilot, app, 1)
        await pilot.press(*"now in Italian", "enter")
        await answered(pilot, app, 2)
        original = app.screen.service.store.path
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, SelectionScreen))
        # the cursor starts on the selected turn (2, the last answered): its header line
        await pilot.press("down", "down", "home", "shift+end", "y")  # "Assistant: Ciao!"
        await pilot.pause()
        assert [base64.b64decode(m).decode() for m in OSC52.findall("".join(written))] == [
            "Assistant: Ciao!"]
        await pilot.press("up", "up", "up", "f")  # on turn 1
        await wait_for(pilot, lambda: isinstance(app.screen, ChatScreen)
                       and app.screen.service.store.path != original)
        forked = app.screen.service.transcript
        assert [t.question for t in forked.turns] == ["say hi in French"]
    chats = {c.path: c for c in store.list_chats()}
    assert [t.question for t in chats[original].transcript.turns] == ["say hi in French",
                                                                      "now in Italian"]
    fork_path = next(p for p in chats if p != original)
    assert forked_from(fork_path)["turn"] == 1


async def test_editing_an_earlier_question_forks_before_it(make_app, fake):
    from neuro_tui.app.chat_input import ChatInput
    from neuro_tui.app.chat_screen import ChatScreen
    from neuro_tui.chat.fork import forked_from
    from tests.tui.conftest import answered, ready, wait_for

    fake(["Bonjour!", "Ciao!", "Hola!"])
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await ready(pilot, app)
        for n, text in enumerate(["say hi in French", "now in Italian", "and Spanish"], 1):
            await pilot.press(*text, "enter")
            await answered(pilot, app, n)
        original = app.screen.service.store.path
        app.screen.selected_turn = 2
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, SelectionScreen))
        await pilot.press("down", "e")  # on turn 2's question
        await wait_for(pilot, lambda: isinstance(app.screen, ChatScreen)
                       and app.screen.service.store.path != original
                       and app.screen.query_one(ChatInput).text == "now in Italian")
        assert [t.question for t in app.screen.service.transcript.turns] == ["say hi in French"]
        assert forked_from(app.screen.service.store.path)["turn"] == 1


def captured_writes(app) -> list[str]:
    """Everything the app writes to the terminal from now on (OSC 52 included)."""
    written: list[str] = []
    real = app._driver.write
    app._driver.write = lambda data: (written.append(data), real(data))
    return written


MARKED = "Paris is **the capital** of France [1]. It sits on the `Seine` [2]."


async def answered_log(pilot, app, question: str):
    """The chat pane's MarkdownLog once `question` is answered and laid out."""
    from tests.tui.conftest import answered, ready

    await ready(pilot, app)
    await pilot.press(*question, "enter")
    await answered(pilot, app)
    await pilot.pause(0.2)
    return app.chat.query_one("MarkdownLog")


def origin(log) -> tuple[int, int]:
    """(left, top): where the transcript's content starts inside the widget."""
    return log.content_region.x - log.region.x, log.content_region.y - log.region.y


async def drag_in_chat(pilot, log, line: int, first: str, last: str) -> None:
    """Press on the first character of `first` in rendered `line`, drag, release on the
    last character of `last` (content coordinates of the transcript widget)."""
    text = log.text_lines()[line]
    x0, x1 = text.index(first), text.index(last) + len(last) - 1
    left, top = origin(log)
    await pilot.mouse_down(log, offset=(left + x0, top + line))
    await pilot.hover(log, offset=(left + x0 + 3, top + line))
    await pilot.hover(log, offset=(left + x1, top + line))
    await pilot.mouse_up(log, offset=(left + x1, top + line))
    await pilot.pause()


async def test_mouse_drag_over_the_chat_pane_selects_and_copies_what_was_shown(make_app, fake):
    """The streaming pane itself (not Ctrl+S): a drag over a marked answer selects the
    words it covers, drawn highlighted; copying sends them as OSC 52, with the Markdown
    rendered (no ** or backticks) and the glyphs as shown (no backslash escapes)."""
    from tests.tui.test_grounding_marks import three_sources

    fake([MARKED])
    app = make_app(retriever=three_sources, storage="/tmp/idx")
    async with app.run_test(size=(120, 40)) as pilot:
        written = captured_writes(app)
        log = await answered_log(pilot, app, "capital?")
        line = next(i for i, t in enumerate(log.text_lines()) if "Paris" in t)
        assert "[1]✓" in log.text_lines()[line]
        await drag_in_chat(pilot, log, line, "the capital", "Seine")
        assert log.text_selection is not None
        assert app.screen.get_selected_text() == "the capital of France [1]✓. It sits on the Seine"
        lit = log._selection_style()
        from textual.geometry import Region

        [drawn] = log.render_lines(Region(0, line, log.size.width, 1))  # as painted
        assert any(seg.style and seg.style.bgcolor == lit.bgcolor and "capital" in seg.text
                   for seg in drawn)
        assert not any(seg.style and seg.style.bgcolor == lit.bgcolor and "Paris" in seg.text
                       for seg in drawn)
        for seg in drawn:  # selected words stay readable (they took the background's colour)
            if seg.style and seg.style.bgcolor == lit.bgcolor and seg.text.strip():
                assert seg.style.color != seg.style.bgcolor, seg
        await pilot.press("ctrl+c")  # with a selection Ctrl+C copies (it stops without)
        await pilot.pause()
        assert copied_bytes(written) == ["the capital of France [1]✓. It sits on the Seine"]
        assert any(n.message == "copied 48 characters" for n in app._notifications)
        assert log.text_selection is None  # dropped: a second Ctrl+C stops (as it did)
        await drag_in_chat(pilot, log, line, "the capital", "Seine")
        await pilot.press("f6")  # F6 the same: the selection before the last answer
        await pilot.pause()
        assert copied_bytes(written)[1:] == ["the capital of France [1]✓. It sits on the Seine"]
        assert log.text_selection is not None  # F6 keeps it
        app.screen.clear_selection()
        await pilot.press("ctrl+c")  # nothing selected, nothing answering: the hint
        await pilot.press("f6")  # and F6 the whole last answer
        await pilot.pause()
        assert copied_bytes(written)[2:] == [MARKED]
        assert any(n.message.startswith("nothing to stop") for n in app._notifications)


def copied_bytes(written: list[str]) -> list[str]:
    return [base64.b64decode(m).decode() for m in OSC52.findall("".join(written))]


async def test_a_drag_over_lines_and_a_click_after_it(make_app, fake):
    """Across a question and its answer the lines are joined with newlines, the user's
    line as drawn ("› ..."); a plain click afterwards clears the selection and selects
    the turn again (a drag's release is not a click on a [n])."""
    fake(["Rome is old.\n\nVery old [1]."])
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        log = await answered_log(pilot, app, "Italy?")
        lines = log.text_lines()
        q = next(i for i, t in enumerate(lines) if t.startswith("› Italy?"))
        a = next(i for i, t in enumerate(lines) if "Very old" in t)
        left, top = origin(log)
        from neuro_tui.app.markdown_log import MarkdownLog

        def clicks():
            return app.recorder.of((MarkdownLog.CitationClicked, MarkdownLog.TurnClicked))

        await pilot.mouse_down(log, offset=(left, top + q))
        await pilot.hover(log, offset=(left + 4, top + a))
        end = lines[a].index("[1]") + 1
        await pilot.hover(log, offset=(left + end, top + a))
        await pilot.mouse_up(log, offset=(left + end, top + a))
        await pilot.pause()
        assert app.screen.get_selected_text() == "› Italy?\n\nRome is old.\n\nVery old [1"
        # a terminal's release also makes a Click (Pilot's mouse_up does not): send it
        from textual.events import Click
        from textual.pilot import _get_mouse_message_arguments

        where = _get_mouse_message_arguments(log, (left + end, top + a), button=1)
        app.screen._forward_event(Click(**where, chain=1))
        await pilot.pause()
        assert clicks() == [], "the release ended on [1]: no source opened"
        await pilot.click(log, offset=(left + 2, top + q))
        await pilot.pause()
        assert log.text_selection is None
        assert [type(m).__name__ for m in clicks()] == ["TurnClicked"]


def test_selected_text_and_highlight_count_characters_not_cells():
    """Textual's offsets count characters of a line; wide characters take two cells."""
    from rich.segment import Segment
    from rich.style import Style
    from textual.geometry import Offset
    from textual.selection import Selection
    from textual.strip import Strip

    from neuro_tui.app.log_selection import highlight, selected_text

    lines = ["東京 is [1]✓ big   ", "", "last line"]
    assert selected_text(lines, Selection(Offset(0, 0), Offset(2, 0))) == "東京"
    assert selected_text(lines, Selection(Offset(3, 0), Offset(4, 2))) == "is [1]✓ big\n\nlast"
    assert selected_text(lines, Selection(None, None)) == "東京 is [1]✓ big\n\nlast line"
    lit = Style(bgcolor="blue")
    strip = highlight(Strip([Segment("東京 is", Style(color="red"))]), (1, 4), lit)
    assert [(s.text, s.style.bgcolor is not None) for s in strip] == [
        ("東", False), ("京 i", True), ("s", False)]
    assert all(s.style.color.name == "red" for s in strip)


async def test_ctrl_c_while_answering_copies_the_selection_then_a_second_one_stops(make_app,
                                                                                fake):
    """Terminal convention (Windows Terminal): Ctrl+C with a selection copies it and drops
    the selection; the answer goes on, and the next Ctrl+C stops it."""
    from neuro_tui.chat import events as ev
    from tests.tui.conftest import ready, streamed, wait_for

    # The answer stops after 60 words until Ctrl+C: while lines still arrive, the bottom-
    # anchored transcript grows upward, and a drag computed from one frame lands a line off
    # in the next (the CI failure: only "?" was selected).
    fake(["word " * 200], token_delay=0.005, pause_after=60)
    app = make_app()
    async with app.run_test(size=(100, 50)) as pilot:
        written = captured_writes(app)
        await ready(pilot, app)
        await pilot.press(*"Italy?", "enter")
        await streamed(pilot, app, 1, 60 * 5 - 2)
        log = app.chat.query_one("MarkdownLog")
        await wait_for(pilot, lambda: sum(t.count("word") for t in log.text_lines()) == 60)
        q = next(i for i, t in enumerate(log.text_lines()) if t.startswith("› Italy?"))
        await drag_in_chat(pilot, log, q, "Italy", "?")
        await pilot.press("ctrl+c")
        await pilot.pause()
        assert copied_bytes(written) == ["Italy?"]
        assert any(n.message == "copied 6 characters · Esc stops the answer"
                   for n in app._notifications)
        assert app.chat.service.state == "answering" and log.text_selection is None
        await pilot.press("ctrl+c")
        ended = await app.recorder.event(ev.TurnEnded, 10)
        assert ended.status is ev.TurnStatus.STOPPED


async def test_a_wrapped_paragraph_is_copied_as_one_line(make_app, fake):
    """A paragraph wraps at the pane's width; the copy joins its lines with spaces (as a
    terminal's copy mode does), while list items and code keep their line breaks."""
    words = " ".join(f"word{i}" for i in range(40))
    fake([f"{words}\n\n- one\n- two\n\n```\nx = 1\ny = 2\n```"])
    app = make_app()
    async with app.run_test(size=(80, 30)) as pilot:
        log = await answered_log(pilot, app, "q")
        lines = log.text_lines()
        first = next(i for i, t in enumerate(lines) if t.startswith("word0 "))
        last = next(i for i, t in enumerate(lines) if "y = 2" in t)
        assert "word39" not in lines[first], "the paragraph wrapped"
        left, top = origin(log)
        await pilot.mouse_down(log, offset=(left, top + first))
        await pilot.hover(log, offset=(left + 10, top + last))
        end = lines[last].index("2")
        await pilot.mouse_up(log, offset=(left + end, top + last))
        await pilot.pause()
        text = app.screen.get_selected_text()
        # as drawn: the list's bullets, the code block's padding line and left margin
        assert text == words + "\n\n • one\n • two\n\n\n x = 1\n y = 2"
