"""Sources pane fed before the answer, [n] links, the source viewer, and saved chats."""

from __future__ import annotations

import json

from neuro_tui.app.chat_screen import ChatScreen
from neuro_tui.app.markdown_log import MarkdownLog
from neuro_tui.app.sources_pane import SourcesPane
from neuro_tui.chat import events as ev
from neuro_tui.chat import store
from neuro_tui.chat.export import export_markdown
from tests.tui.conftest import (
    ANSWER,
    answer,
    answered,
    engine_settled,
    fixed_retriever,
    log_text,
    ready,
    screen_shown,
)


async def ask(pilot, app, text="capital of France?", turn=1):
    if turn == 1:
        await ready(pilot, app)
    await pilot.press(*text, "enter")
    await answered(pilot, app, turn)


async def test_sources_arrive_before_the_answer_and_citation_selects(make_app, recorder, fake):
    fake([ANSWER + "\n\n{echo}"])
    app = make_app(retriever=fixed_retriever, storage="/tmp/idx")
    async with app.run_test(size=(120, 36), message_hook=recorder) as pilot:
        await ask(pilot, app)
        kinds = [type(x.event) if isinstance(x, ChatScreen.EngineEvent) else type(x)
                 for x in recorder if isinstance(x, ChatScreen.AnswerStreamed)
                 or isinstance(x, ChatScreen.EngineEvent) and isinstance(x.event,
                                                                         ev.SourcesFound)]
        assert kinds[0] is ev.SourcesFound
        assert "You said: Sources:" in answer(app, 1), "the model got the prompt with sources"
        pane = app.chat.query_one("#sources")
        assert pane.option_count == 2
        assert str(pane.border_title) == "Sources · 2 for turn 1"
        # find the [2] marker on screen and click it
        log = app.chat.query_one("MarkdownLog")
        y, line = next((i, t) for i, t in enumerate(log.text_lines()) if "[2]" in t)
        x = line.index("[2]") + 1
        await pilot.click("MarkdownLog", offset=(x + 1, y))  # +1: the log's left padding
        await pilot.pause(0.1)
        clicked = recorder.of(MarkdownLog.CitationClicked)
        assert clicked and clicked[0].number == 2 and clicked[0].turn == 1
        assert pane.highlighted == 1
        assert recorder.of(SourcesPane.SourceSelected)[0].source.title == "Seine river"


async def test_source_list_keys_and_viewer(make_app):
    app = make_app(retriever=fixed_retriever, storage="/tmp/idx")
    async with app.run_test(size=(120, 36)) as pilot:
        await ask(pilot, app, "capital of France")
        pane = app.chat.query_one("#sources")
        pane.focus()
        await pilot.press("j")
        assert pane.highlighted == 1
        await pilot.press("k", "enter")
        await pilot.pause(0.1)
        viewer = app.screen
        assert type(viewer).__name__ == "SourceViewer"
        passage = viewer.passage
        assert "Paris is the capital of France." in passage.plain
        assert any("reverse" in str(span.style) for span in passage.spans), "terms highlighted"
        await pilot.press("escape")
        assert type(app.screen).__name__ != "SourceViewer"


async def test_source_titles_with_markup_are_literal(make_app):
    app = make_app(retriever=fixed_retriever, storage="/tmp/idx")
    async with app.run_test(size=(120, 36)) as pilot:
        await ask(pilot, app)
        prompt = app.chat.query_one("#sources").get_option_at_index(0).prompt
        assert "France [bold red]facts" in str(prompt)


async def test_every_message_is_saved_and_resume_restores(make_app):
    app = make_app(retriever=fixed_retriever, storage="/tmp/idx")
    async with app.run_test(size=(120, 36)) as pilot:
        await ask(pilot, app)
        files = store.list_chats()
        assert len(files) == 1
        records = [json.loads(x) for x in files[0].path.read_text().splitlines()]
        assert [r["type"] for r in records][:3] == ["meta", "rename", "user"]
        assert records[-1]["type"] == "end" and records[-1]["stop_reason"] == "eos"
    saved = store.list_chats()[0]
    [turn] = saved.transcript.turns
    assert turn.answer.strip() == ANSWER.strip()
    assert turn.sources[1].location == "https://example.org/seine"
    assert saved.transcript.model == "SmolLM2-135M-Instruct.Q4_1"
    md = export_markdown(saved.transcript)
    assert "France [^1-1]." in md and "[^1-2]: Seine river https://example.org/seine" in md

    again = make_app(resume=saved.chat_id, retriever=fixed_retriever)
    async with again.run_test(size=(120, 36)) as pilot:
        await ready(pilot, again)
        text = log_text(again)
        assert "› capital of France?" in text and "Paris is the capital" in text
        # the resumed turn's sources are back in the pane, selected
        pane = again.chat.query_one("#sources")
        assert again.chat.selected_turn == 1 and pane.option_count == 2
        assert str(pane.border_title) == "Sources · 2 for turn 1"
        recap = again.chat.service.recap()
        assert "Earlier in this conversation" in recap and "capital of France?" in recap
        assert "Earlier" not in again.config.system_prompt
        await pilot.press(*"and Lyon?", "enter")
        await answered(pilot, again, 2)
        # selecting the earlier answer shows that turn's sources again
        assert str(pane.border_title) == "Sources · 2 for turn 2"
        y = next(i for i, t in enumerate(log_text(again).splitlines()) if "Paris is" in t)
        await pilot.click("MarkdownLog", offset=(3, y))
        await pilot.pause(0.05)
        assert again.chat.selected_turn == 1
    assert len(store.find(saved.chat_id).transcript.turns) == 2


async def test_sessions_screen_resumes_a_chat_in_place(make_app, fake):
    fake(["Rome."])
    first = make_app()
    async with first.run_test(size=(100, 30)) as pilot:
        await ask(pilot, first, "capital of Italy?")
    fake(["Berlin."])
    app = make_app()
    made = app.configs_made
    async with app.run_test(size=(100, 30)) as pilot:
        await ready(pilot, app)
        first_screen = app.chat
        await pilot.press("f5")
        await screen_shown(pilot, app, "SessionsScreen")
        await pilot.press("enter")
        await screen_shown(pilot, app, "ChatScreen", not_this=first_screen)
        await engine_settled(pilot, app, after=1)
        assert len(made) == 2, "a fresh llama-cli for the resumed chat"
        text = log_text(app)
        assert "› capital of Italy?" in text and "Rome." in text
        assert "capital of Italy?" in app.chat.service.recap()
        assert "recap of the 1 earlier turn" in " ".join(text.split())
        await pilot.press(*"and Germany?", "enter")
        await answered(pilot, app, 2)
    [saved] = store.list_chats()
    assert [(t.question, t.answer.strip()) for t in saved.transcript.turns] == [
        ("capital of Italy?", "Rome."), ("and Germany?", "Berlin.")]


async def test_sources_reachable_by_keyboard_alone(make_app, fake):
    """Over SSH without a mouse: Tab moves focus to the sources pane, Enter opens one."""
    fake([ANSWER])
    app = make_app(retriever=fixed_retriever, storage="/tmp/idx")
    async with app.run_test(size=(120, 36)) as pilot:
        await ask(pilot, app)
        seen = []
        for _ in range(4):
            await pilot.press("tab")
            seen.append(type(app.focused).__name__)
            if app.focused is app.chat.query_one("#sources"):
                break
        assert app.focused is app.chat.query_one("#sources"), seen
        await pilot.press("j", "enter")
        await pilot.pause(0.2)
        assert type(app.screen).__name__ == "SourceViewer"
